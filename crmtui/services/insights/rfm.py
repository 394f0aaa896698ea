"""RFM: recency, frequency and monetary value scored 1–5 by quintiles, and the segments.

Definitions (KPIS.md, after the rsquaredacademy/rfm R package), for the customers with at least
one sale in the period, standing on the period's last day:

- recency   whole days from the sale to the end of the period (a sale on the last day is 0);
- frequency sales in the period; monetary: their sum minus refunds given in the period.

A score is 1 + ⌊5 × (customers with a strictly worse value) ÷ (customers)⌋, so ties share a
score, the best fifth scores 5 and the worst 1. For recency "worse" means longer ago. The
combined score is R×100 + F×10 + M. Each customer gets the FIRST segment in SEGMENT_RULES whose
ranges hold all three scores; anyone left is "Others".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from crmtui.services.insights.customers import day_number, whole
from crmtui.services.insights.dto import ScoredCustomer, SegmentRow

OTHERS = "Others"
SCORED = "insights_scored"  # the temporary table customers.customer_table fills


@dataclass(frozen=True)
class SegmentRule:
    name: str
    r: tuple[int, int]  # inclusive score ranges
    f: tuple[int, int]
    m: tuple[int, int]

    def holds(self, r: int, f: int, m: int) -> bool:
        return all(lo <= v <= hi for v, (lo, hi) in ((r, self.r), (f, self.f), (m, self.m)))


# In this order: a customer takes the first rule that matches (KPIS.md).
SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("Champions", (5, 5), (5, 5), (5, 5)),
    SegmentRule("Potential Loyalist", (3, 5), (3, 5), (2, 5)),
    SegmentRule("Loyal Customers", (2, 4), (2, 4), (2, 4)),
    SegmentRule("Promising", (3, 4), (1, 3), (3, 5)),
    SegmentRule("New Customers", (4, 5), (1, 3), (1, 5)),
    SegmentRule("Can't Lose Them", (1, 2), (3, 4), (4, 5)),
    SegmentRule("At Risk", (1, 2), (2, 5), (4, 5)),
    SegmentRule("Need Attention", (1, 3), (3, 5), (3, 5)),
    SegmentRule("About To Sleep", (2, 3), (1, 3), (1, 4)),
    SegmentRule("Lost", (1, 1), (1, 5), (1, 5)),
)
RFM_EXPLAINED = (
    "Customers with a sale in the period are scored 1–5 on each of recency (days since their "
    "last sale; most recent = 5), frequency (sales) and monetary (sales minus refunds): "
    "score = 1 + ⌊5 × customers with a worse value ÷ customers⌋, so ties share a score. "
    "RFM = R×100 + F×10 + M. Each customer takes the first row whose ranges hold all three."
)
SEGMENT_NAMES: tuple[str, ...] = (*(rule.name for rule in SEGMENT_RULES), OTHERS)


def segment_of(r: int, f: int, m: int) -> str:
    """The segment for one set of scores (the SQL below encodes the same rules)."""
    return next((rule.name for rule in SEGMENT_RULES if rule.holds(r, f, m)), OTHERS)


def quintile_score(value: float, values: list[float], *, higher_is_better: bool = True) -> int:
    """The score the SQL gives `value` among `values` (for tests and the help text)."""
    worse = sum(1 for v in values if (v < value if higher_is_better else v > value))
    return 1 + 5 * worse // len(values)


def _segment_case() -> str:
    """The rule table as a CASE expression; only integers and fixed names go into the SQL."""
    arms = []
    for rule in SEGMENT_RULES:
        checks = " AND ".join(
            f"{column} BETWEEN {lo} AND {hi}"
            for column, (lo, hi) in (("r", rule.r), ("f", rule.f), ("m", rule.m))
        )
        name = rule.name.replace("'", "''")
        arms.append(f"WHEN {checks} THEN '{name}'")
    return "CASE " + " ".join(arms) + f" ELSE '{OTHERS}' END"


def scored_sql(session: Session, table: str) -> str:
    """A query yielding every scored customer of the per-customer `table` (see customers.py)."""
    recency = whole(session, f"{day_number(session, ':end')} - {day_number(session, 'last_at')}")
    return f"""
    WITH active AS (
        SELECT contact_id, last_at, sales_now AS frequency,
            gross_now - refunded_now AS monetary, {recency} AS recency_days
        FROM {table} WHERE sales_now > 0
    ), ranked AS (
        SELECT active.*, COUNT(*) OVER () AS customers,
            RANK() OVER (ORDER BY recency_days DESC) AS r_rank,
            RANK() OVER (ORDER BY frequency) AS f_rank,
            RANK() OVER (ORDER BY monetary) AS m_rank
        FROM active
    ), scores AS (
        SELECT contact_id, last_at, frequency, monetary, recency_days,
            1 + 5 * (r_rank - 1) / customers AS r,
            1 + 5 * (f_rank - 1) / customers AS f,
            1 + 5 * (m_rank - 1) / customers AS m
        FROM ranked
    )
    SELECT scores.*, {_segment_case()} AS segment FROM scores
    """


def _run(session: Session, sql: str, **params: object) -> list[Any]:
    return list(session.execute(text(sql), params).all())


def segment_table(session: Session) -> tuple[tuple[SegmentRow, ...], int]:
    """Customers and revenue per segment (every segment listed, in rule order), and how many
    customers were scored. Reads the scored table customers.customer_table built."""
    sql = f"SELECT segment, COUNT(*), SUM(monetary) FROM {SCORED} GROUP BY segment"
    found = {str(name): (int(n), int(rev or 0)) for name, n, rev in _run(session, sql)}
    rows = tuple(SegmentRow(name, *found.get(name, (0, 0))) for name in SEGMENT_NAMES)
    return rows, sum(n for n, _ in found.values())


def _scored_rows(
    session: Session, *, where: str, limit: int | None, **params: object
) -> list[ScoredCustomer]:
    limit_sql = f"LIMIT {int(limit)}" if limit is not None else ""
    # Order and cut first, then fetch names: joining every scored row to contact before the
    # LIMIT cost a quarter of a second on 91k customers.
    sql = f"""
    SELECT scored.contact_id, contact.full_name, scored.recency_days, scored.frequency,
        scored.monetary, scored.r, scored.f, scored.m, scored.segment, scored.last_at
    FROM (
        SELECT * FROM {SCORED} WHERE {where}
        ORDER BY monetary DESC, contact_id {limit_sql}
    ) AS scored
    JOIN contact ON contact.id = scored.contact_id
    ORDER BY scored.monetary DESC, scored.contact_id
    """
    return [
        ScoredCustomer(
            contact_id=int(cid),
            full_name=str(name),
            recency_days=int(days),
            frequency=int(freq),
            monetary_minor=int(money),
            r=int(r),
            f=int(f),
            m=int(m),
            segment=str(segment),
            last_sale_at=stored_moment(last),
        )
        for cid, name, days, freq, money, r, f, m, segment, last in _run(session, sql, **params)
    ]


def stored_moment(value: object) -> datetime | None:
    """A timestamp read back from the temporary table: SQLite gives the stored text."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC)


def top_customers(session: Session, *, limit: int = 10) -> list[ScoredCustomer]:
    """The customers who brought the most revenue in the period."""
    return _scored_rows(session, where="1 = 1", limit=limit)


def members(session: Session, *, segment: str, limit: int | None) -> list[ScoredCustomer]:
    """The customers of one segment, highest revenue first."""
    return _scored_rows(session, where="segment = :segment", limit=limit, segment=segment)


def member_ids(session: Session, *, segment: str) -> list[int]:
    """Every contact id in a segment (for the bulk actions)."""
    sql = f"SELECT contact_id FROM {SCORED} WHERE segment = :segment ORDER BY contact_id"
    return [int(cid) for (cid,) in _run(session, sql, segment=segment)]
