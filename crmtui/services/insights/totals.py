"""The raw counts and sums behind the KPI tiles, each from one SQL query (KPIS.md definitions).

The formulas that turn these into tiles live in measures.py; this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from crmtui.services.insights.customers import Rows, moments, typed_params
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


# The sums over the customer rows every customer tile needs, for this period and the one
# before. They only add up the rows, so cache.py keeps them up to date by subtracting the old
# rows of the customers it re-reads and adding their new ones; `{which}` limits them to those.
ROW_SUMS = """
SELECT
    SUM(CASE WHEN sales_now > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN first_at >= :start THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_before > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_now > 1 THEN 1 ELSE 0 END),
    SUM(sales_now),
    SUM(gross_now),
    SUM(CASE WHEN sales_ever >= 2 THEN 1 ELSE 0 END),
    SUM(lifespan_seconds),
    SUM(CASE WHEN first_at >= :prev AND first_at < :start THEN 1 ELSE 0 END),
    SUM(CASE WHEN sales_before > 1 THEN 1 ELSE 0 END),
    SUM(sales_before),
    SUM(gross_before),
    SUM(CASE WHEN sales_ever - sales_now >= 2 THEN 1 ELSE 0 END),
    SUM(lifespan_before_seconds),
    SUM(CASE WHEN sales_two_back > 0 THEN 1 ELSE 0 END)
FROM {table} WHERE days = :days AND {which}
"""
SUMS = 15  # the values ROW_SUMS gives

REFUNDS = """
SELECT
    SUM(CASE WHEN created_at >= :start THEN amount_minor ELSE 0 END),
    SUM(CASE WHEN created_at < :start THEN amount_minor ELSE 0 END)
FROM sale_refund WHERE created_at >= :prev AND created_at < :end
"""
SECONDS_PER_DAY = 86400


def row_sums(
    session: Session, rows: Rows, *, start: datetime, prev: datetime, which: str = "1 = 1"
) -> tuple[int, ...]:
    """ROW_SUMS over the rows `which` selects, for the period starting at `start` whose
    previous period starts at `prev`."""
    sql = ROW_SUMS.format(table=rows.table, which=which)
    params = {"start": start, "prev": prev, "days": rows.days}
    row = session.execute(typed_params(text(sql), ["start", "prev"]), params).one()
    return tuple(int(value or 0) for value in row)


def customer_totals(
    session: Session, rows: Rows, period: Period
) -> tuple[CustomerTotals, CustomerTotals]:
    """(this period, the previous period): the row sums (kept with kept rows, else added up
    now) and the refunds."""
    bounds = moments(period)
    v = rows.sums or row_sums(session, rows, start=bounds["start"], prev=bounds["prev"])
    refund_row = session.execute(
        typed_params(text(REFUNDS), ["start", "prev", "end"]), bounds
    ).one()
    refunds_now, refunds_before = (int(x or 0) for x in refund_row)
    now = CustomerTotals(
        v[0], v[1], v[2], v[3], v[4], v[5], refunds_now, v[6], v[7] / SECONDS_PER_DAY,
    )  # fmt: skip
    before = CustomerTotals(
        v[2], v[8], v[14], v[9], v[10], v[11], refunds_before, v[12],
        v[13] / SECONDS_PER_DAY,
    )  # fmt: skip
    return now, before


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
ALL_DELTAS = "SELECT SUM(points) FROM points_daily"


def points_outstanding(session: Session) -> int:
    """Every balance added up, read as the whole ledger's sum from its daily sums (a few rows a
    day instead of every contact): a balance is the sum of its entries, which `crmtui doctor`
    checks, as it checks the daily sums against the ledger."""
    return int(session.execute(text(ALL_DELTAS)).scalar_one() or 0)


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
