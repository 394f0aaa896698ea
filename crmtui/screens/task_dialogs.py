"""Small dialogs for working the queue: done (with outcome and maybe a score), snooze,
feedback and logging a call or note. Each answers with a frozen value, or None on Escape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static

from crmtui.widgets.safe import plain

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; padding: 1 2;
    border: thick $primary; background: $surface;
}}
{name} .dialog-heading {{ text-style: bold; margin-bottom: 1; }}
{name} .field {{ height: auto; }}
{name} .field Label {{ width: 12; padding-top: 1; }}
{name} .field Input, {name} .field Select {{ width: 1fr; }}
{name} .error {{ color: $error; height: auto; padding-left: 12; }}
{name} .hint {{ color: $text-muted; height: auto; }}
"""


@dataclass(frozen=True)
class DoneAnswer:
    outcome: str
    score: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class FeedbackAnswer:
    score: int
    comment: str


@dataclass(frozen=True)
class LogAnswer:
    kind: str
    summary: str


def parse_score(typed: str, *, required: bool) -> int | None:
    """A 0–10 score, None when left empty and not required; ValueError says what is wrong."""
    text = typed.strip()
    if not text:
        if required:
            raise ValueError("Type a score from 0 (not at all likely) to 10 (extremely likely)")
        return None
    if not text.isdigit() or not 0 <= int(text) <= 10:
        raise ValueError("The score is a whole number from 0 to 10")
    return int(text)


def _heading(prefix: str, name: str) -> Text:
    text = Text(prefix)
    text.append_text(plain(name, limit=50))
    return text


class DoneScreen(ModalScreen[DoneAnswer | None]):
    """Enter saves. A feedback check-in also asks for the 0–10 score and a comment."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DoneScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="done.cancel")]

    def __init__(self, contact_name: str, title: str, *, ask_score: bool) -> None:
        super().__init__()
        self.contact_name, self.title_text, self.ask_score = contact_name, title, ask_score

    def compose(self) -> ComposeResult:
        with Vertical():
            heading = _heading("Done: ", self.title_text)
            heading.append(" · ")
            heading.append_text(plain(self.contact_name, limit=40))
            yield Static(heading, classes="dialog-heading")
            with Horizontal(classes="field"):
                yield Label("Outcome")
                yield Input(placeholder="optional: what happened", id="outcome")
            if self.ask_score:
                with Horizontal(classes="field"):
                    yield Label("Score 0–10")
                    yield Input(placeholder="how likely to recommend us", id="score")
                with Horizontal(classes="field"):
                    yield Label("Comment")
                    yield Input(placeholder="optional: what they said", id="comment")
            yield Static("", id="done-error", classes="error")
            yield Static("Enter saves · Escape cancels", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#score" if self.ask_score else "#outcome", Input).focus()

    @on(Input.Changed, "#score")
    def _score_changed(self, event: Input.Changed) -> None:
        try:
            parse_score(event.value, required=False)
            self.query_one("#done-error", Static).update("")
        except ValueError as exc:
            self.query_one("#done-error", Static).update(plain(str(exc)))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        outcome = self.query_one("#outcome", Input).value
        if not self.ask_score:
            self.dismiss(DoneAnswer(outcome))
            return
        try:
            score = parse_score(self.query_one("#score", Input).value, required=False)
        except ValueError as exc:
            self.query_one("#done-error", Static).update(plain(str(exc)))
            self.query_one("#score", Input).focus()
            return
        self.dismiss(DoneAnswer(outcome, score, self.query_one("#comment", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SnoozeScreen(ModalScreen[date | None]):
    """1 a day, 3 three days, w a week, or type a date and press Enter."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SnoozeScreen")
    AUTO_FOCUS = ""  # nothing focused: the single keys work until the owner tabs into the date box
    BINDINGS = [
        Binding("1", "days(1)", "1 day", id="snooze.day"),
        Binding("3", "days(3)", "3 days", id="snooze.three"),
        Binding("w", "days(7)", "1 week", id="snooze.week"),
        Binding("escape", "cancel", "Cancel", id="snooze.cancel"),
    ]

    def __init__(self, contact_name: str, today: date) -> None:
        super().__init__()
        self.contact_name, self.today = contact_name, today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_heading("Snooze: ", self.contact_name), classes="dialog-heading")
            yield Static(
                "1  one day   ·   3  three days   ·   w  one week\n"
                "or Tab, type a date, then Enter:",
                classes="hint",
            )
            with Horizontal(classes="field"):
                yield Label("Until")
                yield Input(placeholder="+3d, fri, 24.12, 2026-12-24", id="until")
            yield Static("", id="snooze-error", classes="error")
        yield Footer()

    def action_days(self, days: int) -> None:
        self.dismiss(self.today + timedelta(days=days))

    @on(Input.Submitted, "#until")
    def _submitted(self, event: Input.Submitted) -> None:
        from crmtui.services.followups.dates import DateError, parse_due

        try:
            until = parse_due(event.value, today=self.today)
        except DateError as exc:
            self.query_one("#snooze-error", Static).update(plain(str(exc)))
            return
        if until <= self.today:
            self.query_one("#snooze-error", Static).update("Snooze to a day after today")
            return
        self.dismiss(until)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FeedbackScreen(ModalScreen[FeedbackAnswer | None]):
    """A 0–10 score (the NPS question) and an optional comment, for any customer."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FeedbackScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="feedback.cancel")]

    def __init__(self, contact_name: str) -> None:
        super().__init__()
        self.contact_name = contact_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_heading("Feedback from ", self.contact_name), classes="dialog-heading")
            yield Static("How likely are they to recommend us, from 0 to 10?", classes="hint")
            with Horizontal(classes="field"):
                yield Label("Score 0–10")
                yield Input(id="score")
            with Horizontal(classes="field"):
                yield Label("Comment")
                yield Input(placeholder="optional", id="comment")
            yield Static("", id="feedback-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#score", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        try:
            score = parse_score(self.query_one("#score", Input).value, required=True)
        except ValueError as exc:
            self.query_one("#feedback-error", Static).update(plain(str(exc)))
            self.query_one("#score", Input).focus()
            return
        assert score is not None
        self.dismiss(FeedbackAnswer(score, self.query_one("#comment", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


LOG_KINDS = (
    ("Call", "call"),
    ("Note", "note"),
    ("Message", "message"),
    ("Email", "email"),
    ("Visit", "visit"),
    ("Other", "other"),
)


class LogScreen(ModalScreen[LogAnswer | None]):
    """Log a call, a note or a message on the timeline."""

    DEFAULT_CSS = DIALOG_CSS.format(name="LogScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="log.cancel")]

    def __init__(self, contact_name: str, kind: str = "call") -> None:
        super().__init__()
        self.contact_name, self.kind = contact_name, kind

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_heading("Log for ", self.contact_name), classes="dialog-heading")
            with Horizontal(classes="field"):
                yield Label("Kind")
                yield Select(LOG_KINDS, value=self.kind, allow_blank=False, id="kind")
            with Horizontal(classes="field"):
                yield Label("Summary")
                yield Input(placeholder="what was said or done", id="summary")
            yield Static("", id="log-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        summary = self.query_one("#summary", Input).value
        if not summary.strip():
            self.query_one("#log-error", Static).update("Write what happened")
            return
        kind = self.query_one("#kind", Select).value
        self.dismiss(LogAnswer(kind if isinstance(kind, str) else "note", summary))

    def action_cancel(self) -> None:
        self.dismiss(None)
