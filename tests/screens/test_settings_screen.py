"""Settings: checked as you type, saved with ctrl+s, reverted with Escape, persisted in the file."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from crmtui.app import CrmApp
from crmtui.db.schema import HEAD_REVISION
from crmtui.screens.counter import CounterScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.settings_shop import ShopSettingsPane
from crmtui.services.shop import Shop
from tests.pilot_helpers import wait_until

SIZE = (120, 40)


def settings_screen(app: CrmApp) -> SettingsScreen:
    screen = app.screen
    assert isinstance(screen, SettingsScreen), screen
    return screen


def shop_pane(app: CrmApp) -> ShopSettingsPane:
    return settings_screen(app).query_one(ShopSettingsPane)


def field(app: CrmApp, name: str) -> Input:
    return settings_screen(app).query_one(f"#{name}", Input)


def text_of(app: CrmApp, selector: str) -> str:
    widget = settings_screen(app).query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


def error_of(app: CrmApp, name: str) -> str:
    """The message under a field, or "" when the field is fine (the line is then hidden)."""
    error = settings_screen(app).query_one(f"#{name}-error", Static)
    return "" if error.has_class("-ok") else str(error.render())


def messages(app: CrmApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_settings(pilot: Pilot[object], app: CrmApp) -> None:
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
    await wait_until(pilot, lambda: shop_pane(app).stored is not None, "loaded")
    await pilot.pause()


async def retype(pilot: Pilot[object], app: CrmApp, name: str, text: str) -> None:
    """Focus a field, select what is there and type over it, as the owner would."""
    box = field(app, name)
    box.focus()
    await pilot.pause()
    box.select_all()
    await pilot.press("backspace", *text)


async def test_shows_the_stored_values_and_facts(shop: Shop, db_path: Path) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        assert field(app, "shop_name").value == "Test Café"
        assert field(app, "currency").value == "PLN"
        assert field(app, "phone_region").value == "PL"
        assert field(app, "points_per_unit").value == "1"
        facts = text_of(app, "#settings-facts")
        assert str(db_path) in facts
        assert f"Schema revision   {HEAD_REVISION}" in facts
        assert "12.50 PLN earns 12 points" in facts
        assert "Everything shown is saved" in text_of(app, "#settings-state")


async def test_each_field_says_what_is_wrong_as_you_type(shop: Shop) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await retype(pilot, app, "currency", "zz")
        await wait_until(pilot, lambda: error_of(app, "currency"), "currency message")
        assert error_of(app, "currency") == (
            "Use a 3-letter ISO 4217 code such as EUR, GBP, PLN, USD"
        )
        await retype(pilot, app, "phone_region", "Poland")
        assert error_of(app, "phone_region") == (
            "Use a 2-letter country code such as PL, GB, US, AM"
        )
        await retype(pilot, app, "points_per_unit", "0.125")
        assert error_of(app, "points_per_unit") == "At most 2 decimals, e.g. 0.25"
        assert error_of(app, "shop_name") == ""
        assert "3 field(s) need fixing" in text_of(app, "#settings-state")

        await pilot.press("ctrl+s")  # refused: nothing is written
        await pilot.pause()
        assert any("need fixing" in m for m in messages(app))
        await app.workers.wait_for_complete()
        assert shop.settings.currency == "PLN"
        assert app.focused is field(app, "currency")  # the first problem gets the cursor

        await retype(pilot, app, "currency", "eur")
        assert error_of(app, "currency") == ""


async def test_escape_puts_the_stored_values_back(shop: Shop) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await retype(pilot, app, "shop_name", "Other")
        await retype(pilot, app, "currency", "x")
        assert "need fixing" in text_of(app, "#settings-state")
        await pilot.press("escape")
        assert field(app, "shop_name").value == "Test Café"
        assert field(app, "currency").value == "PLN"
        assert error_of(app, "currency") == ""
        assert "Everything shown is saved" in text_of(app, "#settings-state")


async def test_save_persists_in_the_file(shop: Shop, db_path: Path) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await retype(pilot, app, "shop_name", "Bike Corner")
        await retype(pilot, app, "currency", "eur")
        await retype(pilot, app, "points_per_unit", "0,5")
        await wait_until(
            pilot, lambda: "12.50 EUR earns 6 points" in text_of(app, "#settings-facts"), "example"
        )
        assert "Unsaved changes" in text_of(app, "#settings-state")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Settings saved." in messages(app), "saved")
        assert field(app, "currency").value == "EUR"  # shown as stored
        assert field(app, "points_per_unit").value == "0.5"
        assert "Everything shown is saved" in text_of(app, "#settings-state")
        assert settings_screen(app).sub_title == "Bike Corner · Settings"
        # Everything that formats money reads the Shop's cached settings, now EUR.
        assert shop.format_money(1250).replace("\xa0", " ") in ("12,50 €", "€12.50")

    reopened = Shop.open(db_path)
    try:
        stored = reopened.settings
        assert (stored.shop_name, stored.currency, stored.phone_region) == (
            "Bike Corner",
            "EUR",
            "PL",
        )
        assert stored.points_per_unit == "0.5"
    finally:
        reopened.close()


async def test_counter_title_follows_saved_settings(shop: Shop) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await retype(pilot, app, "shop_name", "Bike Corner")
        await retype(pilot, app, "currency", "EUR")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Settings saved." in messages(app), "saved")
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, CounterScreen), "counter")
        await pilot.pause()
        counter = app.screen
        assert counter.sub_title == "Bike Corner · Counter"
        assert "EUR" in counter.query_one("#amount", Input).placeholder
