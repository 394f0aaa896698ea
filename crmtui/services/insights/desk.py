"""The insights services as screens use them: one method per user action, one session each."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlmodel import select

from crmtui.db.models import InsightsCacheState
from crmtui.services.insights import actions, cache, rfm, snapshot, totals
from crmtui.services.insights.customers import Rows, temporary_rows
from crmtui.services.insights.dto import (
    Measure,
    Overview,
    SegmentActionResult,
    SegmentMembers,
    TopReferrer,
)
from crmtui.services.insights.measures import (
    customer_measures,
    nps_measure,
    points_measures,
    referral_measure,
)
from crmtui.services.insights.periods import PRESET_DAYS, Period, custom_period, last_days
from crmtui.services.insights.trends import weekly_new, weekly_sales, weekly_trend

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmtui.services.shop import Shop

SEGMENT_LIST_LIMIT = 500  # rows a segment view shows; the actions reach everyone in it


def _points_value(points: int, point_value_minor: str) -> int:
    value = Decimal(points) * Decimal(point_value_minor)
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


class InsightsDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._keeper = cache.CustomerRowsKeeper(shop.db)

    # -- periods ------------------------------------------------------------------------------
    def today(self) -> date:
        return self.shop.clock().astimezone().date()

    def last_days(self, days: int) -> Period:
        return last_days(days, today=self.today())

    def custom_period(self, first: str, last: str) -> Period:
        """PeriodError says what is wrong with the typed dates."""
        return custom_period(first, last, today=self.today())

    # -- the screen ---------------------------------------------------------------------------
    def is_kept(self, period: Period) -> bool:
        """True when `period` is read from kept rows: computing it again costs milliseconds,
        not seconds (a preset length ending today, on SQLite)."""
        return cache.supported(self.shop.db) and snapshot.is_standard(period, today=self.today())

    def cached_overview(self, period: Period) -> tuple[Overview, datetime] | None:
        """The last figures computed for this preset length (30, 90, 365 days) and when they
        were read, or None. One row read and a decode: fast enough for the event loop. The
        figures may be for a period ending on another day: `overview.period` says which.
        A custom period gets None even when its length is a preset's: other days entirely."""
        if not snapshot.is_standard(period, today=self.today()):
            return None
        with self.shop.db.read() as session:
            return snapshot.read_snapshot(session=session, days=period.days)

    def overview(self, period: Period) -> Overview:
        """Every tile, the trends, the segment table and the top lists, computed now.

        A preset period ending today is then stored as the snapshot `cached_overview` reads,
        in one short write transaction after the computation (the write lock is never held
        while computing), stamped with the moment the computation started.
        """
        started = self.shop.clock()
        overview = self._compute(period)
        if snapshot.is_standard(period, today=self.today()):
            try:
                with self.shop.db.write() as session:
                    snapshot.write_snapshot(session=session, overview=overview, computed_at=started)
            except OperationalError:
                # The file stayed locked past the busy timeout (a long import, say): the fresh
                # figures are still right; only the next opening starts from older ones.
                pass
        return overview

    def _compute(self, period: Period) -> Overview:
        """Two read sessions work side by side: this thread brings the customer rows up to date
        and reads them (every tile about customers, RFM, the segment table, the top list), a
        helper thread meanwhile reads the ledger, referrals, feedback and the weekly sales.
        SQLite runs both at once (the GIL is released while it steps), so the wall time is the
        longer of the two, not their sum.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights") as pool:
            side = pool.submit(self._side_figures, period)
            with self._customer_rows(period) as (session, rows):
                now_totals, before_totals = totals.customer_totals(session, rows, period)
                segments, scored = rfm.segment_table(session, rows)
                top = rfm.top_customers(session, rows, period)
                new_per_week = weekly_new(session, rows, period)
            side_measures, referrers, sales_per_week = side.result()
        measures = customer_measures(now_totals, before_totals, days=period.days)
        return Overview(
            period=period,
            measures=(*measures, *side_measures),
            trend=weekly_trend(period, sales_per_week, new_per_week),
            segments=segments,
            scored_customers=scored,
            top_customers=tuple(top),
            top_referrers=tuple(referrers),
        )

    @contextmanager
    def _customer_rows(self, period: Period) -> Iterator[tuple[Session, Rows]]:
        """A read session and the period's customer rows: the kept ones for a preset ending
        today (brought up to date first), else built for this call from the sales."""
        kept = self._kept_rows(period)
        with self.shop.db.read() as session:
            state = session.get(InsightsCacheState, period.days) if kept else None
            if kept is not None and state is not None and cache.is_current(state, period):
                yield session, replace(kept, sums=cache.decode_sums(state.sums))
                return
            # Not kept, or rebuilt for another day between the refresh and this read.
            with temporary_rows(session, period) as rows:
                yield session, rows

    def keep_up(self) -> list[int]:
        """Bring every kept preset up to date with the sales since its last refresh (the app
        calls this now and then, so opening Insights never has a whole day to catch up on);
        the preset lengths refreshed. Presets never opened stay unkept."""
        if not cache.supported(self.shop.db):
            return []
        with self.shop.db.read() as session:
            kept = [days for days in PRESET_DAYS if session.get(InsightsCacheState, days)]
        for days in kept:
            try:
                self._keeper.bring_up_to_date(self.last_days(days))
            except OperationalError:
                return []  # locked past the busy timeout: the next call catches up
        return kept

    def check_kept_rows(self) -> list[str]:
        """What `crmtui doctor` says about the kept rows: each ready preset's rows against
        rows built afresh from the sales for the same period (a whole build each)."""
        if not cache.supported(self.shop.db):
            return []
        problems = []
        with self.shop.db.read() as session:
            states = session.exec(select(InsightsCacheState)).all()
            for state in states:
                period = cache.described_period(state) if state.ready else None
                if period is None:
                    continue  # being built, or built in another time zone: rebuilt on use
                if stale := cache.stale_rows(session, state, period):
                    problems.append(
                        f"insights: the {state.days}-day figures kept for {stale} customers "
                        "differ from their sales (rebuilt on the next visit)"
                    )
                    self._forget(state.days)
        return problems

    def _forget(self, days: int) -> None:
        """Make the next visit build the preset's rows whole."""
        with self.shop.db.write() as session:
            state = session.get(InsightsCacheState, days)
            if state is not None:
                state.ready = False
                session.add(state)

    def _kept_rows(self, period: Period) -> Rows | None:
        if not cache.supported(self.shop.db):
            return None
        if not snapshot.is_standard(period, today=self.today()):
            return None
        try:
            return self._keeper.bring_up_to_date(period)
        except OperationalError:
            # The file stayed locked past the busy timeout (a long import, say): the figures
            # are computed from the sales instead, which needs no write.
            return None

    def _side_figures(
        self, period: Period
    ) -> tuple[list[Measure], list[TopReferrer], tuple[list[int], list[int]]]:
        """What does not need the per-customer pass, in its own read session."""
        before = period.previous()
        with self.shop.db.read() as session:
            measures = self._loyalty_measures(session, period)
            measures.append(
                referral_measure(
                    totals.referral_count(session, period.start, period.end),
                    totals.referral_count(session, before.start, before.end),
                )
            )
            measures.append(
                nps_measure(
                    totals.nps_count(session, period.start, period.end),
                    totals.nps_count(session, before.start, before.end),
                )
            )
            referrers = totals.top_referrers(session, period.start, period.end)
            sales_per_week = weekly_sales(session, period)
        return measures, referrers, sales_per_week

    def _loyalty_measures(self, session: Session, period: Period) -> list[Measure]:
        from crmtui.services.loyalty.overview import points_flows
        from crmtui.services.loyalty.rules import get_rules

        rules = get_rules(session=session)
        before = period.previous()
        flows = points_flows(session=session, since=period.start, until=period.end)
        flows_before = points_flows(session=session, since=before.start, until=before.end)
        # Balances now, wound back to the period's end and to its start.
        at_end = totals.points_outstanding(session) - totals.points_added_since(session, period.end)
        at_start = at_end - flows.net
        return points_measures(
            outstanding_now=at_end,
            outstanding_before=at_start,
            liability_now=_points_value(at_end, rules.point_value_minor),
            liability_before=_points_value(at_start, rules.point_value_minor),
            point_value_minor=rules.point_value_minor,
            issued=flows.issued,
            redeemed=flows.redeemed,
            issued_before=flows_before.issued,
            redeemed_before=flows_before.redeemed,
        )

    # -- segments -----------------------------------------------------------------------------
    def segment_members(
        self, period: Period, segment: str, *, limit: int = SEGMENT_LIST_LIMIT
    ) -> SegmentMembers:
        with self._customer_rows(period) as (session, rows):
            ids = rfm.member_ids(session, rows, segment=segment)
            shown = rfm.members(session, rows, period, segment=segment, limit=limit)
        return SegmentMembers(segment=segment, total=len(ids), shown=tuple(shown))

    def _member_ids(self, period: Period, segment: str) -> list[int]:
        """Read outside the write transaction, so the counter is never kept waiting."""
        with self._customer_rows(period) as (session, rows):
            return rfm.member_ids(session, rows, segment=segment)

    def tag_segment(self, period: Period, segment: str, tag: str) -> SegmentActionResult:
        clean = actions.clean_tag(tag)
        ids = self._member_ids(period, segment)
        with self.shop.db.write() as session:
            kept = actions.reachable(session, ids)
            added, unchanged = actions.tag_contacts(session=session, contact_ids=kept, tag=clean)
        gone = len(ids) - len(kept)
        return SegmentActionResult(
            segment,
            added,
            unchanged + gone,
            f"Tagged {added:,} of {len(ids):,} in {segment} with “{clean}”; "
            f"{unchanged:,} had it already (or the most tags allowed), "
            f"{gone:,} archived or erased left out.",
        )

    def follow_up_segment(
        self, period: Period, segment: str, *, title: str, due_in_days: int, kind: str = "call"
    ) -> SegmentActionResult:
        ids = self._member_ids(period, segment)
        due_on = self.today() + timedelta(days=due_in_days)
        # One occasion per segment, title and day: repeating the action creates nothing new.
        occasion = f"segment:{segment}:{due_on.isoformat()}:{zlib.crc32(title.encode()):08x}"[:64]
        with self.shop.db.write() as session:
            kept = actions.reachable(session, ids)
            created, already = actions.follow_up_contacts(
                session=session,
                contact_ids=kept,
                title=title,
                due_on=due_on,
                now=self.shop.clock(),
                kind=kind,
                occasion=occasion,
            )
        gone = len(ids) - len(kept)
        return SegmentActionResult(
            segment,
            created,
            already + gone,
            f"Created {created:,} follow-ups due {due_on.isoformat()} for {segment}; "
            f"{already:,} had this one already, {gone:,} archived or erased left out.",
        )

    def export_segment(
        self, period: Period, segment: str, path: Path, *, marketing_only: bool
    ) -> SegmentActionResult:
        ids = self._member_ids(period, segment)
        report = self.shop.exchange.export_csv(
            Path(path), contact_ids=ids, marketing_only=marketing_only
        )
        left = (
            f"; {report.left_out:,} left out: no marketing consent"
            if marketing_only
            else " (not a marketing export: consent not checked)"
        )
        return SegmentActionResult(
            segment,
            report.written,
            report.left_out,
            f"Wrote {report.written:,} of {len(ids):,} contacts in {segment} to {path}{left}.",
        )
