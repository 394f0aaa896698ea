"""A row per customer: what every insight (KPI totals, RFM, segments, top customers) adds up.

The rows live in `insights_customer` (see db/models.py), keyed by the period's length:
- for a preset period ending today (30, 90, 365 days) they are kept there between visits
  and brought up to date by cache.py, re-reading only the sales of customers that changed;
- for any other period they are built whole into a connection-private TEMP table of the same
  shape (`temporary_rows`), from one pass over the sales in contact order on the covering index
  `ix_sale_contact_time` (contact_id, occurred_at, amount_minor, voided_at), and dropped after.
Either way the queries that read them get a `Rows` and never know which it is.

Only the day arithmetic is dialect-specific, and it lives in `day_number`; everything else is
plain SQL that PostgreSQL runs as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.insights.periods import Period

KEPT = "insights_customer"
TEMPORARY = "insights_customer_now"


@dataclass(frozen=True)
class Rows:
    """Where one period's customer rows are: the table, the `days` key within it, and for
    kept rows the sums of their columns stored with them (totals.ROW_SUMS)."""

    table: str
    days: int
    sums: tuple[int, ...] | None = None


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def day_number(session: Session, expr: str) -> str:
    """A timestamp as a (fractional) day count, so differences are in days."""
    if dialect(session) == "postgresql":
        return f"(EXTRACT(EPOCH FROM {expr}) / 86400.0)"
    return f"julianday({expr})"


def seconds_between(session: Session, earlier: str, later: str) -> str:
    """Whole seconds from one timestamp to a later one."""
    days = f"({day_number(session, later)} - {day_number(session, earlier)})"
    return f"CAST(ROUND({days} * 86400) AS INTEGER)"


def moments(period: Period) -> dict[str, datetime]:
    """The boundaries the queries compare against: this period, the previous one, and the one
    before that (retention in the previous period needs its own S)."""
    before = period.previous()
    return {
        "end": period.end,
        "start": period.start,
        "prev": before.start,
        "prev2": before.previous().start,
    }


def typed_params(statement: Any, names: list[str]) -> Any:
    """Bind datetimes through the column type, so they compare as the stored values do."""
    return statement.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in names))


# Columns, per customer with a sale before the period's end (voided sales never count):
#   first_at / last_at     first and last sale ever (before the end)
#   sales_ever             sales ever (before the end); ≥ 2 makes a lifespan
#   sales_now, gross_now   sales and their sum in this period
#   sales_before, gross_before   the same in the previous period
#   sales_two_back         sales in the period before the previous one
#   last_before_start      the last sale before this period
#   refunded_now           refunds given in this period on their sales
#   monetary               gross_now − refunded_now, for a customer who bought in the period
#   lifespan_seconds       last − first sale, for a customer with two sales or more (whole
#                          seconds: sums of them stay exact when cache.py adds and subtracts)
#   lifespan_before_seconds   the same as of the previous period's end
# r, f, m and segment are filled by rfm.rescore afterwards.
FILL = """
INSERT INTO {table} (days, contact_id, first_at, last_at, last_before_start, sales_ever,
    sales_now, gross_now, sales_before, gross_before, sales_two_back, refunded_now, monetary,
    lifespan_seconds, lifespan_before_seconds)
SELECT :days, per.contact_id, per.first_at, per.last_at, per.last_before_start,
    per.sales_ever, per.sales_now, per.gross_now, per.sales_before, per.gross_before,
    per.sales_two_back, COALESCE(ref.refunded_now, 0),
    CASE WHEN per.sales_now > 0 THEN per.gross_now - COALESCE(ref.refunded_now, 0) END,
    CASE WHEN per.sales_ever >= 2 THEN {lifespan} ELSE 0 END,
    CASE WHEN per.sales_ever - per.sales_now >= 2 THEN {lifespan_before} ELSE 0 END
FROM (
    SELECT contact_id,
        MIN(occurred_at) AS first_at,
        MAX(occurred_at) AS last_at,
        COUNT(*) AS sales_ever,
        SUM(CASE WHEN occurred_at >= :start THEN 1 ELSE 0 END) AS sales_now,
        SUM(CASE WHEN occurred_at >= :start THEN amount_minor ELSE 0 END) AS gross_now,
        SUM(CASE WHEN occurred_at >= :prev AND occurred_at < :start THEN 1 ELSE 0 END)
            AS sales_before,
        SUM(CASE WHEN occurred_at >= :prev AND occurred_at < :start THEN amount_minor ELSE 0 END)
            AS gross_before,
        SUM(CASE WHEN occurred_at >= :prev2 AND occurred_at < :prev THEN 1 ELSE 0 END)
            AS sales_two_back,
        MAX(CASE WHEN occurred_at < :start THEN occurred_at END) AS last_before_start
    FROM sale
    WHERE voided_at IS NULL AND occurred_at < :end AND {which}
    GROUP BY contact_id
) AS per
LEFT JOIN (
    SELECT s.contact_id, SUM(r.amount_minor) AS refunded_now
    FROM sale_refund AS r JOIN sale AS s ON s.id = r.sale_id
    WHERE r.created_at >= :start AND r.created_at < :end AND {which_sale}
    GROUP BY s.contact_id
) AS ref ON ref.contact_id = per.contact_id
"""

# Which customers to fill: `{c}` is the column holding the customer (contact_id or s.contact_id).
EVERYONE = "1 = 1"
IN_RANGE = "{c} >= :low AND {c} < :high"
PENDING_TABLE = "insights_pending"  # a TEMP table of contact ids cache.py fills
PENDING = "{c} IN (SELECT contact_id FROM " + PENDING_TABLE + ")"


def fill(session: Session, rows: Rows, period: Period, which: str, **params: object) -> None:
    """Insert the rows of the customers `which` selects (EVERYONE, IN_RANGE or PENDING)."""
    sql = FILL.format(
        table=rows.table,
        which=which.format(c="contact_id"),
        which_sale=which.format(c="s.contact_id"),
        lifespan=seconds_between(session, "per.first_at", "per.last_at"),
        lifespan_before=seconds_between(session, "per.first_at", "per.last_before_start"),
    )
    statement = typed_params(text(sql), ["end", "start", "prev", "prev2"])
    session.execute(statement, {**moments(period), "days": rows.days, **params})


# Thresholds need the three orders (rfm.cuts); the others serve the segment table and lists.
INDEXES = {
    "last": "days, last_at",
    "sales": "days, sales_now",
    "monetary": "days, monetary",
    "first": "days, first_at",
    "segment": "days, segment, monetary",
}


@contextmanager
def temporary_rows(session: Session, period: Period) -> Iterator[Rows]:
    """Every customer's row for `period`, built and scored in a TEMP table; dropped after."""
    from crmtui.services.insights import rfm

    rows = Rows(TEMPORARY, period.days)

    def drop() -> None:
        session.execute(text(f"DROP TABLE IF EXISTS {TEMPORARY}"))

    drop()
    session.execute(text(f"CREATE TEMPORARY TABLE {TEMPORARY} AS SELECT * FROM {KEPT} WHERE 1 = 0"))
    fill(session, rows, period, EVERYONE)
    # Indexes after the rows are in: one sort each instead of a B-tree insert per row.
    for name, columns in INDEXES.items():
        session.execute(text(f"CREATE INDEX ix_{TEMPORARY}_{name} ON {TEMPORARY} ({columns})"))
    rfm.rescore(session, rows, old=None, new=rfm.cuts(session, rows, period))
    try:
        yield rows
    finally:
        drop()
