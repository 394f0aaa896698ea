"""The floor for start-up: a bare Textual app showing one Input, nothing else."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="Find a customer: phone digits or name")


if __name__ == "__main__":
    BareApp().run()
