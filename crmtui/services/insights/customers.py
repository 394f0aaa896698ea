"""One pass over the sales: a row per customer, kept in a temporary table for the other queries.

Every insight (KPI totals, RFM, segments, top customers) is an aggregate over customers, so the
sales are read once per refresh, in contact order, from the covering index
`ix_sale_contact_facts` (contact_id, occurred_at, amount_minor, voided_at): no table lookups and
no sort. The result, about one row per customer, lands in a connection-private TEMP table that
the later queries read; `customer_table` drops it again.

Only two pieces of SQL are dialect-specific (day arithmetic), and they live in `day_number` and
`whole`; everything else is plain SQL that PostgreSQL runs as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.insights.periods import Period

TABLE = "insights_customer"


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def day_number(session: Session, expr: str) -> str:
    """A timestamp as a (fractional) day count, so differences are in days."""
    if dialect(session) == "postgresql":
        return f"(EXTRACT(EPOCH FROM {expr}) / 86400.0)"
    return f"julianday({expr})"


def whole(session: Session, expr: str) -> str:
    """Round a non-negative number down to a whole number."""
    if dialect(session) == "postgresql":
        return f"CAST(FLOOR({expr}) AS INTEGER)"
    return f"CAST({expr} AS INTEGER)"


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
#   last_before_start      lifespan input as of the previous period's end (with
#                          sales_ever − sales_now, the sales before this period)
# Every aggregate here is paid once per sale, so what can be derived or counted elsewhere is:
# customers active two periods back come from a range query (totals.active_between).
#   refunded_now           refunds given in this period on their sales
CREATE = """
CREATE TEMPORARY TABLE {table} AS
SELECT per.*, COALESCE(ref.refunded_now, 0) AS refunded_now
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
        MAX(CASE WHEN occurred_at < :start THEN occurred_at END) AS last_before_start
    FROM sale
    WHERE voided_at IS NULL AND occurred_at < :end
    GROUP BY contact_id
) AS per
LEFT JOIN (
    SELECT s.contact_id, SUM(r.amount_minor) AS refunded_now
    FROM sale_refund AS r JOIN sale AS s ON s.id = r.sale_id
    WHERE r.created_at >= :start AND r.created_at < :end
    GROUP BY s.contact_id
) AS ref ON ref.contact_id = per.contact_id
"""


@contextmanager
def customer_table(session: Session, period: Period) -> Iterator[str]:
    """Build the per-customer table for `period` and its RFM scores (rfm.SCORED, scored once
    and read by the segment table, the top list and the segment views); yields the
    per-customer table's name and drops both afterwards."""
    from crmtui.services.insights.rfm import SCORED, scored_sql

    def drop() -> None:
        for name in (SCORED, TABLE):
            session.execute(text(f"DROP TABLE IF EXISTS {name}"))

    drop()
    statement = typed_params(text(CREATE.format(table=TABLE)), ["end", "start", "prev"])
    session.execute(statement, moments(period))
    scoring = f"CREATE TEMPORARY TABLE {SCORED} AS {scored_sql(session, TABLE)}"
    session.execute(typed_params(text(scoring), ["end"]), {"end": period.end})
    try:
        yield TABLE
    finally:
        drop()
