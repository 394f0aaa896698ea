"""F1: every key, screen by screen, built from the bindings themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.app import App


def _rows(app: App[object], bindings: list[Binding]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if not binding.description:
            continue
        rows.append((app.get_key_display(binding), binding.description))
    return rows


def _bindings_of(cls: type) -> list[Binding]:
    found: list[Binding] = []
    for item in getattr(cls, "BINDINGS", []):
        if isinstance(item, Binding):
            found.append(item)
    return found


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        from crmtui.screens.confirm import ConfirmScreen
        from crmtui.screens.contact_detail import ContactDetailScreen
        from crmtui.screens.contact_form import ContactFormScreen
        from crmtui.screens.contacts import ContactsScreen
        from crmtui.screens.counter import CounterScreen
        from crmtui.screens.followups import FollowupsScreen
        from crmtui.screens.insights import InsightsScreen, segment_rules_text
        from crmtui.screens.loyalty import LoyaltyScreen
        from crmtui.screens.points_dialogs import PointsFormScreen
        from crmtui.screens.redeem import RedeemScreen
        from crmtui.screens.referrals import ReferralsScreen
        from crmtui.screens.segment import SegmentScreen
        from crmtui.screens.settings import SettingsScreen
        from crmtui.screens.settings_rewards import RewardsPane
        from crmtui.screens.task_dialogs import SnoozeScreen
        from crmtui.screens.task_form import TaskFormScreen

        app = self.app
        sections: list[tuple[str, list[Binding]]] = [("Everywhere", _bindings_of(type(app)))]
        sections.append(("Everywhere", [Binding("ctrl+p", "command_palette", "Command palette")]))
        sections += [
            ("Counter", _bindings_of(CounterScreen)),
            ("Contacts", _bindings_of(ContactsScreen)),
            ("Follow-ups", _bindings_of(FollowupsScreen)),
            ("Follow-up form", _bindings_of(TaskFormScreen)),
            ("Snooze", _bindings_of(SnoozeScreen)),
            ("Loyalty", _bindings_of(LoyaltyScreen)),
            ("Redeem", _bindings_of(RedeemScreen)),
            ("Refund and adjust", _bindings_of(PointsFormScreen)),
            ("Referrals", _bindings_of(ReferralsScreen)),
            ("Settings", _bindings_of(SettingsScreen)),
            ("Settings: rewards", _bindings_of(RewardsPane)),
            ("Insights", _bindings_of(InsightsScreen)),
            ("Insights: one segment", _bindings_of(SegmentScreen)),
            ("Customer details", _bindings_of(ContactDetailScreen)),
            ("Customer form", _bindings_of(ContactFormScreen)),
            ("Confirmations", _bindings_of(ConfirmScreen)),
        ]
        self.sections: dict[str, list[tuple[str, str]]] = {}
        for title, bindings in sections:
            self.sections.setdefault(title, []).extend(_rows(app, bindings))
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"), id="help-title")
            for title, rows in self.sections.items():
                table = Table(title=title, title_justify="left", show_header=False, box=None)
                table.add_column(style="bold", no_wrap=True, min_width=14)
                table.add_column()
                for key, description in rows:
                    table.add_row(Text(key), Text(description))
                yield Static(table)
            yield Static(segment_rules_text(), id="help-rfm")
            yield Static(
                Text(
                    "Search: type any part of a phone number or a name in any script "
                    "(lukasz finds Łukasz, wang finds 王). Several words must all match.\n"
                    "Amounts: 12.5, 12,50 and 1 200 all work."
                )
            )
