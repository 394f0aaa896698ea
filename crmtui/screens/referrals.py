"""Referrals (F6): every referral by status, the leaderboard, conversion, and a referral tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane

from crmtui.screens.base import ShopScreen
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.referral_tree import STATUS_STYLE, ReferralTree
from crmtui.widgets.safe import cell, local_date, plain

if TYPE_CHECKING:
    from crmtui.services.dto import ContactSummary
    from crmtui.services.referrals.dto import Conversion, LeaderRow, ReferralPage, TreeNode

FILTERS: tuple[str | None, ...] = (None, "pending", "qualified", "rewarded", "rejected")
PAGE = 100
TABLES = {"ref-list": "#ref-table", "ref-board": "#board-table", "ref-tree": "#tree-search"}


def conversion_text(conv: Conversion) -> Text:
    """The rate with its formula and inputs, as KPIS.md asks."""
    text = Text("Conversion, last 12 months: ", style="bold")
    if conv.rate is None:
        text.append("no referrals recorded yet", style="dim")
    else:
        text.append(f"{conv.rate:.0%}", style="bold green")
        text.append(f" = {conv.qualified} qualified ÷ {conv.recorded} recorded")
    if conv.rejected:
        text.append("  ")
        text.append(f"({conv.rejected} rejected attempt(s) not counted)", style="dim")
    return text


class ReferralsScreen(ShopScreen):
    DEFAULT_CSS = """
    ReferralsScreen #ref-summary { height: auto; padding: 0 2; margin-top: 1; }
    ReferralsScreen #ref-tabs { height: 1fr; margin: 0 1; }
    ReferralsScreen #ref-tabs TabPane { padding: 0; }
    ReferralsScreen DataTable { height: 1fr; }
    ReferralsScreen #ref-filter, ReferralsScreen #board-note { height: 1; color: $text-muted; }
    ReferralsScreen #tree-side { height: 1fr; }
    ReferralsScreen #tree-matches { height: auto; max-height: 7; }
    ReferralsScreen #tree-status { height: auto; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('ref-list')", "List", id="referrals.list"),
        Binding("2", "show_tab('ref-board')", "Board", id="referrals.board"),
        Binding("3", "show_tab('ref-tree')", "Tree", id="referrals.tree"),
        Binding("f", "cycle_filter", "Filter", id="referrals.filter"),
        Binding("t", "tree_of_highlighted", "Their tree", id="referrals.tree_of"),
        Binding("o", "open_highlighted", "Open", id="referrals.open"),
        Binding("right_square_bracket", "page(1)", "Next page", id="referrals.next_page"),
        Binding("left_square_bracket", "page(-1)", "Prev page", id="referrals.prev_page"),
        Binding("escape", "back", "Back", id="referrals.back"),
        # Only reached when the focused widget has no use for ↓: from the tree's search box
        # it steps into the matches, as at the counter.
        Binding("down", "into_matches", "Matches", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_index = 0
        self.list_offset = 0
        self.ref_page: ReferralPage | None = None
        self.board: list[LeaderRow] = []
        self.matches: list[ContactSummary] = []
        self.tree_root: TreeNode | None = None

    @property
    def status_filter(self) -> str | None:
        return FILTERS[self.filter_index]

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("referrals")
        yield Static("Loading…", id="ref-summary")
        with TabbedContent(id="ref-tabs", initial="ref-list"):
            with TabPane("1 Referrals", id="ref-list"):
                yield Static("", id="ref-filter")
                yield DataTable(id="ref-table", cursor_type="row", zebra_stripes=True)
            with TabPane("2 Leaderboard", id="ref-board"):
                yield Static("", id="board-note")
                yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
            with TabPane("3 Tree", id="ref-tree"), Vertical(id="tree-side"):
                yield Input(placeholder="Whose tree? Type a name or phone, Enter", id="tree-search")
                yield DataTable(id="tree-matches", cursor_type="row", show_header=False)
                yield Static("", id="tree-status")
                yield ReferralTree(id="ref-tree-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ref-table", DataTable).add_columns(
            "Recorded", "Referrer", "Referee", "Status", "Reason or code typed"
        )
        self.query_one("#board-table", DataTable).add_columns(
            "#", "Referrer", "Qualified", "Pending", "Referees' revenue, 12 months"
        )
        self.query_one("#tree-matches", DataTable).add_columns("Name", "Phone")
        self.query_one("#ref-table", DataTable).focus()

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Referrals"
        self.load()

    def on_screen_resume(self) -> None:
        if self.ref_page is not None:
            self.load()
            if self.tree_root is not None:
                self.load_tree(self.tree_root.person.id)

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        self.load_lists(self.status_filter, self.list_offset)

    @work(thread=True, exclusive=True, group="referrals", exit_on_error=False, description="Load")
    def load_lists(self, status: str | None, offset: int) -> None:
        desk = self.shop.referrals
        page = desk.list(status, offset=offset, limit=PAGE)
        board = desk.leaderboard()
        conversion = desk.conversion()
        self.app.call_from_thread(self.show_lists, status, page, board, conversion)

    def show_lists(
        self,
        status: str | None,
        page: ReferralPage,
        board: list[LeaderRow],
        conversion: Conversion,
    ) -> None:
        if status != self.status_filter or page.offset != self.list_offset:
            return  # the filter moved on while this loaded
        self.ref_page, self.board = page, board
        summary = conversion_text(conversion)
        summary.append("\n")
        for name in FILTERS[1:]:
            assert name is not None
            summary.append(f"{name} {page.counts.get(name, 0):,}", STATUS_STYLE.get(name, "dim"))
            summary.append("   ")
        self.query_one("#ref-summary", Static).update(summary)
        self._fill_list(page)
        self._fill_board(board)
        self.refresh_bindings()

    def _fill_list(self, page: ReferralPage) -> None:
        table = self.query_one("#ref-table", DataTable)
        with self.app.batch_update():
            table.clear()
            for row in page.rows:
                detail = row.rejection_reason or (
                    f"code {row.code_typed}" if row.code_typed else ""
                )
                table.add_row(
                    Text(local_date(row.created_at)),
                    cell(row.referrer_name, limit=28),
                    cell(row.referee_name, limit=28),
                    Text(row.status, style=STATUS_STYLE.get(row.status, "red")),
                    cell(detail, limit=70),
                    key=str(row.id),
                )
        shown = self.status_filter or "all"
        if page.total == 0:
            where = f"No {shown} referrals." if self.status_filter else "No referrals yet."
        else:
            last = page.offset + len(page.rows)
            where = f"Showing {shown}: {page.offset + 1:,}–{last:,} of {page.total:,}."
        self.query_one("#ref-filter", Static).update(
            Text(f"{where}  f changes the filter; ] and [ turn pages.")
        )

    def _fill_board(self, board: list[LeaderRow]) -> None:
        table = self.query_one("#board-table", DataTable)
        money = self.shop.format_money
        with self.app.batch_update():
            table.clear()
            for rank, row in enumerate(board, start=1):
                table.add_row(
                    Text(str(rank), justify="right"),
                    cell(row.name, limit=40),
                    Text(f"{row.qualified:,}", justify="right"),
                    Text(f"{row.pending:,}", justify="right"),
                    Text(money(row.referee_revenue_minor), justify="right"),
                    key=str(row.referrer_id),
                )
        note = (
            "Ranked by qualified referrals, then by what their referees spent over the last "
            "12 months (sales minus refunds)."
            if board
            else "No qualified referrals yet: the leaderboard fills as referees buy."
        )
        self.query_one("#board-note", Static).update(Text(note))

    # -- keys -------------------------------------------------------------------------------
    @property
    def active_tab(self) -> str:
        tabs = self.query(TabbedContent)  # bindings are checked before the first compose too
        return tabs.first().active if tabs else "ref-list"

    def action_show_tab(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        self.query_one(TABLES[pane]).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.active_tab
        if action in ("cycle_filter", "page"):
            return True if tab == "ref-list" else None
        if action in ("tree_of_highlighted", "open_highlighted"):
            return True if tab in ("ref-list", "ref-board") or self.tree_root else None
        return True

    def action_cycle_filter(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.list_offset = 0
        self.load()

    def action_page(self, step: int) -> None:
        if self.ref_page is None:
            return
        target = self.list_offset + step * PAGE
        if target < 0 or target >= max(self.ref_page.total, 1):
            self.notify("No more pages that way.")
            return
        self.list_offset = target
        self.load()

    def highlighted_person(self, who: str = "referrer") -> int | None:
        tab = self.active_tab
        if tab == "ref-tree":
            tree = self.query_one(ReferralTree)
            node = tree.cursor_node
            return node.data if node is not None and node.data is not None else None
        table = self.query_one(TABLES[tab], DataTable)
        if table.row_count == 0:
            return None
        if tab == "ref-board":
            return self.board[table.cursor_row].referrer_id
        assert self.ref_page is not None
        row = self.ref_page.rows[table.cursor_row]
        return row.referrer_id if who == "referrer" else row.referee_id

    def action_tree_of_highlighted(self) -> None:
        person = self.highlighted_person()
        if person is None:
            self.notify("Highlight a referral or a referrer first.", severity="warning")
            return
        self.query_one(TabbedContent).active = "ref-tree"
        self.load_tree(person)

    def action_open_highlighted(self) -> None:
        person = self.highlighted_person("referee" if self.active_tab == "ref-list" else "")
        if person is None:
            self.notify("Highlight someone first.", severity="warning")
            return
        self.crm.open_contact(person)

    def action_back(self) -> None:
        if self.active_tab != "ref-list":
            self.action_show_tab("ref-list")

    # -- the tree ---------------------------------------------------------------------------
    def show_tree_of(self, contact_id: int) -> None:
        """Open the Tree tab on this customer (the contact detail's `w` key comes here)."""
        self.query_one(TabbedContent).active = "ref-tree"
        self.load_tree(contact_id)

    @on(Input.Changed, "#tree-search")
    def _tree_search(self, event: Input.Changed) -> None:
        self.find_people(event.value)

    @work(thread=True, exclusive=True, group="tree-find", exit_on_error=False, description="Find")
    def find_people(self, query: str) -> None:
        found = self.shop.search(query, limit=6, include_archived=True) if query.strip() else []
        self.app.call_from_thread(self._show_matches, query, found)

    def _show_matches(self, query: str, found: list[ContactSummary]) -> None:
        if query != self.query_one("#tree-search", Input).value:
            return
        self.matches = found
        table = self.query_one("#tree-matches", DataTable)
        with self.app.batch_update():
            table.clear()
            for person in found:
                table.add_row(
                    cell(person.full_name, limit=40), cell(person.phone), key=str(person.id)
                )
        if query.strip() and not found:
            self.query_one("#tree-status", Static).update(plain(f"No one matches “{query}”."))

    def action_into_matches(self) -> None:
        matches = self.query_one("#tree-matches", DataTable)
        if self.focused is self.query_one("#tree-search", Input) and matches.row_count:
            matches.focus()

    @on(Input.Submitted, "#tree-search")
    def _tree_pick_first(self) -> None:
        if self.matches:
            self.load_tree(self.matches[0].id)

    @on(DataTable.RowSelected, "#tree-matches")
    def _tree_pick(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.load_tree(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="tree", exit_on_error=False, description="Tree")
    def load_tree(self, contact_id: int) -> None:
        root = self.shop.referrals.tree(contact_id)
        up = self.shop.referrals.of_contact(contact_id).referred_by
        self.app.call_from_thread(self._show_tree, root, up.name if up else None)

    def _show_tree(self, root: TreeNode, referred_by: str | None) -> None:
        self.tree_root = root
        status = plain(f"Whom {root.person.name} brought, and whom they brought.", limit=90)
        status.append_text(
            plain(
                f"  ({root.person.name} was referred by {referred_by}.)"
                if referred_by
                else "  (No one referred them.)",
                "dim",
            )
        )
        self.query_one("#tree-status", Static).update(status)
        tree = self.query_one(ReferralTree)
        tree.show_tree(root)
        tree.focus()
        self.refresh_bindings()
