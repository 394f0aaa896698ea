"""Snapshots of the import wizard (preview, then the row check) and the duplicate review queue."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from crmtui.app import CrmApp
from crmtui.clock import fixed_clock
from crmtui.db.migrate import upgrade_database
from crmtui.screens.contacts import ContactsScreen
from crmtui.screens.import_wizard import ImportWizardScreen
from crmtui.screens.merge import MergeScreen
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from tests.conftest import NOW, open_shop

SIZE = (120, 36)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


@pytest.fixture
def snap_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """A Polish shop opened by a relative path, with the import fixtures beside it."""
    for name in ("google_contacts.csv", "bad_rows.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    path = Path("shop.sqlite3")
    upgrade_database(path, now=NOW, backup_dir=Path("backups"))
    shop = open_shop(path, fixed_clock(NOW))
    try:
        yield shop
    finally:
        shop.close()


async def wait_until(pilot: Pilot[object], condition: Callable[[], object]) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never held")


async def settle(pilot: Pilot[object]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def open_file(pilot: Pilot[object], name: str) -> None:
    app = pilot.app
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen))
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, ImportWizardScreen))
    await settle(pilot)
    await pilot.press(*name, "enter")
    await wait_until(pilot, lambda: app.screen.table is not None)  # type: ignore[attr-defined]
    await settle(pilot)


def test_import_preview_of_a_google_contacts_file(snap_compare, snap_shop: Shop) -> None:
    """The reviewer should see the file's eleven columns mapped automatically (Name → Full
    name, E-mail 1 - Value → Email, Phone 1 - Value → Phone, the two Type columns ignored and
    dim), and below, a preview of its three people as the file has them: Anna Nowak with only
    her first phone, Jan Kowalski (given + family name) with a year-less birthday --03-15,
    and 王伟 with an email. Tags still show Google's raw groups; checking cleans them."""

    async def run_before(pilot: Pilot[object]) -> None:
        await open_file(pilot, "google_contacts.csv")

    assert snap_compare(CrmApp(shop=snap_shop), terminal_size=SIZE, run_before=run_before)


def test_import_row_check_lists_matches_and_errors(snap_compare, snap_shop: Shop) -> None:
    """The reviewer should see "9 rows: 0 new, 1 already in the shop, 8 with errors": line 2
    matches the existing Good Person by phone (action "skip"), then lines 3–10 in red, each
    with its exact reason (name required, phone too short, no @-sign, birthday in the
    future, 12.5 not a whole number, negative points, consent "maybe", same phone as line 2)."""
    snap_shop.create_contact(ContactInput(full_name="Good Person", phone="606 789 012"))

    async def run_before(pilot: Pilot[object]) -> None:
        await open_file(pilot, "bad_rows.csv")
        await pilot.press("c")
        await wait_until(pilot, lambda: pilot.app.screen.plan is not None)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(CrmApp(shop=snap_shop), terminal_size=SIZE, run_before=run_before)


def test_merge_review_of_a_pair_with_the_others_email_chosen(snap_compare, snap_shop: Shop) -> None:
    """The reviewer should see three pairs (same phone, same email, similar name); for the
    first, the field table compares Anna Nowak with "[/] Ania" (shown literally), with the
    Email row switched to "merged in" (bold) and Points to be added together (0 and 0)."""
    for name, phone, email in (
        ("Anna Nowak", "601 234 567", "anna@example.com"),
        ("[/] Ania", "601 234 567", "ania@example.com"),
        ("Jan Kowalski", "", "jan@example.com"),
        ("Janek", "", "JAN@example.com"),
        ("Katarzyna Wiśniewska", "", ""),
        ("Katarzyna Wisniewska", "", ""),
    ):
        snap_shop.create_contact(ContactInput(full_name=name, phone=phone, email=email))

    async def run_before(pilot: Pilot[object]) -> None:
        app = pilot.app
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen))
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MergeScreen))
        await wait_until(pilot, lambda: app.screen.pairs)  # type: ignore[attr-defined]
        await pilot.press("space", "down", "down", "down", "space")
        await settle(pilot)

    assert snap_compare(CrmApp(shop=snap_shop), terminal_size=SIZE, run_before=run_before)
