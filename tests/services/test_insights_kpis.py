"""Every KPI tile on a hand-built shop, with the arithmetic worked out by hand in comments.

The shop stands on 2026-11-23 (TZ=UTC). The 30-day period is 2026-10-25 … 2026-11-23, the
previous one 2026-09-25 … 2026-10-24, and the one before that 2026-08-26 … 2026-09-24.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmtui.clock import fixed_clock
from crmtui.db.models import Feedback, Referral
from crmtui.services.insights.dto import Overview
from crmtui.services.insights.periods import Period, PeriodError
from crmtui.services.shop import Shop


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def sell(shop: Shop, contact_id: int, amount: int, when: datetime) -> int:
    shop.clock = fixed_clock(when)
    key = f"k-{contact_id}-{when.isoformat()}-{amount}"
    return shop.record_sale(contact_id, amount, idempotency_key=key).sale.id


def values(overview: Overview) -> dict[str, tuple[object, object]]:
    return {m.key: (m.value, m.previous) for m in overview.measures}


@pytest.fixture
def built(shop: Shop, add_contact, now: datetime) -> tuple[Shop, dict[str, int]]:
    people = {name: add_contact(name) for name in ("Ada", "Bea", "Cyd", "Dan", "Eve", "Fay", "Gus")}
    a, b, c, d, e = (people[n] for n in ("Ada", "Bea", "Cyd", "Dan", "Eve"))
    sell(shop, a, 1000, at(9, 1))  # before-previous period
    sell(shop, a, 2000, at(10, 1))  # previous
    sell(shop, a, 3000, at(11, 1))  # this period
    sell(shop, a, 4000, at(11, 20))  # this period
    sell(shop, b, 1500, at(10, 10))  # previous: Bea's first sale
    c_sale = sell(shop, c, 500, at(11, 10))  # this period: Cyd's first sale
    shop.clock = fixed_clock(at(11, 12))
    shop.loyalty.refund(c_sale, 200, "broken cup")  # refund given in this period
    d_sale = sell(shop, d, 1000, at(11, 5))
    shop.clock = fixed_clock(at(11, 6))
    shop.void_sale(d_sale, reason="wrong customer")  # a voided sale never counts
    sell(shop, e, 700, at(8, 30))  # before-previous period only
    shop.clock = fixed_clock(at(11, 21))
    shop.loyalty.redeem_points(a, 25, "coffee")  # 25 points redeemed in this period
    with shop.db.write() as session:
        for who, score, when in (
            (a, 6, at(10, 1)),  # previous period: one detractor
            (a, 3, at(11, 1)),  # superseded by Ada's later answer
            (a, 10, at(11, 15)),  # Ada's latest: promoter
            (c, 7, at(11, 11)),  # passive
            (b, 0, at(11, 2)),  # detractor
            (e, 9, at(11, 3)),  # promoter
        ):
            session.add(Feedback(contact_id=who, score=score, created_at=when))
        for referrer, referee, status, when in (
            (a, c, "qualified", at(11, 9)),
            (a, people["Fay"], "pending", at(11, 14)),
            (b, people["Gus"], "rejected", at(11, 14)),
        ):
            session.add(
                Referral(referrer_id=referrer, referee_id=referee, status=status, created_at=when)
            )
    shop.clock = fixed_clock(now)
    return shop, people


def test_the_thirty_day_period_and_the_one_before(shop: Shop) -> None:
    period = shop.insights.last_days(30)
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == (
        "2026-10-25",
        "2026-11-23",
    )
    assert period.previous() == Period(at(9, 25).date(), at(10, 24).date())
    assert period.start == datetime(2026, 10, 25, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 24, tzinfo=UTC)


def test_customer_kpis_by_hand(built) -> None:
    shop, _ = built
    got = values(shop.insights.overview(shop.insights.last_days(30)))
    # Active now: Ada, Cyd = 2. Before: Ada, Bea = 2.
    assert got["active"] == (2, 2)
    # New now: Cyd (first sale 11-10). Before: Bea (first sale 10-10).
    assert got["new"] == (1, 1)
    # CRR now = (E 2 − N 1) ÷ S 2 = 50 %. Before: (2 − 1) ÷ S 2 (Ada and Eve before that) = 50 %.
    assert got["retention"] == (50.0, 50.0)
    assert got["churn"] == (50.0, 50.0)
    # Repeat now: Ada has 2 sales, Cyd 1 → 1 ÷ 2. Before: nobody with 2 of 2 → 0 %.
    assert got["repeat"] == (50.0, 0.0)
    # Revenue now: 3000 + 4000 + 500 − 200 refunded = 7300. Before: 2000 + 1500 = 3500.
    assert got["revenue"] == (7300, 3500)
    # AOV now: 7300 ÷ 3 sales. Before: 3500 ÷ 2.
    assert got["aov"][0] == pytest.approx(7300 / 3)
    assert got["aov"][1] == pytest.approx(1750)
    # Frequency: 3 sales ÷ 2 customers; before 2 ÷ 2.
    assert got["frequency"] == (pytest.approx(1.5), pytest.approx(1.0))
    # CLV now: AOV × (1.5 × 365.25/30 per year) × lifespan (Ada 09-01 → 11-20 = 80 days,
    # the only customer with 2+ sales) = 7300/3 × 1.5 × 80/30 = 9733.33.
    # Before: 1750 × (1 × 365.25/30) × (Ada 09-01 → 10-01 = 30 days)/365.25 = 1750.
    assert got["clv"][0] == pytest.approx(29200 / 3)
    assert got["clv"][1] == pytest.approx(1750)


def test_loyalty_referral_and_nps_kpis_by_hand(built) -> None:
    shop, _ = built
    overview = shop.insights.overview(shop.insights.last_days(30))
    got = values(overview)
    # Points (1 per złoty): Ada 10+20+30+40, Bea 15, Eve 7; Cyd 5 − 2 taken back by the
    # refund of 2 zł; Dan 10 earned and reversed by the void; Ada redeemed 25.
    # Total 100 + 15 + 7 + 3 − 25 = 100.
    # At the period's start: Ada 10 + 20, Bea 15, Eve 7 = 52.
    assert got["points"] == (100, 52)
    # One point is worth one minor unit by default: liability 100 gr, before 52 gr.
    assert got["liability"] == (100, 52)
    # Issued this period: 30 + 40 + 5 + 10 (Dan's, later reversed) = 85; redeemed 25.
    # Before: 20 + 15 issued, nothing redeemed.
    assert got["redemption"] == (pytest.approx(100 * 25 / 85), 0.0)
    # Referrals recorded this period, not rejected: 2 (Ada→Cyd qualified, Ada→Fay pending).
    assert got["referrals"] == (50.0, None)
    referral = overview.measure("referrals")
    assert [(t.name, t.value) for t in referral.inputs][2] == ("rejected (left out)", 1)
    # NPS: latest per customer → Ada 10, Cyd 7, Bea 0, Eve 9: (2 − 1) ÷ 4 = +25.
    # Before: Ada's 6 alone → −100.
    assert got["nps"] == (25.0, -100.0)
    assert overview.measure("nps").note.startswith("thin sample: 4 answers")
    assert [(r.full_name, r.recorded, r.qualified) for r in overview.top_referrers] == [
        ("Ada", 2, 1)
    ]


def test_trends_and_top_customers(built) -> None:
    shop, people = built
    overview = shop.insights.overview(shop.insights.last_days(30))
    trend = overview.trend
    # Weeks from 10-25: [10-25, 11-01), [11-01, 11-08), [11-08, 11-15), [11-15, 11-22),
    # and the short last one [11-22, 11-24).
    assert [d.isoformat() for d in trend.week_starts] == [
        "2026-10-25", "2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22",
    ]  # fmt: skip
    assert trend.visits == (0, 1, 1, 1, 0)
    assert trend.revenue_minor == (0, 3000, 500 - 200, 4000, 0)
    assert trend.new_customers == (0, 0, 1, 0, 0)
    assert [(p.full_name, p.monetary_minor) for p in overview.top_customers] == [
        ("Ada", 7000),
        ("Cyd", 300),
    ]
    assert overview.top_customers[0].contact_id == people["Ada"]


def test_an_empty_shop_says_not_enough_data(shop: Shop) -> None:
    overview = shop.insights.overview(shop.insights.last_days(365))
    got = values(overview)
    assert got["active"] == (0, 0) and got["new"] == (0, 0) and got["revenue"] == (0, 0)
    for key in ("retention", "churn", "repeat", "aov", "frequency", "clv", "nps", "referrals"):
        assert got[key] == (None, None), key
        assert overview.measure(key).note.startswith("not enough data"), key
    assert got["redemption"] == (None, None)
    assert overview.scored_customers == 0
    assert all(row.customers == 0 for row in overview.segments)
    assert set(overview.trend.visits) == {0} and len(overview.trend.visits) == 53


def test_a_shop_of_one_customer(shop: Shop, add_contact) -> None:
    ada = add_contact("Ada")
    sell(shop, ada, 1250, at(11, 20))
    shop.clock = fixed_clock(at(11, 23, 10))
    overview = shop.insights.overview(shop.insights.last_days(90))
    got = values(overview)
    assert got["active"] == (1, 0) and got["new"] == (1, 0)
    assert got["retention"] == (None, None)  # S = 0: nobody bought before
    assert got["repeat"] == (0.0, None)  # 0 of 1 bought twice
    assert got["aov"] == (1250.0, None) and got["frequency"] == (1.0, None)
    assert got["clv"] == (None, None)  # no customer with two sales: no lifespan
    assert "two sales" in overview.measure("clv").note
    # One customer ties with itself on every measure: 1 + ⌊5 × 0 ÷ 1⌋ = 1 → R1 F1 M1 → Lost.
    assert [(p.score, p.segment) for p in overview.top_customers] == [(111, "Lost")]


def test_custom_periods_are_checked(shop: Shop) -> None:
    desk = shop.insights
    period = desk.custom_period("2026-01-01", "2026-03-31")
    assert period.days == 90 and period.previous().last_day.isoformat() == "2025-12-31"
    for first, last, problem in (
        ("", "2026-01-01", "first date"),
        ("2026-02-30", "2026-03-01", "not a date"),
        ("2026-03-01", "2026-02-01", "comes before"),
        ("2027-01-01", "2027-02-01", "future"),
        ("[/]", "2026-01-01", "not a date"),
    ):
        with pytest.raises(PeriodError, match=problem):
            desk.custom_period(first, last)
