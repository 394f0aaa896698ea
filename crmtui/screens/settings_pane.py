"""What every tab of the Settings screen shares: the shop, loading once it opens, save/revert."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.containers import VerticalScroll
from textual.worker import Worker

from crmtui.screens.base import report_failed_worker

if TYPE_CHECKING:
    from crmtui.app import CrmApp
    from crmtui.services.shop import Shop


class SettingsPane(VerticalScroll):
    """One tab of Settings. The screen calls `shop_ready` once the shop is open, and routes
    ctrl+s and Escape to the pane on show through `save_changes` and `revert_changes`."""

    DEFAULT_CSS = """
    SettingsPane { padding: 0 2; height: 1fr; }
    SettingsPane .settings-heading { text-style: bold; padding: 1 0 0 0; }
    SettingsPane .field { height: auto; }
    SettingsPane .field Label { width: 22; padding-top: 1; }
    SettingsPane .field Input { width: 60; }
    SettingsPane .field Select { width: 60; }
    SettingsPane .error { color: $error; height: auto; padding-left: 22; }
    SettingsPane .error.-ok { display: none; }
    SettingsPane .settings-state { height: auto; padding: 1 0 0 22; color: $text-muted; }
    SettingsPane .settings-state.-dirty { color: $warning; }
    """

    @property
    def shop(self) -> Shop:
        shop = cast("CrmApp", self.app).shop
        if shop is None:
            raise RuntimeError("the shop is not open yet")
        return shop

    def shop_ready(self) -> None:
        """Load what is stored. Called once the database is open."""

    def save_changes(self) -> None:
        """ctrl+s: check and store what the pane shows."""

    def revert_changes(self) -> None:
        """Escape: put back what is stored."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self.screen, event.worker)
