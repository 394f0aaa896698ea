"""Referral reports: leaderboard, conversion, the list, trees and timeline events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crmtui.clock import fixed_clock
from crmtui.services.shop import Shop
from tests.services.test_referrals import code_of, new_customer


@pytest.fixture
def rules(shop: Shop) -> None:
    shop.referrals.save_rules(
        {"referrer_points": "100", "referee_points": "50", "min_amount": "", "monthly_cap": ""}
    )


@pytest.fixture
def later(db_path: Path, now: datetime) -> Iterator[Callable[[float], Shop]]:
    """`later(days)` opens the same file with the clock `days` ahead."""
    opened: list[Shop] = []

    def at(days: float) -> Shop:
        other = Shop.open(db_path, fixed_clock(now + timedelta(days=days)))
        opened.append(other)
        return other

    yield at
    for other in opened:
        other.close()


def test_timeline_events_cover_recording_rewards_and_reversals(shop, add_contact, rules, later):
    anna = add_contact("Anna Nowak")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    sale = later(1).record_sale(bob, 2000, idempotency_key="b1").sale
    later(2).void_sale(sale.id, reason="test")
    texts = [(event.text.split(":")[0], event.points) for event in shop.referrals.timeline(anna)]
    assert texts == [
        ("referral reward taken back", -100),
        ("referral reward", 100),
        ("Referred Bob Lee", None),
    ]
    assert shop.referrals.timeline(bob)[-1].text == "Referred by Anna Nowak"


# -- reports -----------------------------------------------------------------------------
def test_leaderboard_counts_qualified_and_referee_revenue_over_12_months(
    shop, add_contact, rules, later
):
    from crmtui.services.loyalty.refunds import refund_sale

    anna, cleo = add_contact("Anna Nowak"), add_contact("Cleo Park")
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    dan = new_customer(shop, "Dan Roe", referred_by=code_of(shop, anna))
    new_customer(shop, "Eve Ash", referred_by=code_of(shop, cleo))  # pending only: not listed
    shop.record_sale(bob, 10_000, idempotency_key="b1")
    kept = shop.record_sale(dan, 2_000, idempotency_key="d1").sale
    voided = shop.record_sale(dan, 5_000, idempotency_key="d2").sale
    shop.void_sale(voided.id, reason="mistake")
    with shop.db.write() as session:
        refund_sale(
            session=session, sale_id=kept.id, amount_minor=1_000, reason="", now=shop.clock()
        )
    board = shop.referrals.leaderboard()
    assert [(r.name, r.qualified, r.pending, r.referee_revenue_minor) for r in board] == [
        ("Anna Nowak", 2, 0, 10_000 + 2_000 - 1_000)
    ]
    next_year = later(400)  # every sale is now older than 12 months
    assert next_year.referrals.leaderboard()[0].referee_revenue_minor == 0
    assert next_year.referrals.leaderboard()[0].qualified == 2


def test_conversion_is_qualified_over_recorded_without_rejected(shop, add_contact, rules, later):
    anna = add_contact("Anna Nowak")
    assert shop.referrals.conversion().rate is None  # nothing recorded: no rate, not 0%
    bob = new_customer(shop, "Bob Lee", referred_by=code_of(shop, anna))
    new_customer(shop, "Cleo Park", referred_by=code_of(shop, anna))
    shop.referrals.record(anna, code_of(shop, anna))  # rejected
    shop.record_sale(bob, 1000, idempotency_key="b1")
    conv = shop.referrals.conversion()
    assert (conv.qualified, conv.recorded, conv.rejected, conv.rate) == (1, 2, 1, 0.5)
    assert later(400).referrals.conversion().recorded == 0  # outside the 12-month window


def test_list_filters_by_status_and_pages_in_sql(shop, add_contact):
    anna = add_contact("Anna Nowak")
    for number in range(5):
        new_customer(shop, f"Friend {number}", referred_by=code_of(shop, anna))
    shop.referrals.record(anna, code_of(shop, anna))
    page = shop.referrals.list(limit=2)
    assert (len(page.rows), page.total, page.counts["pending"], page.counts["rejected"]) == (
        2,
        6,
        5,
        1,
    )
    assert page.rows[0].status == "rejected"  # newest first
    second = shop.referrals.list("pending", offset=4, limit=2)
    assert [r.referee_name for r in second.rows] == ["Friend 0"] and second.total == 5
    with pytest.raises(ValueError):
        shop.referrals.list("bogus")


def test_tree_goes_down_levels_and_never_loops(shop, add_contact):
    anna = add_contact("Anna Nowak")
    previous = anna
    chain = []
    for number in range(8):
        previous = new_customer(shop, f"Level {number + 1}", referred_by=code_of(shop, previous))
        chain.append(previous)
    root = shop.referrals.tree(anna)
    depth, node = 0, root
    while node.children:
        node, depth = node.children[0], depth + 1
    assert depth == 6 and node.more == 1  # cut at 6 levels, saying one more is below
    assert shop.referrals.tree(chain[-1]).children == ()
