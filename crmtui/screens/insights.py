"""Insights (F7): KPI tiles that show their working, weekly trends, RFM segments, top lists.

Everything is computed by `shop.insights.overview` in a thread worker; the screen ignores a
result for a period that is no longer the one chosen. Computing a year of sales takes seconds on
a big shop, so the screen first shows the figures computed last time for the same length of
period (stored by the desk), says when they were computed and that they are updating, and
replaces them when the fresh ones land. With nothing stored it shows a loading state.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Sparkline, Static
from textual.worker import Worker, WorkerState

from crmtui.screens.base import ModeScreen
from crmtui.screens.insight_prompts import Field, FieldPrompt, TextDialog, Values
from crmtui.services.insights.dto import Overview
from crmtui.services.insights.periods import Period, PeriodError
from crmtui.services.insights.rfm import OTHERS, RFM_EXPLAINED, SEGMENT_RULES
from crmtui.widgets.footer import KeysFooter
from crmtui.widgets.kpi_tile import KpiTile, explanation
from crmtui.widgets.navbar import NavBar
from crmtui.widgets.safe import cell

FIRST_DAYS = 90  # the period the screen opens with


def _moment(at: datetime, now: datetime) -> str:
    """HH:MM in local time, with the date when it is not today."""
    local = at.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _age(at: datetime, now: datetime) -> str:
    minutes = max(0, int((now - at).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours ago"
    return f"{minutes // (24 * 60)} days ago"


def stored_figures_line(shown: Period, chosen: Period, at: datetime, now: datetime) -> str:
    """What the owner is looking at while the fresh figures are computed."""
    other_end = f" for the period ending {shown.last_day.isoformat()}" if shown != chosen else ""
    return f"Figures computed at {_moment(at, now)} ({_age(at, now)}){other_end} · updating…"


def fresh_figures_line(at: datetime, now: datetime) -> str:
    return f"Figures as of {_moment(at, now)}"


def segment_rules_text() -> Table:
    """The RFM rule table as the owner sees it (key `s`), in the order rules are tried."""
    table = Table(title="RFM segments: the first matching row wins", title_justify="left")
    for column in ("#", "Segment", "R", "F", "M"):
        table.add_column(column)
    for number, rule in enumerate(SEGMENT_RULES, start=1):
        table.add_row(
            str(number), rule.name, *(f"{lo}–{hi}" if lo != hi else str(lo)
                                      for lo, hi in (rule.r, rule.f, rule.m))
        )  # fmt: skip
    table.add_row(str(len(SEGMENT_RULES) + 1), OTHERS, "anything unmatched", "", "")
    table.caption = RFM_EXPLAINED
    return table


class InsightsScreen(ModeScreen):
    DEFAULT_CSS = """
    InsightsScreen #period-line { height: 1; padding: 0 1; background: $boost; }
    InsightsScreen #freshness { height: 1; padding: 0 1; background: $boost; }
    InsightsScreen #tiles {
        grid-size: 5; grid-rows: 5; grid-gutter: 0 1; height: auto; padding: 0 1;
    }
    InsightsScreen #explain { height: auto; min-height: 5; padding: 0 1; margin: 0 1;
        border: round $primary-darken-3; }
    InsightsScreen #trends { height: auto; padding: 0 1; }
    InsightsScreen .trend { width: 1fr; height: 4; padding: 0 1; }
    InsightsScreen .trend Static { height: 2; }
    InsightsScreen .trend Sparkline { height: 2; }
    InsightsScreen #lists { height: auto; padding: 0 1; }
    InsightsScreen #lists DataTable { height: auto; max-height: 14; width: 1fr; margin-right: 1; }
    InsightsScreen #segments-column { width: 50; }
    InsightsScreen .list-title { text-style: bold; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "period(30)", "30 days", id="insights.days_30"),
        Binding("2", "period(90)", "90 days", id="insights.days_90"),
        Binding("3", "period(365)", "365 days", id="insights.days_365"),
        Binding("c", "custom_period", "Custom period", id="insights.custom_period"),
        Binding("r", "refresh", "Refresh", id="insights.refresh"),
        Binding("e", "explain", "Explain tile", id="insights.explain"),
        Binding("s", "segment_rules", "Segment rules", id="insights.segment_rules"),
        Binding("o", "open_segment", "Open segment", id="insights.open_segment"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period: Period | None = None
        self.overview: Overview | None = None
        self.loading_period: Period | None = None
        # When the figures on screen were read, and whether they are the stored ones
        # shown while the fresh computation runs.
        self.figures_at: datetime | None = None
        self.updating = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar("insights")
        yield Static("", id="period-line")
        yield Static("", id="freshness")
        with VerticalScroll(id="body"):
            with Grid(id="tiles"):
                yield from self.stored_tiles()
            yield Static(
                Text("Focus a tile (tab) to see how its figure was reached."), id="explain"
            )
            with Horizontal(id="trends"):
                for key, label in (
                    ("revenue", "Revenue per week"),
                    ("visits", "Visits per week"),
                    ("new", "New customers per week"),
                ):
                    with Vertical(classes="trend"):
                        yield Static(label, id=f"trend-{key}-label")
                        yield Sparkline([], id=f"trend-{key}")
            with Horizontal(id="lists"):
                with Vertical(id="segments-column"):
                    yield Static("RFM segments · enter opens one · s rules",
                                 classes="list-title")  # fmt: skip
                    yield DataTable(id="segments", cursor_type="row", zebra_stripes=True)
                with Vertical():
                    yield Static("Top customers", classes="list-title")
                    yield DataTable(id="top-customers", cursor_type="row")
                    yield Static("Top referrers", classes="list-title")
                    yield DataTable(id="top-referrers", cursor_type="row")
        yield KeysFooter()

    def stored_tiles(self) -> list[KpiTile]:
        """Tiles of the stored figures for the first period, built with the screen: mounted
        after its first layout instead, they made the first F7 lay everything out twice."""
        shop = self.crm.shop
        if shop is None:
            return []
        stored = shop.insights.cached_overview(shop.insights.last_days(FIRST_DAYS))
        if stored is None:
            return []
        return [KpiTile(m, shop.format_money, id=f"tile-{m.key}") for m in stored[0].measures]

    def on_mount(self) -> None:
        self.query_one("#segments", DataTable).add_columns("Segment", "Customers", "Revenue")
        self.query_one("#top-customers", DataTable).add_columns(
            "Customer", "Sales", "Revenue", "RFM", "Segment"
        )
        self.query_one("#top-referrers", DataTable).add_columns("Referrer", "Recorded", "Bought")

    def shop_ready(self) -> None:
        self.sub_title = f"{self.shop.settings.shop_name} · Insights"
        self.load(self.shop.insights.last_days(FIRST_DAYS))

    def on_screen_resume(self) -> None:
        # Back from the counter (or a segment): sales may have been recorded since. A preset
        # period is brought up to date in milliseconds, so it is, with the figures on screen
        # meanwhile; a custom period takes seconds and waits for r.
        chosen, shown, at = self.loading_period, self.period, self.figures_at
        if not self._left_once or chosen is None or shown is None or at is None:
            return
        if self.workers_running() or not self.shop.insights.is_kept(chosen):
            return
        self.updating = True
        self.query_one("#freshness", Static).update(
            Text(
                stored_figures_line(shown, chosen, at, self.shop.clock()),
                style="bold",
            )
        )
        self.compute(chosen)

    def workers_running(self) -> bool:
        return any(w.group == "insights" and w.is_running for w in self.workers)

    # -- loading ------------------------------------------------------------------------------
    def load(self, period: Period) -> None:
        self.loading_period = period
        # One stored row, read and decoded on the spot: its cost does not grow with the shop.
        stored = self.shop.insights.cached_overview(period)
        if stored is None:
            self.updating = False
            self.query_one("#period-line", Static).update(
                Text(f"Loading {period.label()}…", style="italic")
            )
            self.query_one("#freshness", Static).update("")
            self.query_one("#body").loading = True
        else:
            overview, computed_at = stored
            self.updating = True
            self.show_figures(overview, computed_at)
            self.query_one("#freshness", Static).update(
                Text(
                    stored_figures_line(overview.period, period, computed_at, self.shop.clock()),
                    style="bold",
                )
            )
        self.compute(period)

    @work(thread=True, exclusive=True, exit_on_error=False, group="insights",
          description="Computing insights")  # fmt: skip
    def compute(self, period: Period) -> None:
        started = self.shop.clock()
        overview = self.shop.insights.overview(period)
        self.app.call_from_thread(self.show, overview, started)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # ShopScreen's handler (Textual runs both) has already said what went wrong.
        if event.worker.group == "insights" and event.state == WorkerState.ERROR:
            self.query_one("#body").loading = False
            if self.updating and self.figures_at is not None:
                # Keep the stored figures on screen, and say they were not updated.
                when = _moment(self.figures_at, self.shop.clock())
                self.query_one("#freshness", Static).update(
                    Text(
                        f"Figures computed at {when} · the update failed: r tries again.",
                        style="bold",
                    )
                )
                return
            self.query_one("#period-line", Static).update(
                Text("The figures could not be computed: r tries again.", style="bold")
            )

    def show(self, overview: Overview, computed_at: datetime) -> None:
        """The fresh figures from the worker."""
        if overview.period != self.loading_period:
            return  # an older request finished after a newer one was asked for
        self.updating = False
        self.show_figures(overview, computed_at)
        self.query_one("#freshness", Static).update(
            Text(fresh_figures_line(computed_at, self.shop.clock()), style="dim")
        )

    def show_figures(self, overview: Overview, computed_at: datetime) -> None:
        """Figures on screen, stored or fresh; `self.period` is the period they cover."""
        self.period = overview.period
        self.overview = overview
        self.figures_at = computed_at
        self.query_one("#body").loading = False
        before = overview.period.previous()
        self.query_one("#period-line", Static).update(
            Text(
                f"Period: {overview.period.label()} · compared with "
                f"{before.first_day.isoformat()} – {before.last_day.isoformat()} · "
                f"{overview.scored_customers:,} customers scored"
            )
        )
        self.show_tiles(overview)
        self.show_trends(overview)
        self.show_lists(overview)

    def show_tiles(self, overview: Overview) -> None:
        grid = self.query_one("#tiles", Grid)
        money = self.shop.format_money
        tiles = list(grid.query(KpiTile))
        if len(tiles) == len(overview.measures):
            for tile, measure in zip(tiles, overview.measures, strict=True):
                tile.show(measure)
        else:
            grid.remove_children()
            grid.mount_all(KpiTile(m, money, id=f"tile-{m.key}") for m in overview.measures)
        focused = self.focused
        if isinstance(focused, KpiTile):
            self.explain(focused)

    def show_trends(self, overview: Overview) -> None:
        trend = overview.trend
        money = self.shop.format_money
        series = {
            "revenue": (trend.revenue_minor, lambda v: money(v)),
            "visits": (trend.visits, lambda v: f"{v:,}"),
            "new": (trend.new_customers, lambda v: f"{v:,}"),
        }
        titles = {"revenue": "Revenue", "visits": "Visits", "new": "New customers"}
        for key, (values, shown) in series.items():
            self.query_one(f"#trend-{key}", Sparkline).data = [float(v) for v in values]
            last = shown(values[-1]) if values else "—"
            top = shown(max(values)) if values else "—"
            self.query_one(f"#trend-{key}-label", Static).update(
                Text(f"{titles[key]} per week\nlast {last} · best {top}", no_wrap=True)
            )

    def show_lists(self, overview: Overview) -> None:
        money = self.shop.format_money
        segments = self.query_one("#segments", DataTable)
        row = segments.cursor_row
        segments.clear()
        for seg in overview.segments:
            segments.add_row(
                Text(seg.name), Text(f"{seg.customers:,}", justify="right"),
                Text(money(seg.revenue_minor), justify="right"), key=seg.name,
            )  # fmt: skip
        if segments.row_count:
            segments.move_cursor(row=min(row, segments.row_count - 1))
        top = self.query_one("#top-customers", DataTable)
        top.clear()
        for person in overview.top_customers:
            top.add_row(
                cell(person.full_name, limit=22), Text(f"{person.frequency:,}", justify="right"),
                Text(money(person.monetary_minor), justify="right"), Text(str(person.score)),
                Text(person.segment), key=str(person.contact_id),
            )  # fmt: skip
        referrers = self.query_one("#top-referrers", DataTable)
        referrers.clear()
        for ref in overview.top_referrers:
            referrers.add_row(
                cell(ref.full_name, limit=28), Text(f"{ref.recorded:,}", justify="right"),
                Text(f"{ref.qualified:,}", justify="right"), key=str(ref.contact_id),
            )  # fmt: skip
        if not overview.top_referrers:
            referrers.add_row(Text("no referrals in the period", style="dim"), Text(""), Text(""))

    # -- explaining ---------------------------------------------------------------------------
    def explain(self, tile: KpiTile) -> None:
        self.query_one("#explain", Static).update(explanation(tile.measure, self.shop.format_money))

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, KpiTile):
            self.explain(focused)

    def action_explain(self) -> None:
        focused = self.focused
        if not isinstance(focused, KpiTile):
            tiles = list(self.query(KpiTile))
            if not tiles:
                self.notify("Nothing to explain yet: the figures are still loading.")
                return
            focused = tiles[0]
            focused.focus()
        self.app.push_screen(TextDialog(explanation(focused.measure, self.shop.format_money)))

    def action_segment_rules(self) -> None:
        self.app.push_screen(TextDialog(segment_rules_text()))

    # -- periods ------------------------------------------------------------------------------
    def action_period(self, days: int) -> None:
        self.load(self.shop.insights.last_days(days))

    def action_refresh(self) -> None:
        if self.loading_period is not None:
            self.load(self.loading_period)

    def action_custom_period(self) -> None:
        desk = self.shop.insights
        current = self.loading_period or desk.last_days(90)

        def check(values: Values) -> str | None:
            try:
                desk.custom_period(values["first"], values["last"])
            except PeriodError as problem:
                return str(problem)
            return None

        def chosen(values: Values | None) -> None:
            if values is not None:
                self.load(desk.custom_period(values["first"], values["last"]))

        fields = [
            Field("first", "First day (YYYY-MM-DD)", current.first_day.isoformat()),
            Field("last", "Last day (YYYY-MM-DD)", current.last_day.isoformat()),
        ]
        self.app.push_screen(FieldPrompt("Custom period", fields, check, ok="Show"), chosen)

    # -- segments -----------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "segments":
            self.action_open_segment()
        elif event.data_table.id == "top-customers" and event.row_key.value:
            self.crm.open_contact(int(event.row_key.value))

    def action_open_segment(self) -> None:
        from crmtui.screens.segment import SegmentScreen

        table = self.query_one("#segments", DataTable)
        # The chosen period, not the one of stored figures on screen: the segment screen and
        # its actions always compute their members afresh.
        chosen = self.loading_period
        if chosen is None or self.period is None or not table.row_count:
            self.notify("The segments are still loading.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.app.push_screen(SegmentScreen(chosen, str(key)), lambda _: self.action_refresh())
