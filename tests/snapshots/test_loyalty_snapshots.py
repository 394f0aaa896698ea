"""Snapshots of the loyalty program: the Loyalty overview, the rewards editor, a customer's
ledger with a refund, a redemption and an adjustment, and the redeem dialog."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from textual.pilot import Pilot

from crmtui.app import CrmApp
from crmtui.clock import fixed_clock
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.loyalty import LoyaltyScreen
from crmtui.screens.redeem import RedeemScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.settings_rewards import RewardsPane
from crmtui.services.loyalty.rewards import RewardInput
from crmtui.services.loyalty.rules import Promotion, store_rules
from crmtui.widgets.card import CustomerCard
from tests.conftest import NOW
from tests.pilot_helpers import wait_until

SIZE = (120, 36)


def _program(shop, add_contact) -> dict[str, int]:
    """Three customers, a catalogue of three rewards, and a year of mixed activity."""
    rules = shop.loyalty.rules
    with shop.db.write() as session:
        store_rules(
            session=session,
            rules=replace(
                rules,
                birthday_bonus=50,
                promotions=(Promotion("Double Tuesday", "2", weekdays=(1,)),),
                point_value_minor="2",
            ),
        )
    shop.loyalty._rules = None
    for data in (
        RewardInput("Free coffee", "100", "free_item", "", "any coffee"),
        RewardInput("10% off", "250", "percent_discount", "10"),
        RewardInput("Gift card", "900", "store_credit", "50"),
    ):
        shop.loyalty.save_reward(data)
    people = {
        "anna": add_contact("Anna Kowalczyk", "602 111 222"),
        "bartek": add_contact("Bartek Zieliński", "603 333 444"),
        "chen": add_contact("王伟 Wang Wei", "604 555 666"),
    }
    shop.clock = fixed_clock(NOW - timedelta(days=40))
    shop.record_sale(people["anna"], 62000, idempotency_key="a1")
    shop.record_sale(people["bartek"], 15500, idempotency_key="b1")
    shop.clock = fixed_clock(NOW - timedelta(days=3))
    sale = shop.record_sale(people["anna"], 8000, idempotency_key="a2").sale
    shop.loyalty.redeem_reward(people["anna"], shop.loyalty.rewards()[0].id)
    shop.loyalty.refund(sale.id, 2000, "one croissant returned")
    shop.clock = fixed_clock(NOW)
    shop.loyalty.adjust(people["anna"], 30, "paper stamp card")
    shop.record_sale(people["chen"], 2550, idempotency_key="c1")
    return people


def test_loyalty_overview(snap_compare, shop, add_contact):
    """Loyalty (F5) for three customers: members 3 (Member 2, Silver 1, Gold 0); points
    outstanding and the liability at 0.02 zł a point; issued/redeemed/expired/reversed for 30,
    90 and 365 days with the redemption rate; the rules in force, including Double Tuesday
    and the 50-point birthday bonus."""
    _program(shop, add_contact)

    async def run_before(pilot: Pilot[object]) -> None:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LoyaltyScreen))
        await wait_until(pilot, lambda: not pilot.app.screen.query_one("#loyalty-loading").display)

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_rewards_editor(snap_compare, shop, add_contact):
    """Settings › Rewards: the catalogue (Free coffee 100, 10% off 250, Gift card 900 giving
    50,00 zł store credit) and the form below editing "10% off", with the value 10."""
    _program(shop, add_contact)

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.show_tab("rewards")
        pane = app.screen.query_one(RewardsPane)
        await wait_until(pilot, lambda: pane.loaded)
        await pilot.pause()
        pane.query_one("#rewards-table").focus()
        await pilot.press("down", "enter")
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_ledger_view(snap_compare, shop, add_contact):
    """Anna's details on tab 2: newest first, the adjustment (+30, "paper stamp card"), the
    refund reversal (−25, from "refund #1 of sale #2"), the Free coffee redemption (−100),
    the earning of sale #2 at Silver (×1.25), and the first sale; each row with its running
    balance. The card shows the tier Silver and the next reward."""
    people = _program(shop, add_contact)

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        app.open_contact(people["anna"])
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await wait_until(pilot, lambda: app.screen.details is not None)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)


def test_redeem_dialog(snap_compare, shop, add_contact):
    """ctrl+r at the counter for Bartek (155 points): Free coffee first and highlighted; 10%
    off and the Gift card greyed with how many points each still needs."""
    _program(shop, add_contact)

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        await pilot.press(*"bartek", "enter")
        await wait_until(pilot, lambda: app.screen.query_one(CustomerCard).card is not None)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RedeemScreen))
        await wait_until(pilot, lambda: app.screen.rewards != [])
        await pilot.pause()

    assert snap_compare(CrmApp(shop=shop), terminal_size=SIZE, run_before=run_before)
