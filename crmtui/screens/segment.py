"""One RFM segment's customers, and what to do with all of them at once.

Tag everyone, give everyone a follow-up, or export them to CSV (a marketing export keeps only
those who gave consent and says how many it left out). Bulk writes ask first; No is the default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from crmtui.paths import data_dir, ensure_private_dir
from crmtui.screens.base import ShopScreen
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.insight_prompts import Field, FieldPrompt, Values
from crmtui.services.insights.actions import SegmentActionError, clean_tag
from crmtui.services.insights.dto import SegmentActionResult, SegmentMembers
from crmtui.services.insights.periods import Period
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell, local_date

# What the owner most likely wants to do with each segment; a starting point they can edit.
SUGGESTED_TASK = {
    "Champions": "Thank a champion: offer an early look at something new",
    "Loyal Customers": "Thank for their loyalty",
    "Potential Loyalist": "Invite to the loyalty programme perks",
    "New Customers": "Welcome call after the first visits",
    "Promising": "Follow up on their recent visit",
    "Need Attention": "Check in: anything we can do better?",
    "About To Sleep": "Win-back: a reason to come back soon",
    "At Risk": "Win-back call",
    "Can't Lose Them": "Win-back call: personal invitation",
    "Lost": "Win-back: we miss you",
}
MAX_DUE_DAYS = 365


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class SegmentScreen(ShopScreen):
    DEFAULT_CSS = """
    SegmentScreen #segment-title { height: auto; padding: 0 1; background: $boost; }
    SegmentScreen #members { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="segment.back"),
        Binding("t", "tag", "Tag everyone", id="segment.tag"),
        Binding("f", "follow_up", "Follow-up for everyone", id="segment.follow_up"),
        Binding("x", "export", "Export CSV", id="segment.export"),
        Binding("enter", "open_contact", "Open customer", id="segment.open_contact", show=False),
    ]

    def __init__(self, period: Period, segment: str) -> None:
        super().__init__()
        self.period = period
        self.segment = segment
        self.members: SegmentMembers | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar(self.app.current_mode)
        yield Static(Text(f"{self.segment}: loading…"), id="segment-title")
        yield DataTable(id="members", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#members", DataTable).add_columns(
            "Customer", "Days since", "Sales", "Revenue", "R", "F", "M", "RFM", "Last visit"
        )

    def shop_ready(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.query_one("#members", DataTable).loading = True
        self.load_members()

    @work(thread=True, exclusive=True, exit_on_error=False, group="segment",
          description="Loading the segment")  # fmt: skip
    def load_members(self) -> None:
        members = self.shop.insights.segment_members(self.period, self.segment)
        self.app.call_from_thread(self.show_members, members)

    def show_members(self, members: SegmentMembers) -> None:
        self.members = members
        money = self.shop.format_money
        table = self.query_one("#members", DataTable)
        table.loading = False
        table.clear()
        for person in members.shown:
            table.add_row(
                cell(person.full_name, limit=34),
                Text(f"{person.recency_days:,}", justify="right"),
                Text(f"{person.frequency:,}", justify="right"),
                Text(money(person.monetary_minor), justify="right"),
                Text(str(person.r)), Text(str(person.f)), Text(str(person.m)),
                Text(str(person.score)), Text(local_date(person.last_sale_at)),
                key=str(person.contact_id),
            )  # fmt: skip
        more = (
            f" (showing the first {len(members.shown):,}; actions reach all)"
            if members.total > len(members.shown)
            else ""
        )
        self.query_one("#segment-title", Static).update(
            Text(
                f"{self.segment}: {members.total:,} customers{more} · {self.period.label()}\n"
                "t tag everyone · f follow-up for everyone · x export CSV · esc back"
            )
        )

    def count(self) -> int:
        return self.members.total if self.members is not None else 0

    # -- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_open_contact(self) -> None:
        table = self.query_one("#members", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.crm.open_contact(int(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.crm.open_contact(int(event.row_key.value))

    def _ready(self) -> bool:
        if self.members is None:
            self.notify("The segment is still loading.")
            return False
        if not self.members.total:
            self.notify(f"Nobody is in {self.segment} for this period.")
            return False
        return True

    def _confirm_then(self, question: str, run: Callable[[], object]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                run()

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_tag(self) -> None:
        if not self._ready():
            return

        def check(values: Values) -> str | None:
            try:
                clean_tag(values["tag"])
            except SegmentActionError as problem:
                return str(problem)
            return None

        def chosen(values: Values | None) -> None:
            if values is None:
                return
            tag = clean_tag(values["tag"])
            self._confirm_then(
                f"Tag all {self.count():,} customers in {self.segment} with “{tag}”?",
                lambda: self.run_action("tag", tag=tag),
            )

        fields = [Field("tag", "Tag", slug(self.segment), "e.g. winback-2026")]
        self.app.push_screen(FieldPrompt(f"Tag everyone in {self.segment}", fields, check), chosen)

    def action_follow_up(self) -> None:
        if not self._ready():
            return

        def check(values: Values) -> str | None:
            title = values["title"].strip()
            if not title:
                return "A follow-up needs a title"
            if len(title) > 200:
                return "A title has at most 200 characters"
            days = values["days"].strip()
            if not days.isdigit() or not 0 <= int(days) <= MAX_DUE_DAYS:
                return f"Due in: a whole number of days from 0 to {MAX_DUE_DAYS}"
            return None

        def chosen(values: Values | None) -> None:
            if values is None:
                return
            title, days = values["title"].strip(), int(values["days"])
            when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
            self._confirm_then(
                f"Create a follow-up “{title}” due {when} for all "
                f"{self.count():,} customers in {self.segment}?",
                lambda: self.run_action("follow_up", title=title, days=days),
            )

        fields = [
            Field("title", "Title", SUGGESTED_TASK.get(self.segment, "Follow up")),
            Field("days", "Due in (days from today)", "0"),
        ]
        prompt = FieldPrompt(f"Follow-up for everyone in {self.segment}", fields, check)
        self.app.push_screen(prompt, chosen)

    def action_export(self) -> None:
        if not self._ready():
            return
        today = self.shop.insights.today().isoformat()
        default = data_dir() / "exports" / f"segment-{slug(self.segment)}-{today}.csv"

        def check(values: Values) -> str | None:
            typed = values["path"].strip()
            if not typed:
                return "Type where to save the file"
            if not typed.lower().endswith(".csv"):
                return "The file name should end in .csv"
            folder = Path(typed).expanduser().parent
            if folder != default.parent and not folder.is_dir():
                return "That folder does not exist"
            return None

        def chosen(values: Values | None) -> None:
            if values is not None:
                path = Path(values["path"].strip()).expanduser()
                if path.parent == default.parent:  # crmtui's own exports folder, made on use
                    ensure_private_dir(path.parent)
                self.run_action("export", path=path, marketing=bool(values["switch"]))

        fields = [Field("path", "Save to", str(default))]
        prompt = FieldPrompt(
            f"Export {self.segment} to CSV", fields, check,
            switch="Marketing export: only customers who gave consent", switch_on=True,
            ok="Export",
        )  # fmt: skip
        self.app.push_screen(prompt, chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="segment-action",
          description="Segment action")  # fmt: skip
    def run_action(self, what: str, **args: object) -> None:
        desk = self.shop.insights
        result: SegmentActionResult
        if what == "tag":
            result = desk.tag_segment(self.period, self.segment, str(args["tag"]))
        elif what == "follow_up":
            result = desk.follow_up_segment(
                self.period, self.segment, title=str(args["title"]),
                due_in_days=int(args["days"]),  # type: ignore[call-overload]
            )  # fmt: skip
        else:
            result = desk.export_segment(
                self.period, self.segment, Path(str(args["path"])),
                marketing_only=bool(args["marketing"]),
            )  # fmt: skip
        self.app.call_from_thread(self.notify, result.detail, title="Done", timeout=10)
        self.app.call_from_thread(self.reload)
