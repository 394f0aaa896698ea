"""The duplicate review queue and erasing a person, by keyboard."""

from __future__ import annotations

from textual.widgets import DataTable

from crmtui.app import CrmApp
from crmtui.screens.confirm import ConfirmScreen
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.erase_dialog import EraseDialog
from crmtui.screens.merge import MergeScreen
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from tests.pilot_helpers import wait_until

SIZE = (120, 40)


def merge_status(app: CrmApp) -> str:
    return str(app.screen.query_one("#merge-status").render())


async def open_merge_queue(pilot, app: CrmApp) -> None:
    """F3, then m: the merge review queue, once it has found its one pair."""
    await pilot.press("f3")
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(app.screen, MergeScreen), "merge screen")
    await wait_until(pilot, lambda: "1 possible" in merge_status(app), "pairs")


async def test_merge_a_pair_choosing_the_others_email_then_undo(shop: Shop) -> None:
    older = shop.create_contact(
        ContactInput(full_name="Anna Nowak", phone="601 234 567", email="old@example.com")
    )
    newer = shop.create_contact(
        ContactInput(full_name="[/] Ania", phone="601 234 567", email="new@example.com")
    )
    shop.record_sale(newer, 2000, idempotency_key="k1")
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_merge_queue(pilot, app)
        screen = app.screen
        fields = screen.query_one("#merge-fields", DataTable)
        await pilot.press("space")  # first space moves to the field list
        assert fields.has_focus
        await pilot.press("down", "down", "down", "space")  # the email row
        assert screen.take_other == {"email"}
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: "No likely duplicates" in merge_status(app), "merged")
        card = shop.card(older)
        assert (card.email, card.points_balance, card.visits) == ("new@example.com", 20, 1)
        await pilot.press("z")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm undo")
        await pilot.press("y")
        await wait_until(pilot, lambda: "1 possible" in merge_status(app), "undone")
    assert shop.card(older).email == "old@example.com"
    assert shop.card(newer).points_balance == 20


async def test_erase_needs_the_word_and_escape_keeps_them(shop: Shop) -> None:
    person = shop.create_contact(ContactInput(full_name="Marker Person", phone="601 234 567"))
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(person)
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "detail")
        await wait_until(pilot, lambda: app.screen.card is not None, "card")
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EraseDialog), "dialog")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen), "kept")
        assert shop.card(person).full_name == "Marker Person"
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EraseDialog), "dialog again")
        await pilot.press(*"erase", "enter")  # lower case is not enough
        assert isinstance(app.screen, EraseDialog)
        app.screen.query_one("#erase-word").value = ""
        await pilot.press(*"ERASE", "enter")
        await wait_until(pilot, lambda: shop.card(person).full_name == "Erased customer", "erased")


async def test_two_records_with_one_name_are_told_apart_in_the_question(shop: Shop) -> None:
    older = shop.create_contact(ContactInput(full_name="Käthe Krüger", phone="601 234 567"))
    newer = shop.create_contact(ContactInput(full_name="Käthe Krüger"))
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_merge_queue(pilot, app)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        question = str(app.screen.query_one("#question").render())
        assert f"Käthe Krüger (customer #{newer}, no phone) into Käthe Krüger" in question
        assert f"(customer #{older}, 601 234 567)" in question
