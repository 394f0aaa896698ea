"""The Referrals tab of Settings: the two rewards, the minimum first purchase, the monthly cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from crmtui.screens.settings_pane import SettingsPane
from crmtui.services.dto import Problems
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.referrals.rules import ReferralRules

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("referrer_points", "Points to referrer", "when their friend's first purchase qualifies"),
    ("referee_points", "Points to new customer", "on their own first purchase"),
    ("min_amount", "Minimum first purchase", "blank: any amount qualifies, e.g. 30.00"),
    ("monthly_cap", "Monthly cap", "rewarded referrals per referrer per month; blank: none"),
)


class ReferralSettingsPane(SettingsPane):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, str] | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Static("Referral program", classes="settings-heading")
        for name, label, placeholder in FIELDS:
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(placeholder=placeholder, id=f"ref-{name}", disabled=True)
            yield Static("", id=f"ref-{name}-error", classes="error -ok")
        yield Static("Opening the shop…", id="ref-settings-state", classes="settings-state")

    def shop_ready(self) -> None:
        self.load()

    @work(
        thread=True, exclusive=True, group="ref-settings", exit_on_error=False, description="Load"
    )
    def load(self) -> None:
        values = self.shop.referrals.form_values()
        self.app.call_from_thread(self.show_stored, values)

    def show_stored(self, values: dict[str, str]) -> None:
        self.stored = values
        self.fill(values)

    def fill(self, values: dict[str, str]) -> None:
        for name, *_ in FIELDS:
            field = self.query_one(f"#ref-{name}", Input)
            field.disabled = False
            field.value = values[name]
        self.refresh_checks()

    def current(self) -> dict[str, str]:
        return {name: self.query_one(f"#ref-{name}", Input).value for name, *_ in FIELDS}

    @property
    def dirty(self) -> bool:
        return self.stored is not None and self.current() != self.stored

    @on(Input.Changed)
    def _changed(self) -> None:
        if self.stored is not None:
            self.refresh_checks()

    def refresh_checks(self) -> ReferralRules | Problems:
        checked = self.shop.referrals.check_rules(self.current())
        problems = checked.errors if isinstance(checked, Problems) else {}
        for name, *_ in FIELDS:
            message = problems.get(name, "")
            error = self.query_one(f"#ref-{name}-error", Static)
            error.update(plain(message))
            error.set_class(not message, "-ok")
        state = self.query_one("#ref-settings-state", Static)
        state.set_class(self.dirty, "-dirty")
        if problems:
            state.update(Text(f"{len(problems)} field(s) need fixing before ctrl+s can save."))
        else:
            assert not isinstance(checked, Problems)
            summary = self.describe(checked)
            if self.dirty:
                summary += "\nUnsaved changes: ctrl+s saves, Escape puts back what is stored."
            state.update(Text(summary))
        return checked

    def describe(self, rules: ReferralRules) -> str:
        """The rules in one sentence, so the owner sees what the numbers mean."""
        minimum = (
            f"a first purchase of at least {self.shop.format_money(rules.min_amount_minor)}"
            if rules.min_amount_minor
            else "any first purchase"
        )
        cap = (
            f"at most {rules.monthly_cap} rewarded referral(s) per referrer each month"
            if rules.monthly_cap
            else "no monthly cap"
        )
        return (
            f"On {minimum}, the referrer gets {rules.referrer_points:,} points and the new "
            f"customer {rules.referee_points:,}; {cap}."
        )

    def save_changes(self) -> None:
        if self.stored is None or self.saving:
            return
        checked = self.refresh_checks()
        if isinstance(checked, Problems):
            self.query_one(f"#ref-{next(iter(checked.errors))}", Input).focus()
            self.notify(f"{len(checked.errors)} field(s) need fixing", severity="error")
            return
        self.saving = True
        self.save(self.current())

    @work(thread=True, exclusive=True, group="ref-save", exit_on_error=False, description="Save")
    def save(self, values: dict[str, str]) -> None:
        try:
            self.shop.referrals.save_rules(values)
            stored = self.shop.referrals.form_values()
        except ValueError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        finally:
            self.app.call_from_thread(setattr, self, "saving", False)
        self.app.call_from_thread(self._saved, stored)

    def _saved(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.fill(stored)
        self.notify("Referral settings saved.", title="Settings")

    def _failed(self, message: str) -> None:
        self.notify(f"Not saved: {message}", severity="error", markup=False)

    def revert_changes(self) -> None:
        if self.stored is None:
            return
        if not self.dirty:
            self.notify("Nothing to revert: what you see is saved.")
            return
        self.fill(self.stored)
        self.notify("Changes undone: the stored referral settings are back.")
