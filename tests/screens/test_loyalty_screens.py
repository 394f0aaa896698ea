"""Loyalty by keyboard: redeem a reward and part of a balance at the counter, refund a sale
and adjust points from the details, keep the rewards catalogue and the rules in Settings."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import DataTable, Input, OptionList, Static

from crmtui.app import CrmApp
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.loyalty import LoyaltyScreen
from crmtui.screens.points_dialogs import AdjustScreen, RefundScreen
from crmtui.screens.redeem import RedeemScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.settings_loyalty import LoyaltySettingsPane
from crmtui.screens.settings_rewards import RewardsPane
from crmtui.services.loyalty.rewards import RewardInput
from crmtui.widgets.card import CustomerCard
from tests.pilot_helpers import notifications, wait_until

SIZE = (120, 40)


def text_of(widget: Static) -> str:
    """What a widget shows, as plain text (tables and groups included)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text().replace("\xa0", " ")


def card_text(app: CrmApp) -> str:
    card = app.screen.query_one(CustomerCard)
    return text_of(card) if card.card is not None else ""


async def pick(pilot, app: CrmApp, query: str) -> None:
    await pilot.press(*query, "enter")
    await wait_until(pilot, lambda: app.screen.query_one(CustomerCard).card is not None, "card")


async def test_redeem_a_reward_at_the_counter(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    coffee = shop.loyalty.save_reward(RewardInput("Free coffee", "50", "free_item", "", "any"))
    shop.loyalty.save_reward(RewardInput("Cake", "500", "free_item", "", "cheesecake"))
    shop.record_sale(anna, 8000, idempotency_key="k")  # 80 points
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pick(pilot, app, "anna")
        await wait_until(pilot, lambda: "Free coffee" in card_text(app), "rewards on the card")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RedeemScreen), "redeem dialog")
        options = app.screen.query_one("#rewards", OptionList)
        await wait_until(pilot, lambda: options.option_count == 2, "rewards listed")
        assert options.get_option_at_index(0).id == str(coffee.id)  # affordable first
        assert options.get_option_at_index(1).disabled  # 500 is out of reach
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 30, "redeemed")
        await wait_until(pilot, lambda: "Redeemed Free coffee" in " ".join(notifications(app)))
        line = shop.ledger_of(anna)[0]
        assert (line.kind, line.delta, line.reward_id) == ("redeem", -50, coffee.id)
        await wait_until(pilot, lambda: "20 points to Free coffee" in card_text(app), "next reward")


async def test_partial_redemption_refuses_too_many_then_takes_some(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    shop.record_sale(anna, 4000, idempotency_key="k")  # 40 points
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pick(pilot, app, "anna")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RedeemScreen), "redeem dialog")
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#points", Input))
        await pilot.press(*"41", "enter")
        error = app.screen.query_one("#redeem-error", Static)
        assert "below zero" in str(error.render())
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("backspace", "backspace", *"15", "tab", *"half a sandwich", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 25, "redeemed")
        assert shop.ledger_of(anna)[0].reason == "points redeemed: half a sandwich"


async def open_details(pilot, app: CrmApp) -> None:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "details")
    await wait_until(pilot, lambda: app.screen.details is not None, "details loaded")


async def test_refund_part_of_a_sale_from_the_details(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    shop.record_sale(anna, 10000, idempotency_key="k")  # 100 points
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pick(pilot, app, "anna")
        await open_details(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RefundScreen), "refund dialog")
        amount = app.screen.query_one("#amount", Input)
        assert amount.value == "100.00"  # the whole remainder is offered
        amount.value = ""
        await pilot.press(*"120", "enter")
        check = text_of(app.screen.query_one("#form-check", Static))
        assert "At most 100,00 zł is left" in check
        amount.value = ""
        await pilot.press(*"25", "tab", *"one cup broke", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 75, "refunded")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await wait_until(pilot, lambda: app.screen.details.sales[0].refunded_minor == 2500)
        line = shop.ledger_of(anna)[0]
        assert (line.kind, line.delta, line.source) == ("reverse", -25, "refund #1 of sale #1")


async def test_manual_adjustment_needs_a_reason(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pick(pilot, app, "anna")
        await open_details(pilot, app)
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, AdjustScreen), "adjust dialog")
        await pilot.press(*"+40", "enter")
        assert "Give a reason" in str(app.screen.query_one("#form-check", Static).render())
        await pilot.press("tab", *"paper stamp card", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 40, "adjusted")
        line = shop.ledger_of(anna)[0]
        assert (line.kind, line.delta, line.reason) == ("adjust", 40, "paper stamp card")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        await pilot.press("2")
        ledger = app.screen.query_one("#detail-ledger-table", DataTable)
        await wait_until(pilot, lambda: ledger.row_count == 1, "ledger view")
        assert str(ledger.get_row_at(0)[5]) == "paper stamp card"


async def test_add_and_retire_a_reward_in_settings(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        app.screen.show_tab("rewards")
        pane = app.screen.query_one(RewardsPane)
        await wait_until(pilot, lambda: pane.loaded, "rewards loaded")
        await pilot.press("n")
        await pilot.press(*"Free coffee", "tab", *"abc")
        await wait_until(
            pilot,
            lambda: (
                "Whole points" in str(pane.query_one("#reward-points_cost-error", Static).render())
            ),
        )
        await pilot.press("ctrl+s")
        assert shop.loyalty.rewards() == []  # refused while a field is wrong
        await pilot.press("backspace", "backspace", "backspace", *"100")
        await pilot.press("tab", "tab", "tab", *"any coffee", "ctrl+s")
        await wait_until(pilot, lambda: len(shop.loyalty.rewards()) == 1, "saved")
        table = pane.query_one("#rewards-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "listed")
        table.focus()
        await pilot.press("x")
        await wait_until(pilot, lambda: not shop.loyalty.rewards()[0].active, "retired")


async def test_rules_are_checked_as_you_type_and_saved(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        app.screen.show_tab("loyalty")
        pane = app.screen.query_one(LoyaltySettingsPane)
        await wait_until(pilot, lambda: pane.stored is not None, "rules loaded")
        box = pane.query_one("#signup_bonus", Input)
        box.focus()
        box.value = "lots"
        await pilot.pause()
        assert "Whole points" in str(pane.query_one("#signup_bonus-error", Static).render())
        box.value = "25"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: shop.loyalty.rules.signup_bonus == 25, "saved")


async def test_the_loyalty_screen_shows_the_program(shop, add_contact):
    anna = add_contact("Anna Nowak")
    shop.record_sale(anna, 60000, idempotency_key="k")
    shop.loyalty.redeem_points(anna, 100)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, LoyaltyScreen), "loyalty")
        members = app.screen.query_one("#loyalty-members", Static)
        await wait_until(pilot, lambda: "Silver" in text_of(members), "overview")
        flows = app.screen.query_one("#loyalty-flows", Static)
        assert "16.7%" in text_of(flows)  # 100 redeemed ÷ 600 issued


async def test_hostile_reward_names_and_reasons_are_shown_literally(shop, add_contact):
    anna = add_contact("Anna [/] Nowak", "602 111 222")
    hostile = "[@click=app.quit]Free[/] 咖啡 😀"
    shop.loyalty.save_reward(RewardInput(hostile, "10", "free_item", "", "[b]any[/b]"))
    rtl = shop.loyalty.check_reward(RewardInput("evil\u202eliF", "10", "free_item", "", "x"))
    assert "control character" in rtl.errors["name"]  # refused, not shown reversed
    shop.record_sale(anna, 5000, idempotency_key="k")
    shop.loyalty.adjust(anna, 5, "[red]gift[/red] " + "x" * 150)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pick(pilot, app, "602111")
        await wait_until(pilot, lambda: "[@click=app.quit]Free[/]" in card_text(app), "card")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RedeemScreen), "redeem dialog")
        options = app.screen.query_one("#rewards", OptionList)
        await wait_until(pilot, lambda: options.option_count == 1, "listed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 45, "redeemed")
        assert app.is_running  # nothing was clicked by a name
        assert shop.ledger_of(anna)[0].reason == f"reward: {hostile}"
