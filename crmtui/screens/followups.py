"""Follow-ups: placeholder until its issue builds it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from crmtui.screens.base import ShopScreen


class FollowupsScreen(ShopScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Follow-ups is not built yet.")
        yield Footer()
