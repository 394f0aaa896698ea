"""Referrals by keyboard: a new customer with a code, their first sale rewards both; the F6
screen's list, filter, leaderboard and tree; a referrer recorded later from the details;
the settings tab; hostile names shown literally."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from crmtui.app import CrmApp
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.contact_form import ContactFormScreen
from crmtui.screens.counter import CounterScreen
from crmtui.screens.referrals import ReferralsScreen
from crmtui.screens.referrer_dialog import ReferrerScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.settings_referrals import ReferralSettingsPane
from crmtui.services.validation import ContactInput
from crmtui.widgets.card import CustomerCard
from crmtui.widgets.referral_tree import ReferralTree
from tests.pilot_helpers import notifications, wait_until

SIZE = (120, 40)
HOSTILE = "[/] Ann [@click=app.quit]"


def status_text(app: CrmApp, selector: str) -> str:
    """The text of a Static on the current screen ("" until that screen has composed)."""
    found = app.screen.query(selector)
    return str(found.first(Static).render()) if found else ""


def column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_new_customer_with_a_code_then_first_sale_rewards_both(shop, add_contact):
    anna = add_contact("Anna Nowak", "601 234 567")
    code = shop.card(anna).referral_code
    anna_before = shop.card(anna).points_balance
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"Bob Lee")
        await wait_until(pilot, lambda: app.screen.results_query == "Bob Lee", "search")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen), "form")
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # phone → … → referred by
        assert app.focused is app.screen.query_one("#referred_by", Input)
        await pilot.press(*f"{code[:3].lower()} {code[3:]}")
        await wait_until(
            pilot, lambda: "→ Anna Nowak" in status_text(app, "#referred_by-status"), "resolve"
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), "saved")
        card = app.screen.query_one("#card", CustomerCard)
        await wait_until(pilot, lambda: card.card is not None, "Bob's card")
        bob = card.card.id
        assert any("Referred by Anna Nowak" in text for text in notifications(app))
        bob_before = shop.card(bob).points_balance
        await wait_until(pilot, lambda: app.screen.results_query == "Bob Lee", "results")
        await pilot.pause()
        if app.focused is app.screen.query_one("#search"):
            # The counter may hand focus back to the search box when the form closes (see the
            # report); Enter there picks the highlighted match, Bob, as the owner would.
            await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#amount"), "amount")
        await pilot.press(*"20", "enter")
        await wait_until(pilot, lambda: len(shop.sales_of(bob)) == 1, "sale")
        earned = shop.sales_of(bob)[0].points_earned
        assert shop.card(bob).points_balance == bob_before + earned + 50
        assert shop.card(anna).points_balance == anna_before + 100
        await wait_until(
            pilot, lambda: card.card.points_balance == bob_before + earned + 50, "card balance"
        )


async def test_an_unknown_code_blocks_saving_and_says_why(shop, add_contact):
    add_contact("Anna Nowak")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen), "form")
        await pilot.press(*"Cleo")
        app.screen.query_one("#referred_by", Input).focus()
        await pilot.press(*"QQQQQQ")
        await wait_until(
            pilot,
            lambda: "No customer has the code QQQQQQ" in status_text(app, "#referred_by-status"),
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactFormScreen)  # still open, nothing saved
        assert shop.search("Cleo") == []


def _referrals(shop, add_contact) -> dict[str, int]:
    anna = add_contact("Anna Nowak")
    hostile = add_contact(HOSTILE)
    code = shop.card(anna).referral_code
    people = {"anna": anna, "hostile": hostile}
    for name in ("Bob Lee", "Cleo Park"):
        people[name] = shop.create_contact(ContactInput(full_name=name, referred_by=code))
    people["dan"] = shop.create_contact(
        ContactInput(full_name="Dan Roe", referred_by=shop.card(people["Bob Lee"]).referral_code)
    )
    people["eve"] = shop.create_contact(
        ContactInput(full_name="Eve Ash", referred_by=shop.card(hostile).referral_code)
    )
    shop.referrals.record(anna, shop.card(anna).referral_code)  # rejected: self-referral
    shop.record_sale(people["Bob Lee"], 2500, idempotency_key="bob-1")
    shop.record_sale(people["eve"], 1000, idempotency_key="eve-1")
    return people


async def test_referrals_screen_list_filter_board_and_tree(shop, add_contact):
    people = _referrals(shop, add_contact)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ReferralsScreen), "F6")
        screen = app.screen
        await wait_until(pilot, lambda: screen.ref_page is not None, "list")
        table = screen.query_one("#ref-table", DataTable)
        assert table.row_count == 5
        assert HOSTILE in column(table, 1)  # literally, not as markup
        summary = status_text(app, "#ref-summary")
        assert "50% = 2 qualified ÷ 4 recorded" in summary and "1 rejected" in summary
        await pilot.press("f")  # pending
        await wait_until(pilot, lambda: screen.status_filter == "pending" and table.row_count == 2)
        assert set(column(table, 2)) == {"Cleo Park", "Dan Roe"}
        await pilot.press("f", "f", "f")  # rejected
        await wait_until(
            pilot, lambda: screen.ref_page.rows and screen.ref_page.rows[0].status == "rejected"
        )
        assert "cannot refer themselves" in column(table, 4)[0]

        await pilot.press("2")
        board = screen.query_one("#board-table", DataTable)
        assert column(board, 1) == ["Anna Nowak", HOSTILE]  # tie on 1: more revenue first
        await pilot.press("t")
        tree = screen.query_one(ReferralTree)
        await wait_until(pilot, lambda: screen.tree_root is not None, "tree")
        assert screen.tree_root.person.id == people["anna"]
        labels = [str(node.label) for node in tree.root.children]
        assert labels[0].startswith("Bob Lee  rewarded · brought 1")
        assert str(tree.root.children[0].children[0].label).startswith("Dan Roe  pending")

        await pilot.press("3")
        await pilot.press(*"Ann [")
        await wait_until(pilot, lambda: screen.matches, "search for the tree")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.tree_root.person.id == people["hostile"])
        assert str(tree.root.label).startswith(HOSTILE)

        search = screen.query_one("#tree-search", Input)
        search.focus()
        search.value = ""
        await pilot.press(*"Nowak")  # ↓ steps from the box into the matches
        await wait_until(pilot, lambda: screen.matches, "matches for the tree")
        await pilot.press("down")
        assert app.focused is screen.query_one("#tree-matches", DataTable)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.tree_root.person.id == people["anna"])


async def test_detail_records_a_referrer_later_and_shows_both_directions(shop, add_contact):
    anna, bob = add_contact("Anna Nowak"), add_contact("Bob Lee")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(bob)
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "detail")
        line = lambda: status_text(app, "#detail-referrals")  # noqa: E731
        await wait_until(pilot, lambda: "b records who did" in line(), "referral line")
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, ReferrerScreen), "dialog")
        await pilot.press(*"nowak")
        await wait_until(pilot, lambda: "→ Anna Nowak" in status_text(app, "#referrer-status"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "closed")
        await wait_until(pilot, lambda: "Referred by Anna Nowak (pending)" in line(), "shown")
        app.pop_screen()
        app.open_contact(anna)
        await wait_until(pilot, lambda: "Referred 1: Bob Lee (pending)" in line(), "anna's")
        await pilot.press("w")
        await wait_until(pilot, lambda: app.screen.query(ReferralTree), "tree dialog")
        tree = app.screen.query_one(ReferralTree)
        assert str(tree.root.children[0].label).startswith("Bob Lee  pending")


async def test_settings_tab_checks_as_you_type_and_saves(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        pane = app.screen.query_one(ReferralSettingsPane)
        await wait_until(pilot, lambda: pane.stored is not None, "loaded")
        app.screen.query_one("#settings-tabs").active = "tab-referrals"
        await pilot.pause()
        box = app.screen.query_one("#ref-referrer_points", Input)
        box.focus()
        box.value = ""
        await pilot.press(*"12x")
        await pilot.pause()
        error = app.screen.query_one("#ref-referrer_points-error", Static)
        assert "whole number" in str(error.render())
        await pilot.press("backspace")
        app.screen.query_one("#ref-min_amount", Input).focus()
        await pilot.press(*"30,00")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: shop.referrals.rules().referrer_points == 12, "saved")
        assert shop.referrals.rules().min_amount_minor == 3000


async def test_hostile_text_in_the_referrer_dialog_is_shown_literally(shop, add_contact):
    bob = add_contact("Bob Lee")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(bob)
        await wait_until(
            pilot, lambda: "b records who did" in status_text(app, "#detail-referrals")
        )
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, ReferrerScreen), "dialog")
        await pilot.press(*"[@click=app.quit] 王")
        await wait_until(
            pilot, lambda: "“[@click=app.quit] 王”" in status_text(app, "#referrer-status")
        )
        await pilot.press("enter")  # refused with the message; nothing recorded, no quit
        await pilot.pause()
        assert isinstance(app.screen, ReferrerScreen) and app.is_running
        assert shop.referrals.list().total == 0


async def test_an_empty_shop_shows_empty_states_and_every_key_is_safe(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await wait_until(pilot, lambda: getattr(app.screen, "ref_page", None) is not None)
        assert "no referrals recorded yet" in status_text(app, "#ref-summary")
        assert "No referrals yet." in status_text(app, "#ref-filter")
        await pilot.press("t", "o", "right_square_bracket", "f", "2", "t", "o", "3", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReferralsScreen) and app.is_running
        assert "No qualified referrals yet" in status_text(app, "#board-note")
