"""Small dialogs for the Insights screens: a few typed fields, checked as you type.

`FieldPrompt` asks for one or more lines of text (and optionally a yes/no switch), shows what is
wrong under the fields on every keystroke, and returns the values only when they pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from crmtui.widgets.safe import plain

Values = dict[str, str]
Check = Callable[[Values], str | None]  # None when the values are fine, else what is wrong


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    initial: str = ""
    placeholder: str = ""


class FieldPrompt(ModalScreen[Values | None]):
    DEFAULT_CSS = """
    FieldPrompt { align: center middle; }
    FieldPrompt > Vertical {
        width: 76; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    FieldPrompt #prompt-title { margin-bottom: 1; text-style: bold; }
    FieldPrompt #prompt-problem { color: $error; height: auto; min-height: 1; }
    FieldPrompt Horizontal { height: auto; align-horizontal: right; }
    FieldPrompt Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        check: Check,
        *,
        switch: str | None = None,
        switch_on: bool = False,
        ok: str = "OK",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = tuple(fields)
        self.check = check
        self.switch_label = switch
        self.switch_on = switch_on
        self.ok_label = ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text), id="prompt-title")
            for item in self.fields:
                yield Label(Text(item.label))
                yield Input(item.initial, placeholder=item.placeholder, id=f"field-{item.key}")
            if self.switch_label is not None:
                yield Checkbox(self.switch_label, self.switch_on, id="prompt-switch")
            yield Static("", id="prompt-problem")
            with Horizontal():
                yield Button(f"{self.ok_label} (enter)", id="ok", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.recheck()

    def values(self) -> Values:
        found = {f.key: self.query_one(f"#field-{f.key}", Input).value for f in self.fields}
        if self.switch_label is not None:
            found["switch"] = "yes" if self.query_one("#prompt-switch", Checkbox).value else ""
        return found

    def recheck(self) -> str | None:
        problem = self.check(self.values())
        self.query_one("#prompt-problem", Static).update(plain(problem or ""))
        self.query_one("#ok", Button).disabled = problem is not None
        return problem

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.recheck()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if self.recheck() is None:
            self.dismiss(self.values())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(ModalScreen[None]):
    """A read-only text (a tile's working, the segment rules); any of esc, q, enter closes."""

    DEFAULT_CSS = """
    TextDialog { align: center middle; }
    TextDialog > Vertical {
        width: 96; max-width: 100%; height: auto; max-height: 90%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    """
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close", id="dialog.close")]

    def __init__(self, body: Text | object) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.body)  # type: ignore[arg-type]
