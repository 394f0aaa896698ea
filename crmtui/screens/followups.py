"""Follow-ups: the Today queue (overdue first), Upcoming and Done; every action on one key."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from crmtui.screens.base import ShopScreen
from crmtui.services.followups.dates import describe_due
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell, local_date, plain

if TYPE_CHECKING:
    from crmtui.screens.task_dialogs import DoneAnswer, FeedbackAnswer
    from crmtui.services.followups.queue import Queue, TaskRow, View
    from crmtui.services.followups.tasks import TaskFinished

VIEW_TITLES = {"today": "Today", "upcoming": "Upcoming (next 7 days)", "done": "Done"}
NEW_FOR_ANYONE = (
    "For another customer: ctrl+p and type follow and their name, or ctrl+f at the counter."
)
PRIORITY = {1: Text("high", style="bold"), 2: Text("normal"), 3: Text("low", style="dim")}


class FollowupsScreen(ShopScreen):
    DEFAULT_CSS = """
    FollowupsScreen #queue-title { height: 1; padding: 0 1; text-style: bold; margin-top: 1; }
    FollowupsScreen #queue-table { height: 1fr; margin: 0 1; }
    FollowupsScreen #queue-message {
        height: auto; max-height: 8; margin: 0 1; padding: 0 1; border: round $panel;
        border-title-color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "done", "Done", id="followups.done"),
        Binding("z", "snooze", "Snooze", id="followups.snooze"),
        Binding("s", "skip", "Skip", id="followups.skip"),
        Binding("e", "edit", "Edit", id="followups.edit"),
        Binding("n", "new", "New", id="followups.new"),
        Binding("o", "open_contact", "Contact", id="followups.open"),
        Binding("c", "copy_message", "Copy message", id="followups.copy"),
        Binding("f", "feedback", "Feedback", id="followups.feedback"),
        Binding("1", "view('today')", "Today", id="followups.today"),
        Binding("2", "view('upcoming')", "Upcoming", id="followups.upcoming"),
        Binding("3", "view('done')", "Done list", id="followups.done_list"),
        Binding("r", "run_rules", "Run rules", id="followups.rules"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current_view: View = "today"
        self.shown: Queue | None = None
        self.serial = 0  # numbers every load: only the latest one's result is shown
        self.busy: set[int] = set()  # tasks with an action on its way: one key press each

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("followups")
        yield Static("Loading…", id="queue-title")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        message = Static("", id="queue-message")
        message.border_title = "Message (c copies it)"
        yield message
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        table.add_columns("When", "Customer", "Reason", "Kind", "Phone", "Priority")
        table.focus()

    def shop_ready(self) -> None:
        self.load()

    def rules_ran(self) -> None:
        """The app ran the automatic rules: new tasks may be due."""
        if self.shown is not None:
            self.load()

    def on_screen_resume(self) -> None:
        if self.shown is not None:
            self.load()

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        self.serial += 1
        self.load_queue(self.serial, self.current_view)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False, description="Loading")
    def load_queue(self, serial: int, view: View) -> None:
        found = self.shop.followups.queue(view)
        self.app.call_from_thread(self.show_queue, serial, found)

    def show_queue(self, serial: int, found: Queue) -> None:
        if serial != self.serial:
            return
        keep = self.highlighted()
        self.shown = found
        today = self.shop.followups.today()
        table = self.query_one("#queue-table", DataTable)
        with self.app.batch_update():
            table.clear()
            for task in found.rows:
                table.add_row(*self._cells(task, today), key=str(task.id))
        ids = [task.id for task in found.rows]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id), animate=False)
        self.sub_title = (
            f"{self.shop.settings.shop_name} · Follow-ups · {found.due_today} due today"
        )
        shown = f"{len(found.rows)} of {found.total}" if found.total > len(found.rows) else ""
        title = f"{VIEW_TITLES[found.view]}: {shown or found.total} task(s)"
        if found.view == "today":
            overdue = sum(1 for task in found.rows if task.due_on < today)
            title += f", {overdue} overdue" if overdue else ""
        keys = "  ·  1 Today  2 Upcoming  3 Done"
        self.query_one("#queue-title", Static).update(Text(title + keys))
        self.show_message()
        self.refresh_bindings()

    def _cells(self, task: TaskRow, today: date) -> list[Text]:
        if task.status == "open":
            when = describe_due(task.due_on, today=today)
            when_text = Text(when, style="bold red" if task.due_on < today else "")
        else:
            when_text = Text(f"{task.status} {local_date(task.completed_at)}", style="dim")
        reason = task.title if task.status == "open" or not task.outcome else task.outcome
        return [
            when_text,
            cell(task.contact_name, limit=24),
            cell(reason, limit=32),
            Text(task.kind),
            cell(task.phone or "—", limit=18),
            PRIORITY.get(task.priority, Text(str(task.priority))),
        ]

    def highlighted(self) -> TaskRow | None:
        if self.shown is None:
            return None
        table = self.query_one("#queue-table", DataTable)
        rows = self.shown.rows
        if rows and 0 <= table.cursor_row < len(rows) and table.row_count == len(rows):
            return rows[table.cursor_row]
        return None

    # -- the message preview ----------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#queue-table")
    def _highlighted(self) -> None:
        self.show_message()

    def show_message(self) -> None:
        task = self.highlighted()
        box = self.query_one("#queue-message", Static)
        if task is None:
            box.update(Text(f"Nothing to do here. {NEW_FOR_ANYONE}", style="dim"))
            return
        self.load_message(task)

    @work(thread=True, exclusive=True, group="message", exit_on_error=False, description="Message")
    def load_message(self, task: TaskRow) -> None:
        message = self.shop.followups.message_for(task.contact_id, task.template)
        self.app.call_from_thread(self._show_message, task.id, message.text)

    def _show_message(self, task_id: int, text: str) -> None:
        task = self.highlighted()
        if task is not None and task.id == task_id:
            note = f"\n{task.note}" if task.note else ""
            body = plain(text)
            body.append_text(plain(note, style="dim"))
            self.query_one("#queue-message", Static).update(body)

    def action_copy_message(self) -> None:
        task = self.highlighted()
        if task is not None:
            self.copy_message(task)

    @work(thread=True, exclusive=True, group="copy", exit_on_error=False, description="Copy")
    def copy_message(self, task: TaskRow) -> None:
        message = self.shop.followups.message_for(task.contact_id, task.template)
        self.app.call_from_thread(self.app.copy_to_clipboard, message.text)
        self.app.call_from_thread(
            self.notify, f"Message for {task.contact_name} copied to the clipboard."
        )

    # -- keys -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        task = self.highlighted()
        if action in ("done", "snooze", "skip", "edit"):
            return True if task is not None and task.status == "open" else None
        if action in ("open_contact", "copy_message", "feedback"):
            return True if task is not None else None
        return True

    def action_view(self, view: View) -> None:
        self.current_view = view
        self.query_one("#queue-table", DataTable).move_cursor(row=0, animate=False)
        self.load()

    def _ready(self, task: TaskRow | None) -> TaskRow | None:
        if task is None or task.status != "open" or task.id in self.busy:
            return None
        return task

    def action_done(self) -> None:
        from crmtui.screens.task_dialogs import DoneScreen

        task = self._ready(self.highlighted())
        if task is None:
            return

        def answered(answer: DoneAnswer | None) -> None:
            if answer is not None:
                self.busy.add(task.id)
                self.finish(task, answer)

        ask_score = task.rule == "feedback" or task.template == "feedback"
        self.app.push_screen(
            DoneScreen(task.contact_name, task.title, ask_score=ask_score), answered
        )

    @work(thread=True, group="change", exit_on_error=False, description="Marking done")
    def finish(self, task: TaskRow, answer: DoneAnswer) -> None:
        try:
            finished = self.shop.followups.done(
                task.id, answer.outcome, score=answer.score, comment=answer.comment
            )
        finally:
            self.app.call_from_thread(lambda: self.busy.discard(task.id))
        self.app.call_from_thread(self._finished, task, finished)

    def _finished(self, task: TaskRow, finished: TaskFinished) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        self.load()
        if finished.next_due_on is not None:
            self.notify(f"Done. It repeats: the next one is due {finished.next_due_on}.")
            return
        self.notify("Done.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.crm.open_task_form(task.contact_id, task.contact_name)

        # The pipeline habit: every finished conversation offers the next step.
        question = f"Plan the next follow-up for {task.contact_name}?"
        self.app.push_screen(ConfirmScreen(question, yes="Plan next", no="Not now"), answered)

    def action_snooze(self) -> None:
        from crmtui.screens.task_dialogs import SnoozeScreen

        task = self._ready(self.highlighted())
        if task is None:
            return

        def answered(until: date | None) -> None:
            if until is not None:
                self.busy.add(task.id)
                self.change(task.id, "snooze", until, f"Snoozed until {until.isoformat()}.")

        self.app.push_screen(SnoozeScreen(task.contact_name, self.shop.followups.today()), answered)

    def action_skip(self) -> None:
        task = self._ready(self.highlighted())
        if task is not None:
            self.busy.add(task.id)
            self.change(task.id, "skip", None, "Skipped: it will not come back.")

    @work(thread=True, group="change", exit_on_error=False, description="Updating the task")
    def change(self, task_id: int, what: str, until: date | None, done_message: str) -> None:
        try:
            if what == "snooze" and until is not None:
                self.shop.followups.snooze(task_id, until)
            else:
                self.shop.followups.skip(task_id)
        finally:
            self.app.call_from_thread(lambda: self.busy.discard(task_id))
        self.app.call_from_thread(self._changed, done_message)

    def _changed(self, message: str) -> None:
        self.notify(message)
        self.load()

    def action_edit(self) -> None:
        task = self._ready(self.highlighted())
        if task is not None:
            self.crm.open_task_form(task.contact_id, task.contact_name, task=task)

    def action_new(self) -> None:
        """A new task for the highlighted row's customer; anyone else is found by name."""
        task = self.highlighted()
        if task is not None:
            self.crm.open_task_form(task.contact_id, task.contact_name)
        else:
            self.notify(NEW_FOR_ANYONE)

    @on(DataTable.RowSelected, "#queue-table")
    def _row_chosen(self) -> None:
        """Enter on a task opens its customer, as Enter does in every other list."""
        self.action_open_contact()

    def action_open_contact(self) -> None:
        task = self.highlighted()
        if task is not None:
            self.crm.open_contact(task.contact_id)

    def action_feedback(self) -> None:
        from crmtui.screens.task_dialogs import FeedbackScreen

        task = self.highlighted()
        if task is None:
            return

        def answered(answer: FeedbackAnswer | None) -> None:
            if answer is not None:
                self.save_feedback(task.contact_id, answer)

        self.app.push_screen(FeedbackScreen(task.contact_name), answered)

    @work(thread=True, group="change", exit_on_error=False, description="Saving feedback")
    def save_feedback(self, contact_id: int, answer: FeedbackAnswer) -> None:
        self.shop.followups.record_feedback(contact_id, answer.score, answer.comment)
        self.app.call_from_thread(self._changed, f"Feedback {answer.score}/10 recorded.")

    def action_run_rules(self) -> None:
        self.crm.run_followup_rules(announce=True)
