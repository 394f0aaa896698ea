"""The raw counts and sums behind the KPI tiles, each from one SQL query (KPIS.md definitions).

The formulas that turn these into tiles live in measures.py; this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from crmtui.services.insights.customers import day_number, moments, typed_params
from crmtui.services.insights.dto import TopReferrer
from crmtui.services.insights.periods import Period


@dataclass(frozen=True)
class CustomerTotals:
    """Customer counts and sales for one period (see customers.py for the columns)."""

    active: int  # E: bought at least once in the period
    new: int  # N: their first sale ever falls in the period
    active_before: int  # S: bought in the period just before
    repeaters: int  # more than one sale in the period
    sales: int
    gross_minor: int  # the sum of the period's sales, before refunds
    refunds_minor: int  # refunds given in the period
    lifers: int  # customers with two or more sales up to the period's end
    lifespan_days: float  # the sum of (last − first sale) over those customers

    @property
    def revenue_minor(self) -> int:
        return self.gross_minor - self.refunds_minor


TOTALS = """
SELECT
    SUM(CASE WHEN sales_now > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN first_at >= :start THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_before > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_now > 1 THEN 1 ELSE 0 END),
    SUM(sales_now),
    SUM(gross_now),
    SUM(CASE WHEN sales_ever >= 2 THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_ever >= 2 THEN {last} - {first} ELSE 0 END),
    SUM(CASE WHEN sales_before > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN first_at >= :prev AND first_at < :start THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_before > 1 THEN 1 ELSE 0 END),
    SUM(sales_before),
    SUM(gross_before),
    SUM(CASE WHEN sales_ever - sales_now >= 2 THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_ever - sales_now >= 2 THEN {last_before} - {first} ELSE 0 END)
FROM {table}
"""

REFUNDS = """
SELECT
    SUM(CASE WHEN created_at >= :start THEN amount_minor ELSE 0 END),
    SUM(CASE WHEN created_at < :start THEN amount_minor ELSE 0 END)
FROM sale_refund WHERE created_at >= :prev AND created_at < :end
"""


def customer_totals(
    session: Session, table: str, period: Period
) -> tuple[CustomerTotals, CustomerTotals]:
    """(this period, the previous period) from the per-customer table."""
    sql = TOTALS.format(
        table=table,
        first=day_number(session, "first_at"),
        last=day_number(session, "last_at"),
        last_before=day_number(session, "last_before_start"),
    )
    row = session.execute(typed_params(text(sql), ["start", "prev"]), moments(period)).one()
    v = [0 if value is None else value for value in row]
    bounds = moments(period)
    v.insert(10, active_between(session, bounds["prev2"], bounds["prev"]))
    refund_row = session.execute(
        typed_params(text(REFUNDS), ["start", "prev", "end"]), moments(period)
    ).one()
    refunds_now, refunds_before = (int(x or 0) for x in refund_row)
    now = CustomerTotals(
        int(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4]), int(v[5]), refunds_now,
        int(v[6]), float(v[7]),
    )  # fmt: skip
    before = CustomerTotals(
        int(v[8]), int(v[9]), int(v[10]), int(v[11]), int(v[12]), int(v[13]), refunds_before,
        int(v[14]), float(v[15]),
    )  # fmt: skip
    return now, before


ACTIVE_BETWEEN = """
SELECT COUNT(DISTINCT contact_id) FROM sale
WHERE occurred_at >= :since AND occurred_at < :until AND voided_at IS NULL
"""


def active_between(session: Session, since: datetime, until: datetime) -> int:
    """Customers with a sale in [since, until): a range seek on ix_sale_time."""
    statement = typed_params(text(ACTIVE_BETWEEN), ["since", "until"])
    return int(session.execute(statement, {"since": since, "until": until}).scalar_one() or 0)


@dataclass(frozen=True)
class NpsCount:
    answers: int  # latest answer per contact within the period
    promoters: int  # 9–10
    detractors: int  # 0–6


NPS = """
SELECT COUNT(*),
    SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
    SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
FROM feedback AS f
WHERE f.created_at >= :since AND f.created_at < :until
  AND NOT EXISTS (
    SELECT 1 FROM feedback AS later
    WHERE later.contact_id = f.contact_id
      AND later.created_at >= :since AND later.created_at < :until
      AND (later.created_at > f.created_at OR (later.created_at = f.created_at AND later.id > f.id))
  )
"""


def nps_count(session: Session, since: datetime, until: datetime) -> NpsCount:
    statement = typed_params(text(NPS), ["since", "until"])
    answers, promoters, detractors = session.execute(
        statement, {"since": since, "until": until}
    ).one()
    return NpsCount(int(answers or 0), int(promoters or 0), int(detractors or 0))


@dataclass(frozen=True)
class ReferralCount:
    recorded: int  # referrals recorded in the period, not rejected
    qualified: int  # of those, the ones whose friend has bought (qualified or rewarded)
    rejected: int  # attempts recorded in the period and refused (not counted above)


def referral_count(session: Session, since: datetime, until: datetime) -> ReferralCount:
    """The referrals screen's own conversion figures, so both screens agree."""
    from crmtui.services.referrals.reports import conversion

    found = conversion(session=session, since=since, until=until)
    return ReferralCount(found.recorded, found.qualified, found.rejected)


DELTAS_SINCE = "SELECT SUM(delta) FROM points_entry WHERE created_at >= :since"


def points_added_since(session: Session, since: datetime) -> int:
    """The net of every ledger entry from `since` on (to wind the balances back in time)."""
    statement = typed_params(text(DELTAS_SINCE), ["since"])
    return int(session.execute(statement, {"since": since}).scalar_one() or 0)


TOP_REFERRERS = """
SELECT r.referrer_id, c.full_name,
    SUM(CASE WHEN r.status <> 'rejected' THEN 1 ELSE 0 END) AS recorded,
    SUM(CASE WHEN r.status IN ('qualified', 'rewarded') THEN 1 ELSE 0 END) AS qualified
FROM referral AS r JOIN contact AS c ON c.id = r.referrer_id
WHERE r.created_at >= :since AND r.created_at < :until AND r.referrer_id IS NOT NULL
GROUP BY r.referrer_id, c.full_name
HAVING SUM(CASE WHEN r.status <> 'rejected' THEN 1 ELSE 0 END) > 0
ORDER BY qualified DESC, recorded DESC, r.referrer_id
LIMIT :limit
"""


def top_referrers(
    session: Session, since: datetime, until: datetime, *, limit: int = 10
) -> list[TopReferrer]:
    """Who brought the most friends who bought, among referrals recorded in the period."""
    statement = typed_params(text(TOP_REFERRERS), ["since", "until"])
    rows = session.execute(statement, {"since": since, "until": until, "limit": limit}).all()
    return [TopReferrer(int(cid), str(name), int(rec), int(qual)) for cid, name, rec, qual in rows]
