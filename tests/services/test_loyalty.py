"""Loyalty services: tiers from rolling spend, promotions, bonuses, redemption, refunds,
adjustments and the overview, each on a real shop file with the clock pinned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crmtui.clock import fixed_clock
from crmtui.services.loyalty import bonuses, overview
from crmtui.services.loyalty.earning import months_before, spend_in_window
from crmtui.services.loyalty.redeem import RedeemError
from crmtui.services.loyalty.refunds import RefundError
from crmtui.services.loyalty.rewards import RewardInput
from crmtui.services.loyalty.rules import LoyaltyRules, Promotion, Tier, store_rules
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
RULES = LoyaltyRules(
    tiers=(Tier("Member", 0, "1"), Tier("Silver", 50000, "1.25"), Tier("Gold", 150000, "1.5"))
)


def set_rules(shop: Shop, rules: LoyaltyRules) -> None:
    with shop.db.write() as session:
        store_rules(session=session, rules=rules)
    shop.loyalty._rules = None


def at(shop: Shop, moment: datetime) -> None:
    shop.clock = fixed_clock(moment)


def sell(shop: Shop, contact: int, amount: int, key: str) -> int:
    return shop.record_sale(contact, amount, idempotency_key=key).points_delta


@pytest.fixture
def anna(shop: Shop, add_contact) -> int:
    set_rules(shop, RULES)
    return add_contact("Anna Kowalska", phone="601 234 567")


# -- tiers ------------------------------------------------------------------------------------


def test_spend_exactly_at_the_threshold_reaches_the_tier(shop: Shop, anna: int) -> None:
    sell(shop, anna, 50000, "a")  # 500.00 zł: Member while walking in, earns ×1
    assert shop.loyalty.status(anna).tier == "Silver"
    assert sell(shop, anna, 1000, "b") == 12  # 10 zł × 1.25 = 12.5 → 12


def test_one_minor_unit_below_the_threshold_stays_in_the_tier_below(shop: Shop, anna: int) -> None:
    sell(shop, anna, 49999, "a")
    status = shop.loyalty.status(anna)
    assert (status.tier, status.next_tier, status.to_next_tier_minor) == ("Member", "Silver", 1)
    assert sell(shop, anna, 1000, "b") == 10


def test_earning_uses_the_tier_in_force_when_the_sale_is_made(shop: Shop, anna: int) -> None:
    """The sale that lifts someone into Silver earns at Member; the next one at Silver."""
    assert sell(shop, anna, 60000, "a") == 600
    assert sell(shop, anna, 10000, "b") == 125


def test_the_rolling_window_includes_a_sale_exactly_twelve_months_old(
    shop: Shop, anna: int
) -> None:
    at(shop, NOW - timedelta(days=400))
    at(shop, months_before(NOW, 12))
    sell(shop, anna, 50000, "old")
    at(shop, NOW)
    assert shop.loyalty.status(anna).tier == "Silver"
    at(shop, NOW + timedelta(seconds=1))
    assert shop.loyalty.status(anna).tier == "Member"  # one second later it has left


def test_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(datetime(2026, 3, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert months_before(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(2027, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), -1) == datetime(2026, 2, 15, tzinfo=UTC)


def test_refunds_and_voids_lower_the_spend_that_sets_the_tier(shop: Shop, anna: int) -> None:
    sale = shop.record_sale(anna, 60000, idempotency_key="a").sale
    shop.loyalty.refund(sale.id, 20000, "returned a grinder")
    with shop.db.read() as session:
        assert spend_in_window(session=session, contact_id=anna, now=NOW) == 40000
    assert shop.loyalty.status(anna).tier == "Member"


def test_rule_changes_never_rewrite_the_past(shop: Shop, anna: int) -> None:
    sell(shop, anna, 1000, "a")
    set_rules(shop, replace(RULES, tiers=(Tier("Member", 0, "3"),)))
    sell(shop, anna, 1000, "b")
    lines = shop.ledger_of(anna)
    assert [line.delta for line in reversed(lines)] == [10, 30]
    assert "×3 Member" in lines[0].reason


# -- promotions -------------------------------------------------------------------------------


def test_a_weekday_promotion_starts_at_local_midnight(shop: Shop, anna: int) -> None:
    tuesday = Promotion("Double Tuesday", "2", weekdays=(1,))
    set_rules(shop, replace(RULES, promotions=(tuesday,)))
    at(shop, datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))  # Monday
    assert sell(shop, anna, 1000, "mon") == 10
    at(shop, datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # Tuesday, midnight
    assert sell(shop, anna, 1000, "tue") == 20
    assert "×2 Double Tuesday" in shop.ledger_of(anna)[0].reason


def test_a_date_range_promotion_covers_both_end_days_and_the_best_one_wins(
    shop: Shop, anna: int
) -> None:
    advent = Promotion("Advent", "1.5", start=NOW.date(), end=NOW.date() + timedelta(days=1))
    triple = Promotion("Opening day", "3", start=NOW.date(), end=NOW.date())
    set_rules(shop, replace(RULES, promotions=(advent, triple)))
    assert sell(shop, anna, 1000, "a") == 30  # promotions never stack
    at(shop, NOW + timedelta(days=1))
    assert sell(shop, anna, 1000, "b") == 15
    at(shop, NOW + timedelta(days=2))
    assert sell(shop, anna, 1000, "c") == 10


# -- bonuses ----------------------------------------------------------------------------------


def test_signup_bonus_lands_with_the_new_customer(shop: Shop) -> None:
    set_rules(shop, replace(RULES, signup_bonus=25))
    new = shop.create_contact(ContactInput(full_name="Zofia"))
    assert shop.card(new).points_balance == 25
    assert shop.ledger_of(new)[0].reason == "signup bonus"


def birthday_shop(shop: Shop, mode: str = "day") -> None:
    set_rules(shop, replace(RULES, birthday_bonus=50, birthday_mode=mode))


def test_birthday_bonus_is_paid_once_on_the_day(shop: Shop, add_contact) -> None:
    birthday_shop(shop)
    ola = add_contact("Ola", birthday="23.11")
    other = add_contact("Piotr", birthday="24.11")
    assert shop.loyalty.run_daily()[1] == 1
    assert shop.loyalty.run_daily()[1] == 0  # the second run pays nobody again
    assert shop.card(ola).points_balance == 50
    assert shop.card(other).points_balance == 0


def test_a_29_february_birthday_is_celebrated_on_28_february_in_a_common_year(
    shop: Shop, add_contact
) -> None:
    birthday_shop(shop)
    leap = add_contact("Leap Day", birthday="29.02.2000")
    at(shop, datetime(2027, 2, 27, 12, tzinfo=UTC))
    assert shop.loyalty.run_daily()[1] == 0
    at(shop, datetime(2027, 2, 28, 12, tzinfo=UTC))
    assert shop.loyalty.run_daily()[1] == 1
    at(shop, datetime(2027, 3, 1, 12, tzinfo=UTC))
    assert shop.loyalty.run_daily()[1] == 0
    at(shop, datetime(2028, 2, 28, 12, tzinfo=UTC))  # a leap year: not yet
    assert shop.loyalty.run_daily()[1] == 0
    at(shop, datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert shop.loyalty.run_daily()[1] == 1
    assert shop.card(leap).points_balance == 100


def test_birthday_month_mode_pays_once_during_the_month(shop: Shop, add_contact) -> None:
    birthday_shop(shop, mode="month")
    late = add_contact("Late November", birthday="30.11")
    assert shop.loyalty.run_daily()[1] == 1
    at(shop, NOW + timedelta(days=3))
    assert shop.loyalty.run_daily()[1] == 0
    assert shop.card(late).points_balance == 50


def test_celebrated_on() -> None:
    assert bonuses.celebrated_on(2, 29, 2027).isoformat() == "2027-02-28"
    assert bonuses.celebrated_on(2, 29, 2028).isoformat() == "2028-02-29"


# -- rewards and redemption -------------------------------------------------------------------


def add_reward(
    shop: Shop, name: str, cost: str, benefit: str = "free_item", value: str = ""
) -> int:
    data = RewardInput(name, cost, benefit, value, "any coffee" if benefit == "free_item" else "")
    return shop.loyalty.save_reward(data).id


def test_redeeming_a_reward_writes_a_linked_entry(shop: Shop, anna: int) -> None:
    coffee = add_reward(shop, "Free coffee", "50")
    sell(shop, anna, 8000, "a")
    done = shop.loyalty.redeem_reward(anna, coffee)
    assert (done.points, done.balance, done.reward_name) == (50, 30, "Free coffee")
    line = shop.ledger_of(anna)[0]
    assert (line.kind, line.delta, line.reason) == ("redeem", -50, "reward: Free coffee")


def test_a_redemption_below_zero_is_refused_and_changes_nothing(shop: Shop, anna: int) -> None:
    cake = add_reward(shop, "Cake", "100")
    sell(shop, anna, 8000, "a")
    with pytest.raises(RedeemError, match="80 points; 100 would take the balance below zero"):
        shop.loyalty.redeem_reward(anna, cake)
    with pytest.raises(RedeemError, match="below zero"):
        shop.loyalty.redeem_points(anna, 81)
    assert shop.card(anna).points_balance == 80
    assert len(shop.ledger_of(anna)) == 1


def test_partial_redemption_and_the_next_reward(shop: Shop, anna: int) -> None:
    add_reward(shop, "Coffee", "50")
    add_reward(shop, "Cake", "120")
    sell(shop, anna, 10000, "a")
    shop.loyalty.redeem_points(anna, 30, "half a sandwich")
    status = shop.loyalty.status(anna)
    assert status.balance == 70
    assert [r.name for r in status.affordable] == ["Coffee"]
    assert (status.next_reward, status.points_to_next_reward) == ("Cake", 50)


def test_a_retired_reward_cannot_be_redeemed(shop: Shop, anna: int) -> None:
    coffee = add_reward(shop, "Coffee", "10")
    shop.loyalty.set_reward_active(coffee, False)
    sell(shop, anna, 8000, "a")
    with pytest.raises(RedeemError, match="retired"):
        shop.loyalty.redeem_reward(anna, coffee)
    assert [r.name for r in shop.loyalty.rewards(include_retired=False)] == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (RewardInput("", "10", "free_item", "", "tea"), "name", "needs a name"),
        (RewardInput("Tea", "0", "free_item", "", "tea"), "points_cost", "from 1"),
        (RewardInput("Tea", "10", "percent_discount", "150"), "value", "1 to 100"),
        (RewardInput("Tea", "10", "fixed_discount", "abc"), "value", ""),
        (RewardInput("Tea", "10", "free_item", "", ""), "description", "which item"),
        (RewardInput("Tea\x1b", "10", "free_item", "", "x"), "name", "control character"),
    ],
)
def test_reward_form_problems(shop: Shop, data: RewardInput, field: str, message: str) -> None:
    problems = shop.loyalty.check_reward(data).errors
    assert field in problems and message in problems[field]


# -- refunds ----------------------------------------------------------------------------------


def test_partial_refunds_reverse_points_in_proportion_and_never_more(shop: Shop, anna: int) -> None:
    sale = shop.record_sale(anna, 10000, idempotency_key="a").sale  # earns 100
    first = shop.loyalty.refund(sale.id, 3333, "one item back")
    assert (first.points_reversed, first.remaining_minor) == (33, 6667)
    second = shop.loyalty.refund(sale.id, 3333, "another")
    assert second.points_reversed == 33  # floor(100 × 6666 / 10000) − 33
    last = shop.loyalty.refund(sale.id, 3334, "the rest")
    assert last.points_reversed == 34 and last.remaining_minor == 0
    assert shop.card(anna).points_balance == 0
    with pytest.raises(RefundError, match="already refunded in full"):
        shop.loyalty.refund(sale.id, 1, "again")


def test_a_refund_can_never_exceed_what_is_left_of_the_sale(shop: Shop, anna: int) -> None:
    sale = shop.record_sale(anna, 5000, idempotency_key="a").sale
    shop.loyalty.refund(sale.id, 4000, "")
    with pytest.raises(RefundError, match="At most 1000"):
        shop.loyalty.refund(sale.id, 1001, "")
    assert shop.loyalty.refundable(sale.id) == 1000


def test_a_refund_of_spent_points_takes_the_balance_negative_and_blocks_redemption(
    shop: Shop, anna: int
) -> None:
    coffee = add_reward(shop, "Coffee", "10")
    sale = shop.record_sale(anna, 5000, idempotency_key="a").sale
    shop.loyalty.redeem_points(anna, 45)
    result = shop.loyalty.refund(sale.id, 5000, "all returned")
    assert (result.points_reversed, result.balance) == (50, -45)
    assert shop.loyalty.status(anna).redemption_blocked
    with pytest.raises(RedeemError, match="until the balance is above zero"):
        shop.loyalty.redeem_reward(anna, coffee)
    sell(shop, anna, 6000, "b")  # earns 60: back to 15
    assert shop.loyalty.redeem_reward(anna, coffee).balance == 5


def test_voiding_after_a_partial_refund_reverses_only_what_is_left(shop: Shop, anna: int) -> None:
    sale = shop.record_sale(anna, 10000, idempotency_key="a").sale
    shop.loyalty.refund(sale.id, 5000, "")
    shop.void_sale(sale.id, reason="wrong customer")
    assert shop.card(anna).points_balance == 0
    with pytest.raises(RefundError, match="voided"):
        shop.loyalty.refund(sale.id, 1, "")


# -- adjustments ------------------------------------------------------------------------------


def test_an_adjustment_needs_a_reason_and_keeps_it(shop: Shop, anna: int) -> None:
    with pytest.raises(RedeemError, match="Give a reason"):
        shop.loyalty.adjust(anna, 10, "   ")
    shop.loyalty.adjust(anna, 10, "stamp card from the old system")
    line = shop.ledger_of(anna)[0]
    assert (line.kind, line.delta, line.reason) == ("adjust", 10, "stamp card from the old system")
    assert line.created_at == NOW
    with pytest.raises(RedeemError, match="below zero"):
        shop.loyalty.adjust(anna, -11, "typo")


# -- overview ---------------------------------------------------------------------------------


def test_the_overview_counts_members_per_tier_and_the_flows(shop: Shop, add_contact) -> None:
    set_rules(shop, replace(RULES, point_value_minor="2"))
    anna = add_contact("Anna")
    bob = add_contact("Bob")
    add_contact("Cezary")  # never bought: a Member with nothing
    sell(shop, anna, 60000, "a")  # Silver; earns 600
    sell(shop, bob, 150000, "b")  # Gold; earns 1500
    shop.loyalty.redeem_points(bob, 500)
    at(shop, NOW - timedelta(days=60))
    shop.loyalty.adjust(anna, 100, "welcome back")
    at(shop, NOW)
    view = shop.loyalty.overview()
    assert view.members == 3
    assert [(t.name, t.members) for t in view.tiers] == [("Member", 1), ("Silver", 1), ("Gold", 1)]
    assert view.outstanding_points == 600 + 1500 - 500 + 100
    assert view.liability_minor == 1700 * 2
    last30, last90, _ = view.flows
    assert (last30.issued, last30.redeemed) == (2100, 500)
    assert last90.issued == 2200
    assert last30.redemption_rate == pytest.approx(500 / 2100)


def test_an_empty_shop_has_no_redemption_rate(shop: Shop) -> None:
    with shop.db.read() as session:
        flows = overview.points_flows(session=session, since=NOW - timedelta(days=30), until=NOW)
    assert flows.issued == 0 and flows.redemption_rate is None


# -- expiry -----------------------------------------------------------------------------------


def test_fifo_expiry_removes_only_old_unspent_points_once(shop: Shop, anna: int) -> None:
    set_rules(shop, replace(RULES, expiry_mode="fifo", expiry_months=6))
    at(shop, NOW - timedelta(days=200))
    sell(shop, anna, 10000, "old")  # 100 points, now more than 6 months old
    shop.loyalty.redeem_points(anna, 30)  # spent first in, first out: from the old ones
    at(shop, NOW - timedelta(days=10))
    sell(shop, anna, 5000, "new")  # 50 points, still fresh
    at(shop, NOW)
    run, _ = shop.loyalty.run_daily()
    assert (run.contacts, run.points) == (1, 70)
    assert shop.card(anna).points_balance == 50
    assert shop.loyalty.run_daily()[0].points == 0
    line = shop.ledger_of(anna)[0]
    assert (line.kind, line.delta) == ("expire", -70)


def test_the_card_warns_about_points_expiring_within_30_days(shop: Shop, anna: int) -> None:
    set_rules(shop, replace(RULES, expiry_mode="fifo", expiry_months=6))
    at(shop, months_before(NOW, 6) + timedelta(days=20))
    sell(shop, anna, 4000, "soon")
    at(shop, NOW - timedelta(days=5))
    sell(shop, anna, 1000, "fresh")
    at(shop, NOW)
    status = shop.loyalty.status(anna)
    assert (status.expiring_points, status.expiring_on.isoformat()) == (
        40,
        "2026-12-12",
    )  # earned 12 June, 6 months on


def test_inactivity_expiry_takes_the_whole_balance_after_n_months_without_a_purchase(
    shop: Shop, anna: int, add_contact
) -> None:
    set_rules(shop, replace(RULES, expiry_mode="inactivity", expiry_months=3))
    regular = add_contact("Regular")
    at(shop, months_before(NOW, 3))
    sell(shop, anna, 2000, "a")
    at(shop, NOW - timedelta(days=1))
    sell(shop, regular, 2000, "b")
    at(shop, NOW)
    run, _ = shop.loyalty.run_daily()
    assert (run.contacts, run.points) == (1, 20)
    assert (shop.card(anna).points_balance, shop.card(regular).points_balance) == (0, 20)


def test_expiry_is_off_by_default(shop: Shop, anna: int) -> None:
    at(shop, NOW - timedelta(days=900))
    sell(shop, anna, 2000, "a")
    at(shop, NOW)
    assert shop.loyalty.run_daily()[0].points == 0
    assert shop.loyalty.status(anna).expiring_points == 0


# -- the settings form ------------------------------------------------------------------------


def test_the_rules_form_round_trips_and_reports_each_problem(shop: Shop) -> None:
    values = shop.loyalty.rules_form()
    assert values["tier0_threshold"] == "0.00" and values["tier2_name"] == "Gold"
    assert shop.loyalty.check_rules(values).errors == {}
    values.update(
        tier1_threshold="0",
        tier2_multiplier="x",
        promo0_name="Double Tuesday",
        promo0_when="tuesday",
        promo0_multiplier="2",
        promo1_name="Advent",
        promo1_when="2026-12-24..2026-12-01",
        promo1_multiplier="1.5",
        birthday_bonus="-5",
        point_value="0.01",
    )
    errors = shop.loyalty.check_rules(values).errors
    assert set(errors) == {"tier1_threshold", "tier2_multiplier", "promo1_when", "birthday_bonus"}
    assert "higher threshold" in errors["tier1_threshold"]
    assert "ends before it starts" in errors["promo1_when"]
    values.update(
        tier1_threshold="400",
        tier2_multiplier="1.75",
        promo1_when="",
        promo1_name="",
        promo1_multiplier="",
        birthday_bonus="20",
    )
    saved = shop.loyalty.save_rules(values)
    assert [(t.name, t.threshold_minor, t.multiplier) for t in saved.tiers] == [
        ("Member", 0, "1"),
        ("Silver", 40000, "1.25"),
        ("Gold", 150000, "1.75"),
    ]
    assert saved.promotions[0].weekdays == (1,) and saved.birthday_bonus == 20
    assert saved.point_value_minor == "1"
    assert shop.loyalty.rules_form()["promo0_when"] == "tue"


def test_the_cached_spend_follows_sales_refunds_voids_and_the_calendar(
    shop: Shop, anna: int
) -> None:
    """The overview counts tiers from a cached rolling spend: it must agree with the exact
    figure after every change, and the daily run rolls the window forward."""

    def cached() -> str:
        return next(t.name for t in shop.loyalty.overview().tiers if t.members)

    at(shop, NOW - timedelta(days=300))
    first = shop.record_sale(anna, 30000, idempotency_key="a").sale
    at(shop, NOW)
    second = shop.record_sale(anna, 30000, idempotency_key="b").sale
    assert cached() == "Silver"
    shop.loyalty.refund(second.id, 20000, "")
    assert cached() == "Member"
    shop.record_sale(anna, 20000, idempotency_key="c")
    assert cached() == "Silver"
    at(shop, NOW + timedelta(days=70))  # the first sale leaves the window
    assert cached() == "Silver"  # until the daily run
    shop.loyalty.run_daily()
    assert cached() == "Member"
    at(shop, NOW)
    shop.loyalty.run_daily()
    shop.void_sale(first.id, reason="test")
    assert cached() == "Member"
    assert shop.loyalty.status(anna).spend_12m_minor == 30000


def test_the_daily_run_runs_once_a_day_unless_forced(shop: Shop, add_contact) -> None:
    """Every start-up calls it; only the first of the day works (each part is idempotent
    anyway, so a forced second run changes only what became due since)."""
    birthday_shop(shop)
    assert shop.loyalty.run_daily()[1] == 0
    late = add_contact("Added at noon", birthday="23.11")
    assert shop.loyalty.run_daily()[1] == 0  # already ran today
    assert shop.loyalty.run_daily(force=True)[1] == 1
    assert shop.card(late).points_balance == 50
