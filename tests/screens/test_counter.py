"""The counter loop by keyboard: find, sell, see the balance, undo; and a new customer."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from crmtui.app import CrmApp
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.contact_form import ContactFormScreen
from crmtui.screens.counter import CounterScreen
from crmtui.widgets.card import CustomerCard
from tests.pilot_helpers import notifications, wait_until

SIZE = (120, 40)


def _rows(app: CrmApp) -> list[str]:
    table = app.screen.query_one("#results", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def _card(app: CrmApp) -> CustomerCard:
    return app.screen.query_one("#card", CustomerCard)


async def test_search_box_has_focus_at_start(shop, add_contact):
    add_contact("Łukasz Kowalski", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, CounterScreen)
        assert app.focused is app.screen.query_one("#search", Input)


async def test_find_sell_balance_and_undo(shop, add_contact):
    lukasz = add_contact("Łukasz Kowalski", "601 234 567")
    add_contact("Anna Kowalczyk", "602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"4567")
        await wait_until(pilot, lambda: _rows(app) == ["Łukasz Kowalski"], what="phone match")
        await pilot.press("enter")
        await wait_until(pilot, lambda: _card(app).card is not None, what="the card")
        assert _card(app).card.id == lukasz
        assert app.focused is app.screen.query_one("#amount", Input)

        await pilot.press(*"12,50", "enter")
        await wait_until(pilot, lambda: shop.card(lukasz).points_balance == 12, what="sale")
        await wait_until(pilot, lambda: _card(app).card.points_balance == 12, what="card")
        assert any("balance 12" in text for text in notifications(app))
        assert app.screen.query_one("#amount", Input).value == ""
        assert len(shop.sales_of(lukasz)) == 1

        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(lukasz).points_balance == 0, what="undo")
        sales = shop.sales_of(lukasz)
        assert len(sales) == 1 and sales[0].voided_at is not None  # voided, not deleted
        kinds = [line.kind for line in shop.ledger_of(lukasz)]
        assert kinds == ["reverse", "earn"]
        await wait_until(pilot, lambda: _card(app).card.points_balance == 0, what="card")


async def test_undo_is_refused_by_default(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"anna", "enter")
        await wait_until(pilot, lambda: _card(app).card is not None)
        await pilot.press(*"20", "enter")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 20)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # the focused button is "No"
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen))
        await pilot.pause()
        assert shop.card(anna).points_balance == 20
        assert shop.sales_of(anna)[0].voided_at is None


async def test_enter_twice_records_one_sale(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nowak", "enter")
        await wait_until(pilot, lambda: _card(app).card is not None)
        await pilot.press(*"9.99", "enter", "enter")
        await wait_until(pilot, lambda: len(shop.sales_of(anna)) >= 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(shop.sales_of(anna)) == 1
        assert shop.card(anna).points_balance == 9


async def test_bad_amount_is_explained_and_nothing_recorded(shop, add_contact):
    anna = add_contact("Anna Nowak", "602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"anna", "enter")
        await wait_until(pilot, lambda: _card(app).card is not None)
        await pilot.press(*"1.2345", "enter")
        await pilot.pause()
        status = str(app.screen.query_one("#amount-status").render())
        assert "At most 2 decimals" in status
        await pilot.press("ctrl+u", *"abc", "enter")
        await pilot.pause()
        assert "not an amount" in str(app.screen.query_one("#amount-status").render())
        assert shop.sales_of(anna) == []


async def test_new_customer_prefilled_from_search_and_validated(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"Zofia Wójcik")
        await wait_until(pilot, lambda: app.screen.results_query == "Zofia Wójcik")
        await pilot.press("enter")  # nothing matches: Enter opens the new-customer form
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        form = app.screen
        assert form.query_one("#full_name", Input).value == "Zofia Wójcik"
        assert app.focused is form.query_one("#phone", Input)

        await pilot.press(*"12")
        await pilot.pause()
        assert "too short" in str(form.query_one("#phone-error").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactFormScreen)  # refused while a field is wrong

        await pilot.press("ctrl+u", *"601 999 888")
        await pilot.pause()
        assert str(form.query_one("#phone-error").render()).strip() == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), what="saved")
        await wait_until(pilot, lambda: _card(app).card is not None, what="card")
        card = _card(app).card
        assert card.full_name == "Zofia Wójcik"
        assert card.phone_e164 == "+48601999888"


async def test_digits_prefill_the_phone(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"601 555 444")
        await wait_until(pilot, lambda: app.screen.results_query == "601 555 444")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        assert app.screen.query_one("#phone", Input).value == "601 555 444"
        assert app.screen.query_one("#full_name", Input).value == ""
        assert app.focused is app.screen.query_one("#full_name", Input)


async def test_duplicate_phone_is_flagged_and_opens_the_existing_customer(shop, add_contact):
    existing = add_contact("Łukasz Kowalski", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        await pilot.press(*"Lukas K", "tab", *"+48 601 234 567")
        await wait_until(
            pilot,
            lambda: (
                "already belongs to Łukasz Kowalski"
                in str(app.screen.query_one("#duplicates").render())
            ),
            what="duplicate warning",
        )
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen))
        await wait_until(pilot, lambda: _card(app).card is not None)
        assert _card(app).card.id == existing
        assert len(shop.list_contacts().rows) == 1  # nothing was duplicated


async def test_cancelling_a_typed_form_asks_first(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        await pilot.press(*"Half typed")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # keep editing
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        assert app.screen.query_one("#full_name", Input).value == "Half typed"


async def test_hostile_names_are_shown_literally(shop, add_contact):
    add_contact("[/] Ann [@click=app.quit]")
    add_contact("[b]Bold[/b] 👩‍👩‍👧 王伟")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"ann")
        await wait_until(pilot, lambda: _rows(app) == ["[/] Ann [@click=app.quit]"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: _card(app).card is not None)
        assert _card(app)._border_title.plain == "[/] Ann [@click=app.quit]"
        await pilot.press("escape", "ctrl+u", *"wang")
        await wait_until(pilot, lambda: _rows(app) == ["[b]Bold[/b] 👩‍👩‍👧 王伟"])
        assert app.is_running


async def test_palette_jumps_to_a_customer(shop, add_contact):
    lukasz = add_contact("Łukasz Kowalski", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"lukasz")
        from textual.command import CommandPalette

        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        await wait_until(
            pilot, lambda: palette.query("CommandList").first().option_count > 0, what="hits"
        )
        await pilot.press("enter")
        from crmtui.screens.contact_detail import ContactDetailScreen

        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
        assert app.screen.contact_id == lukasz


async def test_help_lists_every_screen_key(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        from crmtui.screens.help import HelpScreen

        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = {description for rows in app.screen.sections.values() for _, description in rows}
        for description in ("New customer", "Undo sale", "Contacts", "Settings", "Quit", "Save"):
            assert description in listed
        assert ("^z", "Undo sale") in app.screen.sections["Counter"]


async def test_palette_offers_the_screen_actions_and_runs_them(shop, add_contact):
    add_contact("Łukasz Kowalski", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"new cust")
        from textual.command import CommandPalette

        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        options = palette.query("CommandList").first()
        await wait_until(pilot, lambda: options.option_count > 0, what="hits")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts[0].startswith("New customer"), prompts
        assert not any("Select line" in p for p in prompts)  # widget internals stay out
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen), what="form")


async def test_a_known_phone_is_flagged_before_the_name_is_typed(shop, add_contact):
    """Digits typed at the counter prefill the phone; the owner learns at once whose it is."""
    add_contact("Łukasz Kowalski", "601 234 567")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"+48 601 234 567")
        await wait_until(pilot, lambda: app.screen.results_query == "+48 601 234 567")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        assert app.screen.query_one("#full_name", Input).value == ""
        await wait_until(
            pilot,
            lambda: (
                "already belongs to Łukasz Kowalski"
                in str(app.screen.query_one("#duplicates").render())
            ),
            what="duplicate warning with the name still empty",
        )


async def test_a_new_customer_is_ready_to_sell_to_at_once(shop):
    """Adding a customer at the counter ends in the amount box: the sale is the next step."""
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        await pilot.press(*"Adam Nowy", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen))
        await wait_until(pilot, lambda: _card(app).card is not None, what="the new card")
        for _ in range(5):
            await pilot.pause()
        assert app.focused is app.screen.query_one("#amount", Input)
        await pilot.press(*"12.50", "enter")
        await wait_until(pilot, lambda: _card(app).card.visits == 1, what="the sale")
