"""Settings: one tab per part of the shop (shop, loyalty, rewards, referrals, follow-ups,
templates). Each tab is a SettingsPane in its own module; ctrl+s and Escape go to the tab
on show."""

from __future__ import annotations

from importlib import import_module
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, TabbedContent, TabPane

from crmtui.screens.base import ShopScreen
from crmtui.screens.settings_pane import SettingsPane
from crmtui.widgets.navbar import NavBar

# (tab id, title, "module:class"): imported when Settings first opens, not at start-up.
PANES: tuple[tuple[str, str, str], ...] = (
    ("shop", "Shop", "crmtui.screens.settings_shop:ShopSettingsPane"),
    ("loyalty", "Loyalty", "crmtui.screens.settings_loyalty:LoyaltySettingsPane"),
    ("rewards", "Rewards", "crmtui.screens.settings_rewards:RewardsPane"),
    ("referrals", "Referrals", "crmtui.screens.settings_referrals:ReferralSettingsPane"),
    ("followups", "Follow-up rules", "crmtui.screens.settings_followups:FollowupRulesPane"),
    ("templates", "Templates", "crmtui.screens.settings_templates:TemplatesPane"),
)


def _pane(spec: str) -> SettingsPane:
    module, name = spec.split(":")
    pane = getattr(import_module(module), name)()
    assert isinstance(pane, SettingsPane), spec
    return pane


class SettingsScreen(ShopScreen):
    # The tabs fill the screen and each pane scrolls inside it, so a long pane never scrolls
    # the row of F-keys away.
    DEFAULT_CSS = """
    SettingsScreen #settings-tabs { height: 1fr; }
    SettingsScreen #settings-tabs > ContentSwitcher { height: 1fr; }
    SettingsScreen #settings-tabs TabPane { height: 1fr; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "revert", "Revert", id="settings.revert"),
        Binding("ctrl+pagedown,alt+right", "next_tab(1)", "Next tab", id="settings.next"),
        Binding("ctrl+pageup,alt+left", "next_tab(-1)", "Previous tab", id="settings.previous"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("settings")
        with TabbedContent(id="settings-tabs"):
            for tab_id, title, spec in PANES:
                with TabPane(title, id=f"tab-{tab_id}"):
                    yield _pane(spec)
        yield Footer()

    def shop_ready(self) -> None:
        for pane in self.query(SettingsPane):
            pane.shop_ready()

    def pane(self, tab_id: str) -> SettingsPane:
        return self.query_one(f"#tab-{tab_id}", TabPane).query_one(SettingsPane)

    @property
    def active_pane(self) -> SettingsPane:
        active = self.query_one(TabbedContent).active or "tab-shop"
        return self.pane(active.removeprefix("tab-"))

    def action_save(self) -> None:
        self.active_pane.save_changes()

    def action_revert(self) -> None:
        self.active_pane.revert_changes()

    def show_tab(self, tab_id: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{tab_id}"
        self.call_after_refresh(self._focus_first_field)

    def action_next_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"tab-{tab_id}" for tab_id, *_ in PANES]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(current + step) % len(ids)]
        self.call_after_refresh(self._focus_first_field)

    def _focus_first_field(self) -> None:
        for widget in self.active_pane.query("*"):
            if widget.focusable:
                widget.focus()
                return
