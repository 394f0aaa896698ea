"""Two small forms on a customer's points: refund part or all of a sale, and adjust the
balance by hand with a reason. Both check as you type, confirm, then write in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, Static

from crmtui.screens.base import ShopModal
from crmtui.screens.confirm import ConfirmScreen
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    pass


class PointsFormScreen(ShopModal[str | None]):
    """An amount and a reason. Subclasses say what the amount means and what saving does;
    the screen dismisses with a sentence saying what happened, or None."""

    DEFAULT_CSS = """
    PointsFormScreen { align: center middle; }
    PointsFormScreen > Vertical {
        width: 76; max-width: 100%; height: auto;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    PointsFormScreen #form-heading { padding: 1 0; }
    PointsFormScreen .field { height: auto; }
    PointsFormScreen .field Label { width: 16; padding-top: 1; }
    PointsFormScreen .field Input { width: 1fr; }
    PointsFormScreen #form-check { height: auto; padding: 1 0; }
    PointsFormScreen #form-check.-bad { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="points_form.save"),
        Binding("escape", "cancel", "Cancel", id="points_form.cancel"),
    ]
    AMOUNT_LABEL = "Amount"
    AMOUNT_PLACEHOLDER = ""
    REASON_PLACEHOLDER = ""

    def __init__(self, heading: Text, amount: str = "") -> None:
        super().__init__()
        self.heading = heading
        self.initial_amount = amount
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.heading, id="form-heading")
            with Horizontal(classes="field"):
                yield Label(self.AMOUNT_LABEL)
                yield Input(self.initial_amount, placeholder=self.AMOUNT_PLACEHOLDER, id="amount")
            with Horizontal(classes="field"):
                yield Label("Reason")
                yield Input(placeholder=self.REASON_PLACEHOLDER, id="reason", max_length=200)
            yield Static("", id="form-check")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()
        self.refresh_check()

    # -- what a subclass decides -----------------------------------------------------------
    def check(self, amount: str, reason: str) -> tuple[str | None, str]:
        """(problem or None, what saving will do)."""
        raise NotImplementedError

    def save(self, amount: str, reason: str) -> str:
        """Write it (in a worker thread); return what happened, or raise ValueError."""
        raise NotImplementedError

    # -- the form ---------------------------------------------------------------------------
    def values(self) -> tuple[str, str]:
        return self.query_one("#amount", Input).value, self.query_one("#reason", Input).value

    @on(Input.Changed)
    def refresh_check(self) -> str | None:
        problem, preview = self.check(*self.values())
        line = self.query_one("#form-check", Static)
        line.set_class(problem is not None, "-bad")
        line.update(plain(problem or f"{preview}. ctrl+s saves."))
        return problem

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy or self.refresh_check() is not None:
            return
        _, preview = self.check(*self.values())

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.write(*self.values())

        self.app.push_screen(ConfirmScreen(f"{preview}?", yes="Save"), answered)

    @work(thread=True, exclusive=True, group="points", exit_on_error=False, description="Saving")
    def write(self, amount: str, reason: str) -> None:
        try:
            done = self.save(amount, reason)
        except ValueError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, done)

    def _failed(self, message: str) -> None:
        self.busy = False
        line = self.query_one("#form-check", Static)
        line.add_class("-bad")
        line.update(plain(message))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RefundScreen(PointsFormScreen):
    """Refund all (the default) or part of a sale; the points follow in proportion."""

    AMOUNT_LABEL = "Refund"
    AMOUNT_PLACEHOLDER = "how much goes back"
    REASON_PLACEHOLDER = "optional, e.g. returned a grinder"

    def __init__(self, sale_id: int, heading: Text, remaining_minor: int, amount: str) -> None:
        super().__init__(heading, amount)
        self.sale_id = sale_id
        self.remaining_minor = remaining_minor

    def check(self, amount: str, reason: str) -> tuple[str | None, str]:
        from crmtui.services.money import AmountError

        try:
            minor = self.shop.parse_amount(amount)
        except AmountError as exc:
            return str(exc), ""
        if minor > self.remaining_minor:
            left = self.shop.format_money(self.remaining_minor)
            return f"At most {left} is left of this sale to refund", ""
        return None, f"Refund {self.shop.format_money(minor)} of sale #{self.sale_id}"

    def save(self, amount: str, reason: str) -> str:
        done = self.shop.loyalty.refund(self.sale_id, self.shop.parse_amount(amount), reason)
        return (
            f"Refunded {self.shop.format_money(done.amount_minor)}: "
            f"−{done.points_reversed:,} points, balance {done.balance:,}"
        )


class AdjustScreen(PointsFormScreen):
    """Add or take off points by hand. The reason is required and kept for good."""

    AMOUNT_LABEL = "Points"
    AMOUNT_PLACEHOLDER = "+50 or -20"
    REASON_PLACEHOLDER = "required, e.g. stamp card from the old system"

    def __init__(self, contact_id: int, heading: Text, balance: int) -> None:
        super().__init__(heading)
        self.contact_id = contact_id
        self.balance = balance

    def check(self, amount: str, reason: str) -> tuple[str | None, str]:
        try:
            delta = int(amount.strip().replace(" ", "").replace("+", ""))
        except ValueError:
            return "Type whole points, + to add or - to take off, e.g. +50 or -20", ""
        if delta == 0:
            return "An adjustment must add or take away some points", ""
        if abs(delta) > 10_000_000:
            return "At most 10,000,000 points at once", ""
        if self.balance + delta < 0:
            return f"The balance is {self.balance:,}: taking {-delta:,} would go below zero", ""
        if not reason.strip():
            return "Give a reason: it is kept with the entry for good", ""
        return (
            None,
            f"Adjust by {delta:+,} points (balance {self.balance:,} → {self.balance + delta:,})",
        )

    def save(self, amount: str, reason: str) -> str:
        delta = int(amount.strip().replace(" ", "").replace("+", ""))
        done = self.shop.loyalty.adjust(self.contact_id, delta, reason)
        return f"Adjusted by {delta:+,} points: balance {done.balance:,}"
