"""The duplicate review queue: look at each likely pair, choose field by field, merge or dismiss.

The older record is suggested as the one that stays (`s` swaps). For every field the value of
the one that stays is used unless the owner picks the other's (space). A merge can be undone
(`z` undoes the last one made here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from crmtui.screens.base import ShopScreen
from crmtui.widgets.safe import cell, plain

if TYPE_CHECKING:
    from crmtui.services.exchange.duplicates import DuplicatePair, MergeSide

FIELD_LABELS = {
    "full_name": "Name",
    "greeting_name": "Greeting",
    "phone": "Phone",
    "email": "Email",
    "birthday": "Birthday",
    "notes": "Notes",
    "marketing_consent": "Marketing consent",
}


def side_value(side: MergeSide, field: str) -> str:
    if field == "marketing_consent":
        return "yes" if side.marketing_consent else "no"
    value = getattr(side, field)
    return "" if value is None else str(value)


class MergeScreen(ShopScreen):
    DEFAULT_CSS = """
    MergeScreen #merge-status { height: auto; padding: 1 2 0 2; color: $text-muted; }
    MergeScreen #merge-pairs { height: 1fr; margin: 0 1; }
    MergeScreen #merge-fields { height: auto; max-height: 12; margin: 1 1 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_field", "Use other", id="merge.toggle_field"),
        Binding("s", "swap", "Swap who stays", id="merge.swap"),
        Binding("m", "merge", "Merge", id="merge.merge"),
        Binding("d", "dismiss_pair", "Not duplicates", id="merge.not_duplicates"),
        Binding("z", "undo", "Undo last merge", id="merge.undo"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="merge.next_pane"),
        Binding("escape", "close", "Close", id="merge.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[DuplicatePair] = []
        self.swapped = False
        self.take_other: set[str] = set()
        self.last_merge: tuple[int, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Looking for duplicates…", id="merge-status")
        yield DataTable(id="merge-pairs", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="merge-fields", cursor_type="row")
        yield Footer()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Duplicates"
        self.query_one("#merge-pairs", DataTable).add_columns("Why", "Stays", "Merged in")
        self.query_one("#merge-fields", DataTable).add_columns("Field", "Stays", "Merged in", "Use")
        self.query_one("#merge-pairs", DataTable).focus()
        self.load_pairs()

    def say(self, message: str) -> None:
        self.query_one("#merge-status", Static).update(plain(message))

    @work(thread=True, exclusive=True, group="merge-load", exit_on_error=False,
          description="Finding duplicates")  # fmt: skip
    def load_pairs(self) -> None:
        pairs = self.shop.exchange.find_duplicates()
        self.app.call_from_thread(self.show_pairs, pairs)

    def show_pairs(self, pairs: list[DuplicatePair]) -> None:
        self.pairs = pairs
        table = self.query_one("#merge-pairs", DataTable)
        keep = table.cursor_row
        table.clear()
        for pair in pairs:
            table.add_row(Text(pair.reason), cell(pair.left.full_name, limit=36),
                          cell(pair.right.full_name, limit=36))  # fmt: skip
        if pairs:
            table.move_cursor(row=min(keep, len(pairs) - 1))
            self.say(
                f"{len(pairs)} possible duplicate pair(s). space: use the other's value, "
                "s: swap who stays, m: merge, d: not duplicates."
            )
        else:
            self.say("No likely duplicates. Escape closes.")
        self.show_fields()

    @on(DataTable.RowHighlighted, "#merge-pairs")
    def pair_highlighted(self) -> None:
        self.swapped = False
        self.take_other = set()
        self.show_fields()

    def current(self) -> tuple[MergeSide, MergeSide] | None:
        table = self.query_one("#merge-pairs", DataTable)
        if not self.pairs or not 0 <= table.cursor_row < len(self.pairs):
            return None
        pair = self.pairs[table.cursor_row]
        return (pair.right, pair.left) if self.swapped else (pair.left, pair.right)

    def show_fields(self) -> None:
        fields = self.query_one("#merge-fields", DataTable)
        keep = fields.cursor_row
        fields.clear()
        sides = self.current()
        if sides is None:
            return
        stays, other = sides
        for field, label in FIELD_LABELS.items():
            use = "merged in" if field in self.take_other else "stays"
            fields.add_row(Text(label), cell(side_value(stays, field), limit=34),
                           cell(side_value(other, field), limit=34),
                           Text(use, "bold" if field in self.take_other else "dim"),
                           key=field)  # fmt: skip
        fields.add_row(Text("Points"), Text(f"{stays.points_balance:,}"),
                       Text(f"{other.points_balance:,}"), Text("added together"))  # fmt: skip
        fields.move_cursor(row=min(keep, len(FIELD_LABELS) - 1))

    def action_toggle_field(self) -> None:
        fields = self.query_one("#merge-fields", DataTable)
        if self.current() is None:
            return
        if not fields.has_focus:
            fields.focus()
            return
        field = list(FIELD_LABELS)[min(fields.cursor_row, len(FIELD_LABELS) - 1)]
        self.take_other ^= {field}
        self.show_fields()

    def action_swap(self) -> None:
        self.swapped = not self.swapped
        self.take_other = set()
        self.show_fields()

    def action_merge(self) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        sides = self.current()
        if sides is None:
            return
        stays, other = sides
        taking = ", ".join(FIELD_LABELS[f].lower() for f in FIELD_LABELS if f in self.take_other)
        merged_in, staying = other.full_name, stays.full_name
        if merged_in == staying:  # the same name twice would not say which goes where
            merged_in += f" (customer #{other.id}, {other.phone or 'no phone'})"
            staying += f" (customer #{stays.id}, {stays.phone or 'no phone'})"
        question = (
            f"Merge {merged_in} into {staying}? Their sales, tasks, feedback, "
            f"referrals and {other.points_balance:,} points move over"
            + (f"; their {taking} replace(s) the current one" if taking else "")
            + ". You can undo this (z)."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.merge(stays.id, other.id, set(self.take_other), other.full_name)

        self.app.push_screen(ConfirmScreen(question, yes="Merge"), answered)

    @work(thread=True, exclusive=True, group="merge-change", exit_on_error=False,
          description="Merge")  # fmt: skip
    def merge(self, survivor: int, merged: int, take: set[str], name: str) -> None:
        merge_id = self.shop.exchange.merge(survivor, merged, take_from_merged=take)
        self.app.call_from_thread(self.changed, f"Merged {name}.", (merge_id, name))

    def changed(self, message: str, last: tuple[int, str] | None = None) -> None:
        if last is not None:
            self.last_merge = last
        self.notify(message, title="Duplicates")
        self.load_pairs()

    def action_dismiss_pair(self) -> None:
        sides = self.current()
        if sides is not None:
            self.dismiss_pair(sides[0].id, sides[1].id)

    @work(thread=True, exclusive=True, group="merge-change", exit_on_error=False,
          description="Not duplicates")  # fmt: skip
    def dismiss_pair(self, left: int, right: int) -> None:
        self.shop.exchange.not_duplicates(left, right)
        self.app.call_from_thread(self.changed, "They will not be suggested again.")

    def action_undo(self) -> None:
        from crmtui.screens.confirm import ConfirmScreen

        if self.last_merge is None:
            self.notify("No merge to undo here.", severity="warning")
            return
        merge_id, name = self.last_merge

        def answered(yes: bool | None) -> None:
            if yes:
                self.undo(merge_id, name)

        self.app.push_screen(ConfirmScreen(f"Undo merging {name}?", yes="Undo"), answered)

    @work(thread=True, exclusive=True, group="merge-change", exit_on_error=False,
          description="Undo merge")  # fmt: skip
    def undo(self, merge_id: int, name: str) -> None:
        self.shop.exchange.undo_merge(merge_id)
        self.last_merge = None
        self.app.call_from_thread(self.changed, f"{name} is separate again.")

    def action_close(self) -> None:
        self.dismiss()
