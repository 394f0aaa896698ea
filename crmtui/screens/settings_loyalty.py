"""Settings tab: placeholder until its issue builds it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from crmtui.screens.settings_pane import SettingsPane


class LoyaltySettingsPane(SettingsPane):
    def compose(self) -> ComposeResult:
        yield Static("Loyalty settings are not built yet.")
