"""A contact's timeline: sales, finished tasks, calls, notes and feedback, newest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from crmtui.widgets.safe import cell, local_time

if TYPE_CHECKING:
    from crmtui.services.followups.queue import TimelineLine

KIND_STYLE = {
    "sale": "green",
    "feedback": "magenta",
    "task": "cyan",
    "note": "dim",
    "referral": "yellow",
}


class TimelineTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns("Date", "What", "Amount", "Details")

    def show(self, lines: list[TimelineLine], money: Callable[[int, str | None], str]) -> None:
        with self.app.batch_update():
            self.clear()
            for number, line in enumerate(lines):
                amount = Text("")
                if line.amount_minor is not None:
                    amount = Text(
                        money(line.amount_minor, line.currency),
                        style="dim strike" if line.voided else "",
                        justify="right",
                    )
                what = "sale (voided)" if line.voided else line.kind
                self.add_row(
                    Text(local_time(line.at)),
                    Text(what, style=KIND_STYLE.get(line.kind, "")),
                    amount,
                    cell(line.text, limit=80),
                    key=str(number),
                )
