"""The "Referred by" field of the new-customer form: a code or a search, checked as you type
(off the event loop), saying whom it resolves to and whether a guard would refuse it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from textual.app import App

    from crmtui.services.referrals.dto import Outcome, Resolved, Unresolved
    from crmtui.services.shop import Shop

PLACEHOLDER = "their referral code, or search their name or phone (optional)"


class ReferralStatus(Static):
    DEFAULT_CSS = "ReferralStatus { height: auto; padding-left: 18; }"


def describe(found: Resolved | Unresolved) -> Text:
    """`→ Anna Nowak (code 7KD3QX)` in green, a refusal in yellow, a miss in red."""
    from crmtui.services.referrals.dto import Unresolved

    if isinstance(found, Unresolved):
        return plain(found.message, "red")
    who = plain(f"→ {found.person.name} (code {found.person.code}, found by {found.how})", "green")
    if found.refusal:
        who.append_text(plain(f"\nIt would be stored as rejected: {found.refusal}", "yellow"))
    return who


def describe_outcome(outcome: Outcome) -> tuple[str, str]:
    """The notification after saving: (message, severity)."""
    name = outcome.referrer.name if outcome.referrer else "someone"
    if outcome.status == "pending":
        return (
            f"Referred by {name}: rewards for both on the first purchase.",
            "information",
        )
    return (f"Referral by {name} not accepted: {outcome.reason}", "warning")


class ReferredByField:
    """Mixed into ContactFormScreen (new customers only)."""

    if TYPE_CHECKING:
        app: App[object]
        contact_id: int | None
        shop: Shop

        def query_one(self, selector: str, expect_type: object = None) -> object: ...
        def query(self, selector: str) -> list[object]: ...

    _referrer_checked: tuple[str, str, str] | None = None
    _referrer_found: Resolved | Unresolved | None = None

    def referred_by_rows(self) -> ComposeResult:
        if self.contact_id is not None:
            return
        with Horizontal(classes="field"):
            yield Label("Referred by")
            yield Input(placeholder=PLACEHOLDER, id="referred_by", max_length=100)
        yield ReferralStatus("", id="referred_by-status")

    def referred_by_typed(self) -> str:
        if not self.query("#referred_by"):
            return ""
        field = self.query_one("#referred_by", Input)
        assert isinstance(field, Input)
        return field.value

    def check_referred_by(self, phone: str, email: str) -> None:
        """Look the referrer up when the field (or the phone or email it is compared with)
        changed since the last look."""
        typed = self.referred_by_typed()
        key = (typed, phone, email)
        if key == self._referrer_checked or self.contact_id is not None:
            return
        self._referrer_checked = key
        if not typed.strip():
            self._show_referrer(typed, None)
            return
        self.preview_referrer(typed, phone, email)

    @work(thread=True, exclusive=True, group="referrer", exit_on_error=False)
    def preview_referrer(self, typed: str, phone: str, email: str) -> None:
        found = self.shop.referrals.preview(typed, phone=phone, email=email)
        self.app.call_from_thread(self._show_referrer, typed, found)

    def _show_referrer(self, typed: str, found: Resolved | Unresolved | None) -> None:
        if typed != self.referred_by_typed():
            return  # a newer keystroke is being looked up
        self._referrer_found = found
        status = self.query_one("#referred_by-status", Static)
        assert isinstance(status, Static)
        status.update(describe(found) if found is not None else Text(""))

    def referred_by_problem(self) -> str | None:
        """Why saving must wait: the text typed names no one (a refusal does not block)."""
        from crmtui.services.referrals.dto import Unresolved

        typed = self.referred_by_typed()
        if not typed.strip():
            return None
        checked = self._referrer_checked
        if isinstance(self._referrer_found, Unresolved) and checked and checked[0] == typed:
            return self._referrer_found.message
        return None
