"""Contacts list and customer details, driven with the keyboard on a real SQLite file."""

from __future__ import annotations

import uuid

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from crmtui.app import CrmApp
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.contact_form import ContactFormScreen
from crmtui.screens.contacts import ContactsScreen, ContactTable
from crmtui.screens.counter import CounterScreen
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from crmtui.widgets.card import CustomerCard
from tests.pilot_helpers import wait_until

SIZE = (120, 40)
TRICKY = "[/] Ann [@click=app.quit]"


# -- helpers ---------------------------------------------------------------------------------
def add(shop: Shop, name: str, *, phone: str = "", tags: str = "") -> int:
    return shop.create_contact(ContactInput(full_name=name, phone=phone, tags=tags))


def sell(shop: Shop, contact_id: int, amount_minor: int) -> None:
    shop.record_sale(contact_id, amount_minor, idempotency_key=uuid.uuid4().hex)


def contacts(app: CrmApp) -> ContactsScreen:
    screen = app.screen
    assert isinstance(screen, ContactsScreen), screen
    return screen


def status(app: CrmApp) -> str:
    return str(contacts(app).query_one("#contacts-status").render())


def names(app: CrmApp) -> list[str]:
    table = contacts(app).query_one(ContactTable)
    return [table.get_row_at(row)[0].plain for row in range(table.row_count)]


def highlighted_name(app: CrmApp) -> str:
    person = contacts(app).highlighted()
    assert person is not None
    return person.full_name


async def open_contacts(pilot: Pilot[object], app: CrmApp, expect: str) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "contacts screen")
    await wait_until(pilot, lambda: expect in status(app), f"status {expect!r}")


async def quiet(pilot: Pilot[object], app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def detail(app: CrmApp) -> ContactDetailScreen:
    screen = app.screen
    assert isinstance(screen, ContactDetailScreen), screen
    return screen


async def open_detail_of(pilot: Pilot[object], app: CrmApp, name: str) -> ContactDetailScreen:
    screen = contacts(app)
    row = names(app).index(name)
    screen.query_one(ContactTable).move_cursor(row=row)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "detail")
    await wait_until(pilot, lambda: detail(app).card is not None, "detail loaded")
    return detail(app)


def cells(table: DataTable[object], column: int) -> list[str]:
    return [
        str(table.get_row_at(row)[column]).replace("\xa0", " ") for row in range(table.row_count)
    ]


@pytest.fixture
def many(shop: Shop) -> Shop:
    """120 customers, named so the sort order is obvious: Customer 000 … Customer 119."""
    for number in range(120):
        add(shop, f"Customer {number:03d}", tags="vip" if number % 40 == 0 else "")
    return shop


# -- the list --------------------------------------------------------------------------------
async def test_pages_forward_and_back_with_brackets(many: Shop) -> None:
    app = CrmApp(shop=many)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–50 of 120")
        assert len(names(app)) == 50
        assert names(app)[0] == "Customer 000"
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "51–100 of 120" in status(app), "second page")
        assert names(app)[0] == "Customer 050"
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "101–120 of 120" in status(app), "last page")
        assert len(names(app)) == 20
        await pilot.press("right_square_bracket")  # no further page: nothing happens
        await quiet(pilot, app)
        assert "101–120 of 120" in status(app)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "51–100 of 120" in status(app), "back a page")
        assert names(app)[-1] == "Customer 099"


async def test_search_is_live_and_escape_returns_to_the_table(shop: Shop) -> None:
    add(shop, "Anna Nowak", phone="601 234 567")
    add(shop, "Jan Nowak")
    add(shop, "Zofia Wójcik", phone="602 111 222")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–3 of 3")
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"nowak")
        await wait_until(pilot, lambda: names(app) == ["Anna Nowak", "Jan Nowak"], "nowak")
        assert "matching “nowak”" in status(app)
        search = contacts(app).query_one("#contacts-search", Input)
        search.value = "4567"  # the end of a phone number
        await wait_until(pilot, lambda: names(app) == ["Anna Nowak"], "phone fragment")
        await pilot.press("escape")
        assert isinstance(app.focused, ContactTable)
        await pilot.press("escape")  # from the table, Escape clears the search
        await wait_until(pilot, lambda: len(names(app)) == 3, "search cleared")


async def test_tag_filter(many: Shop) -> None:
    app = CrmApp(shop=many)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "of 120")
        select = contacts(app).query_one("#contacts-tag", Select)
        await wait_until(pilot, lambda: len(select._options) > 1, "tags loaded")
        await pilot.press("t")
        assert select.expanded
        await wait_until(pilot, lambda: type(app.focused).__name__ == "SelectOverlay", "menu")
        await pilot.press("down", "down", "enter")  # past "All tags" to the most used tag
        await wait_until(pilot, lambda: "1–3 of 3" in status(app), "tag filter")
        assert names(app) == ["Customer 000", "Customer 040", "Customer 080"]
        assert "tagged “vip”" in status(app)
        assert isinstance(app.focused, ContactTable)
        select.value = Select.NULL
        await wait_until(pilot, lambda: "1–50 of 120" in status(app), "all tags again")


async def test_archive_asks_first_and_no_is_the_default(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak")
    add(shop, "Bob Stone")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–2 of 2")
        assert highlighted_name(app) == "Anna Nowak"
        for refusal in ("escape", "n", "enter"):  # Enter presses the focused No button
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
            await pilot.press(refusal)
            await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "closed")
            await quiet(pilot, app)
            assert shop.card(anna).archived_at is None, refusal

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: names(app) == ["Bob Stone"], "archived leaves the list")
        assert shop.card(anna).archived_at is not None

        await pilot.press("h")  # show archived: Anna is back, marked
        await wait_until(pilot, lambda: len(names(app)) == 2, "archived shown")
        table = contacts(app).query_one(ContactTable)
        assert str(table.get_row_at(0)[-1]) == "archived"
        assert str(table.get_row_at(1)[-1]) == ""
        assert "including archived" in status(app)

        table.move_cursor(row=0)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).archived_at is None, "unarchived")
        await wait_until(
            pilot, lambda: str(table.get_row_at(0)[-1]) == "", "marker gone after refresh"
        )
        assert highlighted_name(app) == "Anna Nowak"  # the cursor stayed on her


async def test_new_customer_from_the_list(shop: Shop) -> None:
    add(shop, "Anna Nowak")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen), "form")
        await pilot.press(*"Bob Stone")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Bob Stone" in names(app), "new row")
        assert highlighted_name(app) == "Bob Stone"


async def test_sell_jumps_to_the_counter_with_the_customer(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), "counter")
        counter = app.screen
        assert isinstance(counter, CounterScreen)
        assert counter.selected_id == anna


# -- details ---------------------------------------------------------------------------------
async def test_detail_shows_sales_and_points_history(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak", phone="601 234 567")
    sell(shop, anna, 1250)
    sell(shop, anna, 3000)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        screen = await open_detail_of(pilot, app, "Anna Nowak")
        sales = screen.query_one("#detail-sales-table", DataTable)
        assert cells(sales, 0) == ["2026-11-23 10:00", "2026-11-23 10:00"]
        assert cells(sales, 1) == ["30,00 zł", "12,50 zł"]
        assert cells(sales, 2) == ["30", "12"]
        ledger = screen.query_one("#detail-ledger-table", DataTable)
        assert cells(ledger, 1) == ["earn", "earn"]
        assert cells(ledger, 2) == ["+30", "+12"]
        assert cells(ledger, 3) == ["42", "12"]
        await pilot.press("2")
        assert app.focused is ledger
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "back")


async def test_void_from_detail(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak")
    sell(shop, anna, 1250)
    sell(shop, anna, 3000)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        screen = await open_detail_of(pilot, app, "Anna Nowak")
        sales = screen.query_one("#detail-sales-table", DataTable)
        sales.move_cursor(row=1)  # the 12,50 zł sale
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("escape")  # No: nothing happens
        await quiet(pilot, app)
        assert shop.card(anna).points_balance == 42
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).points_balance == 30, "voided")
        await wait_until(pilot, lambda: "voided" in cells(sales, 3)[1], "marker")
        assert cells(sales, 3)[0] == ""
        assert sales.cursor_row == 1  # still on the voided sale
        ledger = screen.query_one("#detail-ledger-table", DataTable)
        await wait_until(pilot, lambda: ledger.row_count == 3, "reverse entry")
        assert cells(ledger, 1)[0] == "reverse"
        assert cells(ledger, 2)[0] == "-12"
        assert "voided from details" in cells(ledger, 5)[0]

        await pilot.press("v")  # the same sale again: a clear message, no dialog
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("already voided" in m for m in messages), messages


async def test_edit_and_archive_from_detail(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        screen = await open_detail_of(pilot, app, "Anna Nowak")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen), "form")
        name = app.screen.query_one("#full_name", Input)
        assert name.value == "Anna Nowak"
        name.value = "Anna Kowalska"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, "form closed")
        card = screen.query_one(CustomerCard)
        await wait_until(pilot, lambda: card.border_title == "Anna Kowalska", "card updated")
        assert shop.card(anna).full_name == "Anna Kowalska"

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: shop.card(anna).archived_at is not None, "archived")
        line = screen.query_one("#detail-status")
        await wait_until(pilot, lambda: "archived" in str(line.render()), "says archived")
        assert detail(app).card.archived_at is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: "No customers yet" in status(app), "list refreshed")


async def test_markup_in_a_name_is_shown_literally(shop: Shop) -> None:
    tricky = add(shop, TRICKY, tags="[b]bold")
    sell(shop, tricky, 1000)
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "1–1 of 1")
        # Literal, cut to the column's 24 cells (the details show it whole, below).
        shown = TRICKY[:23] + "…"
        assert names(app) == [shown]
        table = contacts(app).query_one(ContactTable)
        assert str(table.get_row_at(0)[3]) == "[b]bold"
        select = contacts(app).query_one("#contacts-tag", Select)
        await wait_until(pilot, lambda: len(select._options) > 1, "tags loaded")
        screen = await open_detail_of(pilot, app, shown)
        card = screen.query_one(CustomerCard)
        assert card.border_title is not None
        assert Content.from_markup(card.border_title).plain == TRICKY
        await pilot.press("a")  # the question quotes the name: still literal
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        assert TRICKY in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        assert shop.card(tricky).archived_at is None


async def test_the_list_shows_when_each_customer_was_last_contacted(shop: Shop) -> None:
    anna = add(shop, "Anna Nowak")
    add(shop, "Bob Stone")
    shop.followups.log(anna, "call", "Asked about the catering order")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot, app, "of 2")
        table = contacts(app).query_one(ContactTable)
        contacted = {
            table.get_row_at(row)[0].plain: str(table.get_row_at(row)[6])
            for row in range(table.row_count)
        }
        assert contacted == {"Anna Nowak": "today", "Bob Stone": "never"}
