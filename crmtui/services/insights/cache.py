"""Keep the preset periods' customer rows (`insights_customer`) up to date.

Reading a year of sales per customer takes about a second on a million sales; bringing the
kept rows up to date re-reads only the sales of the customers whose rows may have changed:
- those the triggers of migration 0004 put in `insights_dirty`: a sale recorded, voided or
  moved by a merge, a refund given, by any code path;
- those a move of the period touches, when the day has changed since the last visit: sales
  that crossed one of its boundaries (into the period, out of it, out of the period before)
  and refunds that crossed into or out of it.
Each customer's row is then computed afresh from their sales, exactly as a whole rebuild
would compute it (tests compare the two after random histories), and scored again, together
with the rows a moved quintile cut crossed (rfm.rescore).

The first visit to a preset, and any visit after more than REBUILD_AFTER_DAYS, builds the rows
whole, in short write transactions of CHUNK_CONTACTS customers each, so a sale at the counter
never waits long for the lock. Sales recorded meanwhile are marked by the triggers and taken
in by the final refresh, which also sets `ready`; until then readers compute from the sales.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text

from crmtui.db.models import InsightsCacheState
from crmtui.services.insights import rfm
from crmtui.services.insights.customers import (
    IN_RANGE,
    KEPT,
    PENDING,
    PENDING_TABLE,
    Rows,
    fill,
    typed_params,
)
from crmtui.services.insights.periods import PRESET_DAYS, Period
from crmtui.services.insights.totals import SUMS, row_sums

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmtui.db.engine import Database

CHUNK_CONTACTS = 20_000
REBUILD_AFTER_DAYS = 14  # further than this, building whole costs less than catching up


def supported(db: Database) -> bool:
    """Only SQLite has the triggers that mark changed customers (migration 0004)."""
    return db.engine.dialect.name == "sqlite"


Boundaries = tuple[datetime, datetime, datetime, datetime]


def _boundaries(period: Period) -> Boundaries:
    """Where the period before the previous one starts, the previous one, this one; its end."""
    before = period.previous()
    return before.previous().start, before.start, period.start, period.end


def _state_boundaries(state: InsightsCacheState) -> Boundaries:
    return state.period_prev2, state.period_prev, state.period_start, state.period_end


def is_current(state: InsightsCacheState | None, period: Period) -> bool:
    return state is not None and state.ready and _state_boundaries(state) == _boundaries(period)


def _moved_too_far(state: InsightsCacheState, period: Period) -> bool:
    return any(
        abs((new - old).total_seconds()) > REBUILD_AFTER_DAYS * 86400
        for old, new in zip(_state_boundaries(state), _boundaries(period), strict=True)
    )


class CustomerRowsKeeper:
    """Brings the kept rows of one shop up to date; one refresh at a time per shop."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    def bring_up_to_date(self, period: Period) -> Rows:
        """Refresh (or build) the rows for `period`, a preset ending today; their `Rows`."""
        if period.days not in PRESET_DAYS:
            raise ValueError(f"only the preset periods are kept, not {period.days} days")
        with self._lock:
            with self.db.write() as session:
                state = session.get(InsightsCacheState, period.days)
                caught_up = state is not None and state.ready and not _moved_too_far(state, period)
                if caught_up:
                    assert state is not None
                    _refresh(session, state, period)
            if not caught_up:
                self._build(period)
        return Rows(KEPT, period.days)

    def _build(self, period: Period) -> None:
        high = 0
        for low in range(0, self.start_build(period) + 1, CHUNK_CONTACTS):
            high = self.build_chunk(period, low)
        self.finish_build(period, high)

    # The three steps of a build, each its own write transaction (public for the tests).
    def start_build(self, period: Period) -> int:
        """Mark the preset's rows as being built for `period`; the highest customer id."""
        prev2, prev, start, end = _boundaries(period)
        with self.db.write() as session:
            state = session.get(InsightsCacheState, period.days) or InsightsCacheState(
                days=period.days,
                period_prev2=prev2,
                period_prev=prev,
                period_start=start,
                period_end=end,
            )
            state.ready, state.cuts, state.sums = False, "", ""
            state.period_prev2, state.period_prev = prev2, prev
            state.period_start, state.period_end = start, end
            session.add(state)
            # From here on the triggers mark changes for the final refresh to take in.
            session.execute(
                text("DELETE FROM insights_dirty WHERE days = :days"), {"days": period.days}
            )
            top = session.execute(text("SELECT MAX(contact_id) FROM sale")).scalar_one()
        return int(top or 0)

    def build_chunk(self, period: Period, low: int) -> int:
        """The rows of customers low ≤ id < low + CHUNK_CONTACTS; returns that upper end."""
        rows, high = Rows(KEPT, period.days), low + CHUNK_CONTACTS
        with self.db.write() as session:
            _delete(session, rows, "contact_id >= :low AND contact_id < :high", low, high)
            fill(session, rows, period, IN_RANGE, low=low, high=high)
        return high

    def finish_build(self, period: Period, high: int) -> None:
        with self.db.write() as session:
            # Rows of customers above the last chunk, left from an earlier build.
            _delete(session, Rows(KEPT, period.days), "contact_id >= :low", high, None)
            state = session.get(InsightsCacheState, period.days)
            assert state is not None
            _refresh(session, state, period, rescore_all=True)


def decode_sums(stored: str) -> tuple[int, ...] | None:
    """The row sums kept in the state, or None if they are not what `_refresh` wrote."""
    try:
        sums = tuple(json.loads(stored))
    except ValueError:
        return None
    if len(sums) != SUMS or not all(type(value) is int for value in sums):
        return None
    return sums


def _minus(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a - b for a, b in zip(left, right, strict=True))


def _plus(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a + b for a, b in zip(left, right, strict=True))


def _delete(session: Session, rows: Rows, which: str, low: int, high: int | None) -> None:
    sql = f"DELETE FROM {rows.table} WHERE days = :days AND {which}"
    session.execute(text(sql), {"days": rows.days, "low": low, "high": high})


# Customers with a sale (voided or not: over-inclusion only costs a re-read) or a refund in a
# stretch of time a boundary of the period moved across.
SALES_BETWEEN = f"""
INSERT OR IGNORE INTO {PENDING_TABLE} (contact_id)
SELECT contact_id FROM sale WHERE occurred_at >= :low AND occurred_at < :high
"""
REFUNDS_BETWEEN = f"""
INSERT OR IGNORE INTO {PENDING_TABLE} (contact_id)
SELECT s.contact_id FROM sale_refund AS r JOIN sale AS s ON s.id = r.sale_id
WHERE r.created_at >= :low AND r.created_at < :high
"""


def _refresh(
    session: Session, state: InsightsCacheState, period: Period, *, rescore_all: bool = False
) -> None:
    """In the caller's write transaction: refill the pending customers' rows, score what
    needs it and record the period and cuts; `ready` afterwards."""
    rows = Rows(KEPT, period.days)
    key = {"days": rows.days}
    old_bounds, new_bounds = _state_boundaries(state), _boundaries(period)
    marked = text("SELECT 1 FROM insights_dirty WHERE days = :days LIMIT 1")
    unmarked = session.execute(marked, key).first() is None
    if old_bounds == new_bounds and not rescore_all and unmarked:
        return  # nothing sold, voided, refunded or moved, and the same days: nothing to do
    session.execute(text(f"DROP TABLE IF EXISTS {PENDING_TABLE}"))
    pending = f"CREATE TEMPORARY TABLE {PENDING_TABLE} (contact_id INTEGER PRIMARY KEY)"
    session.execute(text(pending))
    session.execute(
        text(
            f"INSERT INTO {PENDING_TABLE} (contact_id) "
            "SELECT contact_id FROM insights_dirty WHERE days = :days"
        ),
        key,
    )
    session.execute(text("DELETE FROM insights_dirty WHERE days = :days"), key)
    for index, (old, new) in enumerate(zip(old_bounds, new_bounds, strict=True)):
        if old == new:
            continue
        span = {"low": min(old, new), "high": max(old, new)}
        session.execute(typed_params(text(SALES_BETWEEN), ["low", "high"]), span)
        if index >= 2:  # refunds count by when they were given, within this period only
            session.execute(typed_params(text(REFUNDS_BETWEEN), ["low", "high"]), span)
    pending = PENDING.format(c="contact_id")
    stored = None if rescore_all else decode_sums(state.sums)
    if stored is not None:  # what the pending customers' old rows added, by the old bounds
        stored = _minus(stored, row_sums(session, rows, start=old_bounds[2], prev=old_bounds[1],
                                         which=pending))  # fmt: skip
    session.execute(text(f"DELETE FROM {KEPT} WHERE days = :days AND {pending}"), key)
    fill(session, rows, period, PENDING)
    _, prev, start, _ = new_bounds
    if stored is None:
        sums = row_sums(session, rows, start=start, prev=prev)
    else:
        sums = _plus(stored, row_sums(session, rows, start=start, prev=prev, which=pending))
    session.execute(text(f"DROP TABLE {PENDING_TABLE}"))
    old_cuts = None if rescore_all else rfm.Cuts.from_json(state.cuts)
    new_cuts = rfm.cuts(session, rows, period)
    rfm.rescore(session, rows, old=old_cuts, new=new_cuts)
    state.period_prev2, state.period_prev, state.period_start, state.period_end = new_bounds
    state.cuts, state.sums, state.ready = new_cuts.to_json(), json.dumps(sums), True
    session.add(state)


COMPARED = (
    "contact_id, first_at, last_at, last_before_start, sales_ever, sales_now, gross_now, "
    "sales_before, gross_before, sales_two_back, refunded_now, monetary, lifespan_seconds, "
    "lifespan_before_seconds, r, f, m, segment"
)


def stale_rows(session: Session, state: InsightsCacheState, period: Period) -> int:
    """For how many customers the kept rows of `state`'s preset differ from rows built afresh
    for `period` (the period the state describes), leaving out customers marked for the next
    refresh: 0 when the rows are right. For `crmtui doctor`; costs a whole build."""
    from crmtui.services.insights.customers import temporary_rows

    marked = "contact_id NOT IN (SELECT contact_id FROM insights_dirty WHERE days = :days)"
    with temporary_rows(session, period) as fresh:
        kept = f"SELECT {COMPARED} FROM {KEPT} WHERE days = :days AND {marked}"
        built = f"SELECT {COMPARED} FROM {fresh.table} WHERE days = :days AND {marked}"
        sql = (
            "SELECT COUNT(DISTINCT contact_id) FROM ("
            f"SELECT * FROM ({kept} EXCEPT {built}) UNION ALL "
            f"SELECT * FROM ({built} EXCEPT {kept}))"
        )
        return int(session.execute(text(sql), {"days": state.days}).scalar_one())


def described_period(state: InsightsCacheState) -> Period | None:
    """The local days `state`'s boundaries cover, or None if they no longer fall on this
    machine's midnights (its time zone changed)."""
    first = state.period_start.astimezone().date()
    last = state.period_end.astimezone().date() - timedelta(days=1)
    period = Period(first, last)
    return period if _boundaries(period) == _state_boundaries(state) else None
