"""RFM: recency, frequency and monetary value scored 1–5 by quintiles, and the segments.

Definitions (KPIS.md, after the rsquaredacademy/rfm R package), for the customers with at least
one sale in the period, standing on the period's last day:

- recency   whole days from the sale to the end of the period (a sale on the last day is 0);
- frequency sales in the period; monetary: their sum minus refunds given in the period.

A score is 1 + ⌊5 × (customers with a strictly worse value) ÷ (customers)⌋, so ties share a
score, the best fifth scores 5 and the worst 1. For recency "worse" means longer ago. The
combined score is R×100 + F×10 + M. Each customer gets the FIRST segment in SEGMENT_RULES whose
ranges hold all three scores; anyone left is "Others".

How it is computed: the score is a step function of the value with four steps, so it is found
from four cuts per measure instead of ranking everyone. With n customers and c(v) of them
strictly worse than v, the score is at least k + 1 exactly when c(v) ≥ ⌈k·n/5⌉, that is when v
is better than the ⌈k·n/5⌉-th worst value. Those four values are read by OFFSET on an index
(`cuts`), and `rescore` scores the rows whose value or cut moved: between two visits, only the
customers who bought and those whose value lies between an old cut and its new one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.insights.customers import Rows
from crmtui.services.insights.dto import ScoredCustomer, SegmentRow
from crmtui.services.insights.periods import Period

OTHERS = "Others"


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


def _segment_case(r: str = "r", f: str = "f", m: str = "m") -> str:
    """The rule table as a CASE expression over the three scores (columns or expressions);
    only integers and fixed names go into the SQL."""
    arms = []
    for rule in SEGMENT_RULES:
        checks = " AND ".join(
            f"{column} BETWEEN {lo} AND {hi}"
            for column, (lo, hi) in ((r, rule.r), (f, rule.f), (m, rule.m))
        )
        name = rule.name.replace("'", "''")
        arms.append(f"WHEN {checks} THEN '{name}'")
    return "CASE " + " ".join(arms) + f" ELSE '{OTHERS}' END"


# -- scoring ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cuts:
    """The four cuts per measure: a customer scores 1 + the number of cuts their value is
    better than (a last sale after the moment; more sales; more money)."""

    customers: int
    recency: tuple[datetime, ...] = ()
    frequency: tuple[int, ...] = ()
    monetary: tuple[int, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "customers": self.customers,
                "recency": [moment.isoformat() for moment in self.recency],
                "frequency": list(self.frequency),
                "monetary": list(self.monetary),
            }
        )

    @classmethod
    def from_json(cls, stored: str) -> Cuts | None:
        """None for anything but what `to_json` wrote: the rows are then all scored again."""
        try:
            data = json.loads(stored)
            return cls(
                int(data["customers"]),
                tuple(datetime.fromisoformat(moment) for moment in data["recency"]),
                tuple(int(value) for value in data["frequency"]),
                tuple(int(value) for value in data["monetary"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


def cut_positions(customers: int) -> list[int]:
    """0-based places, counted from the worst, of the ⌈k·n/5⌉-th worst value, k = 1..4."""
    return [-(-k * customers // 5) - 1 for k in range(1, 5)]


def cuts(session: Session, rows: Rows, period: Period) -> Cuts:
    """Read the cuts off the indexes on last_at, sales_now and monetary (12 OFFSET seeks)."""
    where = f"FROM {rows.table} WHERE days = :days"
    count = f"SELECT COUNT(*) {where} AND monetary IS NOT NULL"
    customers = int(session.execute(text(count), {"days": rows.days}).scalar_one())
    if not customers:
        return Cuts(0)

    def nth(column: str, condition: str, typed: bool = False) -> list[Any]:
        sql = f"SELECT {column} {where} AND {condition} ORDER BY {column} LIMIT 1 OFFSET :at"
        statement = text(sql)
        if ":start" in sql:
            statement = statement.bindparams(bindparam("start", type_=UTCDateTime()))
        if typed:
            statement = statement.columns(last_at=UTCDateTime())
        params = {"days": rows.days, "start": period.start}
        return [
            session.execute(statement, {**params, "at": at}).scalar_one()
            for at in cut_positions(customers)
        ]

    # Recency counts whole days to the period's end: a last sale d days back scores above the
    # cut at D days exactly when d < D, that is when it is later than end − D days.
    recency = []
    for moment in nth("last_at", "last_at >= :start", typed=True):
        days_back = (period.end - moment).days
        recency.append(period.end - timedelta(days=days_back))
    frequency = nth("sales_now", "sales_now > 0")
    monetary = nth("monetary", "monetary IS NOT NULL")
    return Cuts(customers, tuple(recency), tuple(frequency), tuple(monetary))


def _steps(column: str, name: str) -> str:
    return "1 + " + " + ".join(
        f"CASE WHEN {column} > :{name}{k} THEN 1 ELSE 0 END" for k in range(4)
    )


MEASURES = (("last_at", "recency"), ("sales_now", "frequency"), ("monetary", "monetary"))
SCORED_FROM = (("last_at", "rc"), ("sales_now", "fc"), ("monetary", "mc"))


def rescore(session: Session, rows: Rows, *, old: Cuts | None, new: Cuts) -> None:
    """Score the rows not scored yet (segment NULL: new or refilled) and those a moved cut
    crossed; `old` None scores every row again. Each row is written once per pass, its three
    scores and its segment together."""
    if not new.customers:
        return
    r, f, m = (_steps(column, name) for column, name in SCORED_FROM)
    write = f"""
    UPDATE {rows.table} SET r = {r}, f = {f}, m = {m},
        segment = {_segment_case(f"({r})", f"({f})", f"({m})")}
    WHERE days = :days AND monetary IS NOT NULL AND {{which}}"""
    params: dict[str, object] = {"days": rows.days}
    for prefix, values in (("rc", new.recency), ("fc", new.frequency), ("mc", new.monetary)):
        params.update({f"{prefix}{k}": value for k, value in enumerate(values)})
    moments = [bindparam(f"rc{k}", type_=UTCDateTime()) for k in range(4)]

    def run(which: str, **extra: object) -> None:
        statement = text(write.format(which=which)).bindparams(*moments)
        if ":low" in which and "last_at" in which:
            statement = statement.bindparams(
                bindparam("low", type_=UTCDateTime()), bindparam("high", type_=UTCDateTime())
            )
        session.execute(statement, {**params, **extra})

    if old is None:
        run("1 = 1")
        return
    for column, measure in MEASURES:
        for was, now in zip(getattr(old, measure), getattr(new, measure), strict=False):
            if was != now:
                run(f"{column} > :low AND {column} <= :high", low=min(was, now), high=max(was, now))
    run("segment IS NULL")


# -- reading ---------------------------------------------------------------------------------
def _run(session: Session, sql: str, **params: object) -> list[Any]:
    return list(session.execute(text(sql), params).all())


def segment_table(session: Session, rows: Rows) -> tuple[tuple[SegmentRow, ...], int]:
    """Customers and revenue per segment (every segment listed, in rule order), and how many
    customers were scored. One walk of the segment index: no sort."""
    sql = (
        f"SELECT segment, COUNT(*), SUM(monetary) FROM {rows.table} "
        "WHERE days = :days AND segment IS NOT NULL GROUP BY segment"
    )
    found = {
        str(name): (int(n), int(rev or 0)) for name, n, rev in _run(session, sql, days=rows.days)
    }
    table = tuple(SegmentRow(name, *found.get(name, (0, 0))) for name in SEGMENT_NAMES)
    return table, sum(n for n, _ in found.values())


def _scored_rows(
    session: Session, rows: Rows, period: Period, *, where: str, limit: int | None, **params: object
) -> list[ScoredCustomer]:
    limit_sql = f"LIMIT {int(limit)}" if limit is not None else ""
    # Order and cut first, then fetch names: joining every scored row to contact before the
    # LIMIT cost a quarter of a second on 91k customers.
    sql = f"""
    SELECT scored.contact_id, contact.full_name, scored.sales_now, scored.monetary,
        scored.r, scored.f, scored.m, scored.segment, scored.last_at
    FROM (
        SELECT * FROM {rows.table}
        WHERE days = :days AND segment IS NOT NULL AND {where}
        ORDER BY monetary DESC, contact_id {limit_sql}
    ) AS scored
    JOIN contact ON contact.id = scored.contact_id
    ORDER BY scored.monetary DESC, scored.contact_id
    """
    statement = text(sql).columns(last_at=UTCDateTime())
    found = session.execute(statement, {"days": rows.days, **params}).all()
    return [
        ScoredCustomer(
            contact_id=int(cid),
            full_name=str(name),
            recency_days=(period.end - last).days,
            frequency=int(freq),
            monetary_minor=int(money),
            r=int(r),
            f=int(f),
            m=int(m),
            segment=str(segment),
            last_sale_at=last,
        )
        for cid, name, freq, money, r, f, m, segment, last in found
    ]


def top_customers(
    session: Session, rows: Rows, period: Period, *, limit: int = 10
) -> list[ScoredCustomer]:
    """The customers who brought the most revenue in the period."""
    return _scored_rows(session, rows, period, where="1 = 1", limit=limit)


def members(
    session: Session, rows: Rows, period: Period, *, segment: str, limit: int | None
) -> list[ScoredCustomer]:
    """The customers of one segment, highest revenue first."""
    return _scored_rows(
        session, rows, period, where="segment = :segment", limit=limit, segment=segment
    )


def member_ids(session: Session, rows: Rows, *, segment: str) -> list[int]:
    """Every contact id in a segment (for the bulk actions)."""
    sql = (
        f"SELECT contact_id FROM {rows.table} WHERE days = :days AND segment = :segment "
        "ORDER BY contact_id"
    )
    return [int(cid) for (cid,) in _run(session, sql, days=rows.days, segment=segment)]
