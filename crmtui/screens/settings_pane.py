"""What every tab of the Settings screen shares: the shop, loading once it opens, save/revert."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static
from textual.worker import Worker

from crmtui.screens.base import report_failed_worker
from crmtui.widgets.safe import plain

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


class FormPane(SettingsPane):
    """A tab of text fields: checked as you type, ctrl+s saves, Escape reverts.

    A subclass lists its FIELDS and says how to read, check and write them; the rest (the
    stored copy, what is unsaved, the error line under each field, the state line) is here.
    """

    FIELDS: ClassVar[tuple[tuple[str, str, str], ...]] = ()  # (name, label, placeholder)
    ID_PREFIX: ClassVar[str] = ""
    HEADING: ClassVar[str] = ""
    SAVED_MESSAGE: ClassVar[str] = "Settings saved."

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, str] | None = None
        self.saving = False

    # -- what a subclass decides ------------------------------------------------------------
    def read_stored(self) -> dict[str, str]:
        """The stored values as the form shows them (runs in a worker thread)."""
        raise NotImplementedError

    def problems(self, values: dict[str, str]) -> dict[str, str]:
        """Field name → what is wrong (cheap: runs on every keystroke)."""
        raise NotImplementedError

    def write(self, values: dict[str, str]) -> dict[str, str]:
        """Store checked values and return them as stored (runs in a worker thread)."""
        raise NotImplementedError

    def explain(self, values: dict[str, str]) -> str:
        """A sentence under the state line saying what valid values mean ("" for none)."""
        return ""

    def checked(self, values: dict[str, str], problems: dict[str, str]) -> None:
        """Called after every check, for panes that show more than the fields."""

    # -- the form ---------------------------------------------------------------------------
    def field_id(self, name: str) -> str:
        return f"{self.ID_PREFIX}{name}"

    def compose(self) -> ComposeResult:
        yield Static(self.HEADING, classes="settings-heading")
        for name, label, placeholder in self.FIELDS:
            with Horizontal(classes="field"):
                yield Label(label)
                yield Input(placeholder=placeholder, id=self.field_id(name), disabled=True)
            yield Static("", id=f"{self.field_id(name)}-error", classes="error -ok")
        yield Static(
            "Opening the shop…", id=f"{self.ID_PREFIX}settings-state", classes="settings-state"
        )
        yield from self.compose_more()

    def compose_more(self) -> ComposeResult:
        """Widgets below the state line."""
        yield from ()

    def shop_ready(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="form-load", exit_on_error=False, description="Load")
    def load(self) -> None:
        stored = self.read_stored()
        self.app.call_from_thread(self.show_stored, stored)

    def show_stored(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.fill(stored)

    def fill(self, values: dict[str, str]) -> None:
        for name, *_ in self.FIELDS:
            field = self.query_one(f"#{self.field_id(name)}", Input)
            field.disabled = False
            field.value = values[name]
            field.cursor_position = len(field.value)
        self.refresh_checks()

    def current(self) -> dict[str, str]:
        return {
            name: self.query_one(f"#{self.field_id(name)}", Input).value for name, *_ in self.FIELDS
        }

    @property
    def dirty(self) -> bool:
        return self.stored is not None and self.current() != self.stored

    @on(Input.Changed)
    def _field_changed(self) -> None:
        if self.stored is not None:
            self.refresh_checks()

    def refresh_checks(self) -> dict[str, str]:
        values = self.current()
        problems = self.problems(values)
        for name, *_ in self.FIELDS:
            message = problems.get(name, "")
            error = self.query_one(f"#{self.field_id(name)}-error", Static)
            error.update(plain(message))
            error.set_class(not message, "-ok")
        state = self.query_one(f"#{self.ID_PREFIX}settings-state", Static)
        state.set_class(self.dirty, "-dirty")
        if problems:
            line = f"{len(problems)} field(s) need fixing before ctrl+s can save."
        elif self.dirty:
            line = "Unsaved changes: ctrl+s saves, Escape puts back what is stored."
        else:
            line = "Everything shown is saved."
        meaning = "" if problems else self.explain(values)
        state.update(Text(f"{meaning}\n{line}" if meaning else line))
        self.checked(values, problems)
        return problems

    def save_changes(self) -> None:
        if self.stored is None or self.saving:
            return
        problems = self.refresh_checks()
        if problems:
            self.query_one(f"#{self.field_id(next(iter(problems)))}", Input).focus()
            self.notify(f"{len(problems)} field(s) need fixing before saving", severity="error")
            return
        self.saving = True
        self.save(self.current())

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False, description="Save")
    def save(self, values: dict[str, str]) -> None:
        try:
            stored = self.write(values)
        except ValueError as exc:  # the service's own check: say what it found
            self.app.call_from_thread(self._save_failed, str(exc))
            return
        finally:
            self.app.call_from_thread(setattr, self, "saving", False)
        self.app.call_from_thread(self._saved, stored)

    def _saved(self, stored: dict[str, str]) -> None:
        self.stored = stored
        self.fill(stored)
        self.notify(self.SAVED_MESSAGE, title="Settings")

    def _save_failed(self, message: str) -> None:
        self.refresh_checks()
        self.notify(f"Not saved: {message}", severity="error")

    def revert_changes(self) -> None:
        if self.stored is None:
            return
        if not self.dirty:
            self.notify("Nothing to revert: what you see is saved.")
            return
        self.fill(self.stored)
        self.notify("Changes undone: the stored settings are back.")
