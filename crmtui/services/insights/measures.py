"""The KPI tiles: each figure, its previous-period figure, its formula and its inputs.

Nothing here divides by zero: a figure whose denominator is empty is None, and its note says
what was missing, which the screen shows as "not enough data".
"""

from __future__ import annotations

from crmtui.services.insights.dto import THIN_SAMPLE, Measure, Term
from crmtui.services.insights.totals import CustomerTotals, NpsCount, ReferralCount

DAYS_PER_YEAR = 365.25


def ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def percent(top: float, bottom: float) -> float | None:
    share = ratio(top, bottom)
    return None if share is None else 100 * share


def customer_measures(
    now: CustomerTotals,
    before: CustomerTotals,
    *,
    days: int,
) -> list[Measure]:
    """Active, new, retention, churn, repeat rate, revenue, AOV, frequency, CLV."""
    crr_now = percent(now.active - now.new, now.active_before)
    crr_before = percent(before.active - before.new, before.active_before)
    crr_note = "" if now.active_before else "not enough data: nobody bought in the previous period"

    def aov(t: CustomerTotals) -> float | None:
        return ratio(t.revenue_minor, t.sales)

    def frequency(t: CustomerTotals) -> float | None:
        return ratio(t.sales, t.active)

    def lifespan_years(t: CustomerTotals) -> float | None:
        days_mean = ratio(t.lifespan_days, t.lifers)
        return None if days_mean is None else days_mean / DAYS_PER_YEAR

    def clv(t: CustomerTotals) -> float | None:
        parts = (aov(t), frequency(t), lifespan_years(t))
        if any(p is None for p in parts):
            return None
        value, per_period, years = parts  # type: ignore[misc]
        return value * per_period * (DAYS_PER_YEAR / days) * years  # type: ignore[operator]

    freq_now = frequency(now)
    clv_note = ""
    if now.sales == 0:
        clv_note = "not enough data: no sales in the period"
    elif now.lifers == 0:
        clv_note = "not enough data: no customer has two sales yet, so there is no lifespan"
    return [
        Measure(
            "active", "Active customers", "count", now.active, before.active,
            "customers with at least one sale (not voided) in the period",
            (Term("customers who bought", now.active, "count"),),
            f"{now.active:,} customers",
        ),
        Measure(
            "new", "New customers", "count", now.new, before.new,
            "customers whose first sale ever falls in the period",
            (Term("first sale in the period", now.new, "count"),),
            f"{now.new:,} customers",
        ),
        Measure(
            "retention", "Retention (CRR)", "percent", crr_now, crr_before,
            "CRR = (E − N) ÷ S × 100",
            (
                Term("E: active this period", now.active, "count"),
                Term("N: new this period", now.new, "count"),
                Term("S: active in the previous period", now.active_before, "count"),
            ),
            f"S = {now.active_before:,} customers", crr_note,
        ),
        Measure(
            "churn", "Churn", "percent",
            None if crr_now is None else 100 - crr_now,
            None if crr_before is None else 100 - crr_before,
            "churn = 100 − CRR",
            (Term("CRR", crr_now, "percent"),),
            f"S = {now.active_before:,} customers", crr_note,
        ),
        Measure(
            "repeat", "Repeat purchases", "percent",
            percent(now.repeaters, now.active), percent(before.repeaters, before.active),
            "customers with more than one sale ÷ customers with at least one sale × 100",
            (
                Term("more than one sale", now.repeaters, "count"),
                Term("at least one sale", now.active, "count"),
            ),
            f"{now.active:,} customers",
            "" if now.active else "not enough data: no customer bought in the period",
        ),
        Measure(
            "revenue", "Revenue", "money", now.revenue_minor, before.revenue_minor,
            "revenue = sales − refunds given in the period",
            (
                Term("sales", now.gross_minor, "money"),
                Term("refunds", now.refunds_minor, "money"),
            ),
            f"{now.sales:,} sales",
        ),
        Measure(
            "aov", "Avg order value", "money", aov(now), aov(before),
            "AOV = revenue ÷ number of sales",
            (Term("revenue", now.revenue_minor, "money"), Term("sales", now.sales, "count")),
            f"{now.sales:,} sales",
            "" if now.sales else "not enough data: no sales in the period",
        ),
        Measure(
            "frequency", "Purchase frequency", "number", freq_now, frequency(before),
            "frequency = sales ÷ active customers",
            (Term("sales", now.sales, "count"), Term("active customers", now.active, "count")),
            f"{now.active:,} customers",
            "" if now.active else "not enough data: no customer bought in the period",
        ),
        Measure(
            "clv", "CLV (estimate)", "money", clv(now), clv(before),
            "CLV ≈ AOV × purchase frequency per year × average lifespan in years",
            (
                Term("AOV", aov(now), "money"),
                Term("frequency per year", None if freq_now is None
                     else freq_now * DAYS_PER_YEAR / days, "number"),
                Term("lifespan in years (mean last − first sale)", lifespan_years(now), "number"),
                Term("customers with ≥ 2 sales", now.lifers, "count"),
            ),
            f"lifespan from {now.lifers:,} customers", clv_note, estimate=True,
        ),
    ]  # fmt: skip


def nps_measure(now: NpsCount, before: NpsCount) -> Measure:
    def score(n: NpsCount) -> float | None:
        if not n.answers:
            return None
        return 100 * (n.promoters - n.detractors) / n.answers

    note = ""
    if not now.answers:
        note = "not enough data: no feedback in the period"
    elif now.answers < THIN_SAMPLE:
        note = f"thin sample: {now.answers} answers (fewer than {THIN_SAMPLE})"
    return Measure(
        "nps", "NPS", "score", score(now), score(before),
        "NPS = % promoters (9–10) − % detractors (0–6); passives (7–8) count in the total",
        (
            Term("promoters", now.promoters, "count"),
            Term("passives", now.answers - now.promoters - now.detractors, "count"),
            Term("detractors", now.detractors, "count"),
        ),
        f"{now.answers:,} answers (latest per customer)", note,
    )  # fmt: skip


def referral_measure(now: ReferralCount, before: ReferralCount) -> Measure:
    return Measure(
        "referrals", "Referral conversion", "percent",
        percent(now.qualified, now.recorded), percent(before.qualified, before.recorded),
        "qualified ÷ recorded × 100, for referrals recorded in the period "
        "(qualified = the friend bought: status qualified or rewarded; rejected ones not counted)",
        (
            Term("qualified", now.qualified, "count"),
            Term("recorded", now.recorded, "count"),
            Term("rejected (left out)", now.rejected, "count"),
        ),
        f"{now.recorded:,} referrals",
        "" if now.recorded else "not enough data: no referrals recorded in the period",
    )  # fmt: skip


def points_measures(
    *,
    outstanding_now: int,
    outstanding_before: int,
    liability_now: int,
    liability_before: int,
    point_value_minor: str,
    issued: int,
    redeemed: int,
    issued_before: int,
    redeemed_before: int,
) -> list[Measure]:
    return [
        Measure(
            "points", "Points outstanding", "points", outstanding_now, outstanding_before,
            "the sum of all balances at the period's end (compared with its start)",
            (Term("points", outstanding_now, "points"),),
            "every customer's balance",
        ),
        Measure(
            "liability", "Points liability", "money", liability_now, liability_before,
            "liability = points outstanding × value of one point",
            (
                Term("points outstanding", outstanding_now, "points"),
                Term(f"value of a point (minor units): {point_value_minor}", None, "number"),
            ),
            "every customer's balance",
        ),
        Measure(
            "redemption", "Redemption rate", "percent",
            percent(redeemed, issued), percent(redeemed_before, issued_before),
            "points redeemed ÷ points issued × 100 "
            "(issued = earn + bonus + referral + positive adjustments)",
            (Term("redeemed", redeemed, "points"), Term("issued", issued, "points")),
            f"{issued:,} points issued",
            "" if issued else "not enough data: no points issued in the period",
        ),
    ]  # fmt: skip
