"""Hostile text typed into the customer form: saved literally, or refused with a reason."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from crmtui.app import CrmApp
from crmtui.screens.contact_form import ContactFormScreen
from crmtui.screens.counter import CounterScreen
from crmtui.widgets.card import CustomerCard
from tests.pilot_helpers import wait_until

SIZE = (120, 40)

ACCEPTED = [
    "[/] Ann [@click=app.quit]",
    "[b]Bold[/b] [link=https://x]x[/link]",
    "Ola 👩‍👩‍👧 🎂",
    "Zoë Ångström e\u0301\u0301",
    "王伟 김민준 Արամ",
    "محمد الأحمد",
]
REFUSED = {
    "Ann\x00Lee": "U+0000",
    "Ann\u202eeeL": "U+202E",
    "Bell\x07": "U+0007",
    "Esc\x1b[31mred": "U+001B",
}


async def _open_form(app: CrmApp, pilot) -> ContactFormScreen:
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactFormScreen))
    return app.screen


@pytest.mark.parametrize("name", ACCEPTED)
async def test_odd_but_valid_names_are_saved_and_shown_literally(shop, name):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot)
        form.query_one("#full_name", Input).value = name
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), what="saved")
        card = app.screen.query_one("#card", CustomerCard)
        await wait_until(pilot, lambda: card.card is not None, what="card")
        assert card.card.full_name == name
        assert card._border_title.plain == name
        assert app.is_running
    assert [c.full_name for c in shop.list_contacts().rows] == [name]


@pytest.mark.parametrize(("name", "code"), REFUSED.items())
async def test_control_characters_are_refused_with_the_reason(shop, name, code):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot)
        form.query_one("#full_name", Input).value = name
        await pilot.pause()
        error = str(form.query_one("#full_name-error", Static).render())
        assert "control character" in error and code in error
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactFormScreen)
        assert form.query_one("#full_name", Input).value == name  # nothing typed is lost
    assert shop.list_contacts().total == 0


async def test_ten_thousand_characters_are_refused_in_a_name_but_kept_in_notes(shop):
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_form(app, pilot)
        form.query_one("#full_name", Input).value = "A" * 10_000
        await pilot.pause()
        error = str(form.query_one("#full_name-error", Static).render())
        assert "At most 200 characters (10,000 typed)" in error
        form.query_one("#full_name", Input).value = "Long Notes"
        form.query_one("#notes").text = "n" * 10_000
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), what="saved")
    (person,) = shop.list_contacts().rows
    assert len(shop.card(person.id).notes) == 10_000
