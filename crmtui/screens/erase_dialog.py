"""Erasing a person is final: the owner types ERASE to confirm; Escape (the default) keeps them."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from crmtui.widgets.safe import plain

CONFIRM_WORD = "ERASE"


class EraseDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    EraseDialog { align: center middle; }
    EraseDialog > Vertical {
        width: 72; height: auto; padding: 1 2; border: thick $error; background: $surface;
    }
    EraseDialog #erase-hint { margin-top: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "keep", "Keep them", id="erase.cancel"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.person_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                plain(
                    f"Erase {self.person_name} for good? Their name, phone, email, birthday, "
                    "notes and tags are removed and cannot be brought back. Their sales and "
                    "points stay, anonymised, so the totals still add up. Backups taken "
                    "before today keep them until rotation deletes those backups."
                )
            )
            yield Input(placeholder=f"Type {CONFIRM_WORD} to erase", id="erase-word")
            yield Static(plain("Escape keeps them."), id="erase-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == CONFIRM_WORD:
            self.dismiss(True)
        else:
            self.query_one("#erase-hint", Static).update(
                plain(f"Type {CONFIRM_WORD} in capitals to erase, or Escape to keep them.")
            )

    def action_keep(self) -> None:
        self.dismiss(False)
