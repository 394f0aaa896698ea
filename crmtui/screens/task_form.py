"""New or edit follow-up task: quick due dates, checked as you type, ctrl+s saves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from crmtui.screens.base import ShopModal
from crmtui.services.followups.desk import CleanTask, TaskInput
from crmtui.widgets.safe import plain

if TYPE_CHECKING:
    from crmtui.services.followups.queue import TaskRow

KINDS = (("Call", "call"), ("Message", "message"), ("Email", "email"), ("Visit", "visit"))
KIND_OPTIONS = (*KINDS, ("Other", "other"))
PRIORITIES = (("1 high", 1), ("2 normal", 2), ("3 low", 3))
TEXT_FIELDS = (
    ("title", "Title", "what to do, e.g. Call about the bike service"),
    ("due", "Due", "today, tomorrow, +3d, +2w, fri, 24.12, 2026-12-24"),
    ("recurrence", "Repeat every", "empty, or 3d, 2w, 1m, 1y"),
    ("note", "Note", "optional"),
)


class TaskFormScreen(ShopModal[int | None]):
    """Dismisses with the task id when saved, None when cancelled."""

    DEFAULT_CSS = """
    TaskFormScreen { align: center middle; }
    TaskFormScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    TaskFormScreen .field { height: auto; }
    TaskFormScreen .field Label { width: 14; padding-top: 1; }
    TaskFormScreen .field Input { width: 1fr; }
    TaskFormScreen .field Select { width: 1fr; }
    TaskFormScreen .error { color: $error; height: auto; padding-left: 14; }
    TaskFormScreen .error.-ok { display: none; }
    TaskFormScreen #due-hint { color: $text-muted; height: auto; padding-left: 14; }
    TaskFormScreen #task-heading { text-style: bold; padding: 1 0 0 0; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="task_form.save"),
        Binding("escape", "cancel", "Cancel", id="task_form.cancel"),
    ]

    def __init__(
        self,
        contact_id: int,
        contact_name: str,
        *,
        task: TaskRow | None = None,
        title: str = "",
        kind: str = "call",
    ) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name
        self.editing = task
        self.initial = TaskInput(
            title=task.title if task else title,
            kind=task.kind if task else kind,
            due=task.due_on.isoformat() if task else "tomorrow",
            priority=task.priority if task else 2,
            note=task.note if task else "",
            recurrence=(task.recurrence or "") if task else "",
        )
        self._saving = False

    def compose(self) -> ComposeResult:
        heading = Text("Edit follow-up for " if self.editing else "New follow-up for ")
        heading.append_text(plain(self.contact_name, limit=50))
        with VerticalScroll():
            yield Static(heading, id="task-heading")
            for name, label, placeholder in TEXT_FIELDS:
                with Horizontal(classes="field"):
                    yield Label(label)
                    yield Input(str(getattr(self.initial, name)), placeholder=placeholder, id=name)
                yield Static("", id=f"{name}-error", classes="error -ok")
                if name == "due":
                    yield Static("", id="due-hint")
                if name == "title":
                    with Horizontal(classes="field"):
                        yield Label("Kind")
                        yield Select(
                            KIND_OPTIONS, value=self.initial.kind, allow_blank=False, id="kind"
                        )
                    with Horizontal(classes="field"):
                        yield Label("Priority")
                        yield Select(
                            PRIORITIES,
                            value=self.initial.priority,
                            allow_blank=False,
                            id="priority",
                        )
        yield Footer()

    def on_mount(self) -> None:
        title = self.query_one("#title", Input)
        title.focus()
        title.cursor_position = len(title.value)
        self.refresh_checks()

    def current(self) -> TaskInput:
        kind = self.query_one("#kind", Select).value
        priority = self.query_one("#priority", Select).value
        return TaskInput(
            title=self.query_one("#title", Input).value,
            kind=kind if isinstance(kind, str) else "call",
            due=self.query_one("#due", Input).value,
            priority=priority if isinstance(priority, int) else 2,
            note=self.query_one("#note", Input).value,
            recurrence=self.query_one("#recurrence", Input).value,
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.refresh_checks()

    def refresh_checks(self) -> CleanTask | dict[str, str]:
        current_due = self.editing.due_on if self.editing else None
        result = self.shop.followups.check_task_input(self.current(), current_due=current_due)
        problems = result if isinstance(result, dict) else {}
        for name, *_ in TEXT_FIELDS:
            message = problems.get(name, "")
            error = self.query_one(f"#{name}-error", Static)
            error.update(plain(message))
            error.set_class(not message, "-ok")
        hint = self.query_one("#due-hint", Static)
        if "due" in problems:
            hint.update("")
        else:  # read the date back in words, even while other fields still need fixing
            from crmtui.services.followups.dates import DateError, parse_due

            try:
                due_on = parse_due(self.current().due, today=self.shop.followups.today())
            except DateError:  # an overdue task kept on its own date
                due_on = current_due or self.shop.followups.today()
            hint.update(Text(f"Due {due_on.strftime('%A %-d %B %Y')}"))
        return result

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self._saving:
            return
        result = self.refresh_checks()
        if isinstance(result, dict):
            self.query_one(f"#{next(iter(result))}", Input).focus()
            self.notify(f"{len(result)} field(s) need fixing before saving", severity="error")
            return
        self._saving = True
        self.save(self.current())

    @work(thread=True, exclusive=True, group="task-save", exit_on_error=False, description="Save")
    def save(self, data: TaskInput) -> None:
        from crmtui.services.followups.tasks import TaskError

        try:
            if self.editing is None:
                task_id = self.shop.followups.create(self.contact_id, data)
            else:
                self.shop.followups.update(self.editing.id, data)
                task_id = self.editing.id
        except TaskError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, task_id)

    def _failed(self, message: str) -> None:
        self._saving = False
        self.notify(f"Not saved: {message}", severity="error")

    def action_cancel(self) -> None:
        self.dismiss(None)
