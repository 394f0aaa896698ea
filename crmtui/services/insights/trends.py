"""Weekly trends: revenue, visits (sales) and new customers, week by week over the period.

Weeks run from the period's first day in steps of seven local days. Each week is a range
seek on the covering index `ix_sale_time` (occurred_at, contact_id, amount_minor, voided_at),
so SQL never computes a week number per sale (measured: grouping by an expression on 1M sales
took several times longer).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.insights.customers import Rows
from crmtui.services.insights.dto import WeeklyTrend
from crmtui.services.insights.periods import Period, local_midnight


def week_bounds(period: Period) -> list[tuple[datetime, datetime]]:
    bounds = []
    day = period.first_day
    while day <= period.last_day:
        nxt = min(day + timedelta(days=7), period.last_day + timedelta(days=1))
        bounds.append((local_midnight(day), local_midnight(nxt)))
        day = nxt
    return bounds


# SQLite allows at most 500 SELECTs in one compound statement; ten years is 523 weeks.
WEEKS_PER_STATEMENT = 400


def _per_week(select: str, count: int) -> list[str]:
    """One `select` per week (its bounds :sN and :eN), joined by UNION ALL, in statements of
    at most WEEKS_PER_STATEMENT weeks."""
    statements = []
    for first in range(0, count, WEEKS_PER_STATEMENT):
        weeks = range(first, min(first + WEEKS_PER_STATEMENT, count))
        statements.append(" UNION ALL ".join(select.format(i=i) for i in weeks))
    return statements


def _params(period: Period) -> dict[str, datetime]:
    params: dict[str, datetime] = {}
    for i, (start, end) in enumerate(week_bounds(period)):
        params[f"s{i}"], params[f"e{i}"] = start, end
    return params


def _run(session: Session, sql: str, params: dict[str, datetime]) -> list[tuple[int, ...]]:
    used = [name for name in params if re.search(rf":{name}\b", sql)]
    statement = text(sql).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in used))
    return [tuple(int(x or 0) for x in row) for row in session.execute(statement, params)]


def weekly_sales(session: Session, period: Period) -> tuple[list[int], list[int]]:
    """(visits, revenue) per week: sales not voided, revenue net of the week's refunds.

    Each week is its own range seek on the covering index ix_sale_time, glued with UNION ALL:
    measured on 1M sales, 4x faster than joining a list of weeks with the sales. Sums kept per
    quarter hour by triggers would read ~35,000 rows instead, but measured they added about
    1 ms to the p95 of every sale at the counter, for a figure the side thread reads anyway
    while the customer rows are read.
    """
    params = _params(period)
    count = len(params) // 2
    sales = (
        "SELECT {i}, COUNT(*), SUM(amount_minor) FROM sale "
        "WHERE occurred_at >= :s{i} AND occurred_at < :e{i} AND voided_at IS NULL"
    )
    refunds = (
        "SELECT {i}, SUM(amount_minor) FROM sale_refund "
        "WHERE created_at >= :s{i} AND created_at < :e{i}"
    )
    visits = [0] * count
    revenue = [0] * count
    for sql in _per_week(sales, count):
        for idx, sold, amount in _run(session, sql, params):
            visits[idx], revenue[idx] = sold, amount
    for sql in _per_week(refunds, count):
        for idx, refunded in _run(session, sql, params):
            revenue[idx] -= refunded
    return visits, revenue


def weekly_new(session: Session, rows: Rows, period: Period) -> list[int]:
    """New customers per week, from the customer rows (see customers.py): like the sales, each
    week is a range count on an index, here (days, first_at), so no row is read."""
    params = _params(period)
    count = len(params) // 2
    select = (
        f"SELECT {{i}}, COUNT(*) FROM {rows.table} "
        f"WHERE days = {int(rows.days)} AND first_at >= :s{{i}} AND first_at < :e{{i}}"
    )
    new = [0] * count
    for sql in _per_week(select, count):
        for idx, customers in _run(session, sql, params):
            new[idx] = customers
    return new


def weekly_trend(period: Period, sales: tuple[list[int], list[int]], new: list[int]) -> WeeklyTrend:
    visits, revenue = sales
    return WeeklyTrend(
        week_starts=tuple(start.astimezone().date() for start, _ in week_bounds(period)),
        revenue_minor=tuple(revenue),
        visits=tuple(visits),
        new_customers=tuple(new),
    )
