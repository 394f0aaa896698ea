"""Record who referred an existing customer (one who has not bought yet): a code or a search,
checked as you type; Enter records it (pending, or rejected with the reason shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from crmtui.screens.base import ShopModal
from crmtui.screens.form_referrer import PLACEHOLDER, describe
from crmtui.services.referrals.dto import Outcome
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.referrals.dto import Resolved, Unresolved


class ReferrerScreen(ShopModal[Outcome | None]):
    DEFAULT_CSS = """
    ReferrerScreen { align: center middle; }
    ReferrerScreen > Vertical {
        width: 80; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ReferrerScreen #referrer-heading { text-style: bold; margin-bottom: 1; }
    ReferrerScreen #referrer-status { height: auto; min-height: 2; margin-top: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "record", "Record", id="referrer.record"),
        Binding("escape", "cancel", "Cancel", id="referrer.cancel"),
    ]

    def __init__(self, referee_id: int, referee_name: str) -> None:
        super().__init__()
        self.referee_id = referee_id
        self.referee_name = referee_name
        self.found: Resolved | Unresolved | None = None
        self.found_for: str | None = None
        self.recording = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                plain(f"Who referred {self.referee_name}?", limit=70), id="referrer-heading"
            )
            yield Input(placeholder=PLACEHOLDER, id="referrer-input", max_length=100)
            yield Static(
                Text("Type a code (any case; spaces and dashes are fine) or a name.", "dim"),
                id="referrer-status",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#referrer-input", Input).focus()

    @on(Input.Changed, "#referrer-input")
    def _typed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.look_up(event.value)
        else:
            self.found, self.found_for = None, event.value
            self.query_one("#referrer-status", Static).update("")

    @work(thread=True, exclusive=True, group="referrer", exit_on_error=False, description="Lookup")
    def look_up(self, typed: str) -> None:
        found = self.shop.referrals.preview(typed, referee_id=self.referee_id)
        self.app.call_from_thread(self._show, typed, found)

    def _show(self, typed: str, found: Resolved | Unresolved) -> None:
        if typed != self.query_one("#referrer-input", Input).value:
            return
        self.found, self.found_for = found, typed
        self.query_one("#referrer-status", Static).update(describe(found))

    @on(Input.Submitted, "#referrer-input")
    def _submitted(self) -> None:
        self.action_record()

    def action_record(self) -> None:
        from crmtui.services.referrals.dto import Unresolved

        typed = self.query_one("#referrer-input", Input).value
        if self.recording:
            return
        if not typed.strip():
            self.notify("Type the referrer's code or name first.", severity="warning")
            return
        if isinstance(self.found, Unresolved) and self.found_for == typed:
            self.notify(self.found.message, severity="error", markup=False)
            return
        self.recording = True
        self.record(typed)

    @work(thread=True, exclusive=True, group="record", exit_on_error=False, description="Record")
    def record(self, typed: str) -> None:
        from crmtui.services.referrals.records import ReferralError

        try:
            outcome = self.shop.referrals.record(self.referee_id, typed)
        except ReferralError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, outcome)

    def _failed(self, message: str) -> None:
        self.recording = False
        self.notify(f"Not recorded: {message}", severity="error", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)
