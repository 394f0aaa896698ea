"""Snapshots of the contacts list, a customer's details and the settings form.

Deterministic by construction: a fixed clock, fixed data, UTC local time, numbered referral
codes, and a database path shown relative to the test's own folder.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from crmtui.app import CrmApp
from crmtui.clock import fixed_clock
from crmtui.db.migrate import upgrade_database
from crmtui.screens.contact_detail import ContactDetailScreen
from crmtui.screens.contacts import ContactsScreen
from crmtui.screens.settings import SettingsScreen
from crmtui.screens.settings_shop import ShopSettingsPane
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from tests.conftest import NOW, open_shop

SIZE = (120, 36)


@pytest.fixture
def snap_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """A Polish shop in `shop.sqlite3`, opened by a relative path so the screen shows no tmp dir."""
    monkeypatch.chdir(tmp_path)
    path = Path("shop.sqlite3")
    upgrade_database(path, now=NOW, backup_dir=Path("backups"))
    shop = open_shop(path, fixed_clock(NOW))
    try:
        yield shop
    finally:
        shop.close()


def sell(shop: Shop, contact_id: int, amount_minor: int, *, days_ago: int) -> int:
    """A sale `days_ago` days before NOW, through the real service; returns the sale id."""
    then = Shop(db=shop.db, clock=fixed_clock(NOW - timedelta(days=days_ago, hours=1)))
    key = uuid.UUID(int=contact_id * 1000 + days_ago).hex
    return then.record_sale(contact_id, amount_minor, idempotency_key=key).sale.id


def fill(shop: Shop) -> dict[str, int]:
    people = {
        "anna": ContactInput(
            full_name="Anna Nowak",
            phone="601 234 567",
            email="anna@example.com",
            tags="vip, regular",
            birthday="24.12",
            notes="Oat milk, no sugar.",
        ),
        "bartosz": ContactInput(
            full_name="Bartosz Wiśniewski", phone="+48 602 111 222", tags="regular"
        ),
        "lucja": ContactInput(full_name="Łucja Kamińska", email="lucja@example.com"),
        "wang": ContactInput(full_name="王小明", phone="603 555 010", tags="student"),
        "tricky": ContactInput(full_name="[/] Ann [@click=app.quit]", tags="[b]bold"),
        "zofia": ContactInput(full_name="Zofia Wójcik", phone="604 000 111"),
    }
    ids = {key: shop.create_contact(data) for key, data in people.items()}
    sell(shop, ids["anna"], 1250, days_ago=40)
    sell(shop, ids["anna"], 3000, days_ago=12)
    voided = sell(shop, ids["anna"], 990, days_ago=3)
    Shop(db=shop.db, clock=fixed_clock(NOW - timedelta(days=2))).void_sale(
        voided, reason="voided from details"
    )
    sell(shop, ids["bartosz"], 4500, days_ago=1)
    sell(shop, ids["tricky"], 1000, days_ago=0)
    shop.set_archived(ids["zofia"], True)
    return ids


async def wait_until(pilot: Pilot[object], condition: Callable[[], object]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the screen never got its data"
        await pilot.pause(0.02)


async def settle(pilot: Pilot[object]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def test_contacts_list(snap_compare, snap_shop: Shop) -> None:
    """The Contacts list (F3) with archived customers shown.

    The reviewer should see: the search box, "All tags" and a ticked "Show archived";
    the status "1–6 of 6 including archived"; six rows sorted by name, the first being
    `[/] Ann [@click=app.qui…` written literally (cut at 24 columns) with its tag `[b]bold`;
    Anna Nowak with 42 points; a Contacted column ("never" for all); Zofia Wójcik dimmed with
    a red "archived" marker; no horizontal scroll bar at 120 columns; and the footer keys.
    """
    fill(snap_shop)

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen))
        await wait_until(pilot, lambda: app.screen.query_one(DataTable).row_count == 5)
        await pilot.press("h")
        await wait_until(pilot, lambda: app.screen.query_one(DataTable).row_count == 6)
        await settle(pilot)

    assert snap_compare(CrmApp(shop=snap_shop), terminal_size=SIZE, run_before=run_before)


def _detail_app(shop: Shop) -> tuple[CrmApp, int]:
    ids = fill(shop)
    return CrmApp(shop=shop), ids["anna"]


async def _open_detail(pilot: Pilot[object], contact_id: int) -> None:
    app = pilot.app
    app.open_contact(contact_id)  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, ContactDetailScreen))
    await wait_until(pilot, lambda: app.screen.card is not None)  # type: ignore[attr-defined]
    await settle(pilot)


def test_contact_detail_sales(snap_compare, snap_shop: Shop) -> None:
    """Anna Nowak's details, Sales tab.

    The reviewer should see: the card (phone, email, 42 points, 42,50 zł lifetime spend,
    2 visits, last visit 2026-11-11, tags, birthday --12-24, referral code REF001, notes);
    below it the Sales tab with three sales newest first, times in UTC; the 9,90 zł sale of
    2026-11-20 struck through with "voided 2026-11-21 10:00"; and the footer keys e, a, v, s,
    1, 2 and esc.
    """
    app, anna = _detail_app(snap_shop)

    async def run_before(pilot: Pilot[object]) -> None:
        await _open_detail(pilot, anna)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_contact_detail_points(snap_compare, snap_shop: Shop) -> None:
    """Anna Nowak's details, Points history tab (key 2).

    The reviewer should see four ledger entries newest first: reverse −9 (balance 42,
    "void of sale #3: voided from details"), then earn +9 (51), +30 (42) and +12 (12),
    with green gains and red losses.
    """
    app, anna = _detail_app(snap_shop)

    async def run_before(pilot: Pilot[object]) -> None:
        await _open_detail(pilot, anna)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_settings_with_a_problem(
    snap_compare, snap_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings (F8) while the owner is typing a wrong currency.

    The reviewer should see: the four fields (Test Café, "zz", PL, 1); under Currency, in red,
    "Use a 3-letter ISO 4217 code such as EUR, GBP, PLN, USD"; the line "1 field(s) need
    fixing before ctrl+s can save."; and the box "About this shop file" with the database
    file shop.sqlite3, schema revision 0042 (pinned here, so a new migration does not change
    this picture), "12.50 PLN earns 12 points" and money shown as 1 234,50 zł. The footer
    offers ctrl+s Save and esc Revert.
    """
    monkeypatch.setattr(Shop, "schema_revision", lambda self: "0042")

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await wait_until(pilot, lambda: app.screen.query_one(ShopSettingsPane).stored is not None)
        currency = app.screen.query_one("#currency", Input)
        currency.focus()
        await pilot.pause()
        currency.value = "zz"
        currency.action_end()  # the cursor after the text, nothing selected
        await settle(pilot)

    assert snap_compare(CrmApp(shop=snap_shop), terminal_size=SIZE, run_before=run_before)
