"""The import wizard and the data keys, driven only by the keyboard on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import DataTable, Input, ProgressBar

from crmtui.app import CrmApp
from crmtui.screens.contacts import ContactsScreen
from crmtui.screens.export_dialog import ExportDialog
from crmtui.screens.import_wizard import ImportWizardScreen
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput
from tests.pilot_helpers import wait_until

SIZE = (120, 40)
FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def status(app: CrmApp) -> str:
    return str(app.screen.query_one("#import-status").render())


async def open_wizard(pilot, app: CrmApp) -> ImportWizardScreen:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "contacts")
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, ImportWizardScreen), "wizard")
    wizard = app.screen
    assert isinstance(wizard, ImportWizardScreen)
    await wait_until(pilot, lambda: wizard.query_one("#import-path", Input).has_focus, "focus")
    return wizard


async def test_import_a_csv_by_keyboard_with_a_changed_mapping_and_an_update(
    shop: Shop, tmp_path: Path
) -> None:
    existing = shop.create_contact(ContactInput(full_name="Zofia W.", phone="+48 603 456 789"))
    source = tmp_path / "square.csv"
    source.write_bytes((FIXTURES / "square_customers.csv").read_bytes())
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, app)
        await pilot.press(*str(source), "enter")
        await wait_until(pilot, lambda: "2 rows" in status(app), "file read")
        mapping = wizard.query_one("#import-mapping", DataTable)
        assert mapping.has_focus
        # The "Memo" column (9th) goes to notes; move it to "ignore" and back to see it change
        await pilot.press(*["down"] * 8)
        assert wizard.mapping[8] == "notes"
        await pilot.press("right")
        assert wizard.mapping[8] == "points"
        await pilot.press("left")
        assert wizard.mapping[8] == "notes"
        await pilot.press("c")
        await wait_until(pilot, lambda: "1 new, 1 already" in status(app), "checked")
        review = wizard.query_one("#import-review", DataTable)
        assert review.get_row_at(0)[3].plain == "skip"
        await pilot.press("u")
        assert review.get_row_at(0)[3].plain == "update"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Imported 1 new and updated 1" in status(app), "done")
        bar = wizard.query_one("#import-progress", ProgressBar)
        assert bar.progress == bar.total == 2
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "back")
    card = shop.card(existing)
    assert (card.full_name, card.notes, card.email) == (
        "Zofia Wiśniewska",
        "Allergic to nuts",
        "zofia@example.com",
    )
    assert [c.full_name for c in shop.search("piotr")] == ["Piotr Zieliński"]


async def test_an_unreadable_file_is_explained_and_nothing_breaks(shop: Shop) -> None:
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot, app)
        await pilot.press(*str(FIXTURES / "binary.csv"), "enter")
        await wait_until(pilot, lambda: "Cannot import" in status(app), "error shown")
        assert "NUL bytes" in status(app)
        await pilot.press("ctrl+s")
        assert "Check the rows first" in status(app)


async def test_export_dialog_writes_the_file_named(shop: Shop, tmp_path: Path) -> None:
    shop.create_contact(ContactInput(full_name="[/] Ann [@click=app.quit]"))
    target = tmp_path / "out.csv"
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "contacts")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), "dialog")
        field = app.screen.query_one("#export-path", Input)
        field.value = ""
        await pilot.press(*str(target), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "closed")
    assert "[/] Ann [@click=app.quit]" in target.read_text(encoding="utf-8-sig")


async def test_the_app_backs_up_at_start_only_when_the_shop_changed(
    db_path: Path, shop: Shop
) -> None:
    """An app that opens its own file takes an automatic backup in a worker (tests that inject
    a shop never do); a second start with nothing changed takes none."""
    shop.create_contact(ContactInput(full_name="Anna Nowak"))
    folder = db_path.parent / "backups"

    def automatic() -> list[Path]:
        return sorted(folder.glob("*-auto*.sqlite3"))

    async def start_app() -> list[Path]:
        app = CrmApp(db_path=db_path)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.shop is not None, "shop open")
            await wait_until(pilot, lambda: automatic(), "a backup")
            await pilot.app.workers.wait_for_complete()
        return automatic()

    first = await start_app()
    assert len(first) == 1
    assert await start_app() == first  # nothing changed: no new backup
    shop.create_contact(ContactInput(full_name="Jan Kowal"))
    (third,) = await start_app()  # the same day keeps only the newest
    assert third != first[0]
    with sqlite3.connect(third) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (2,)


async def test_hostile_headers_and_cells_show_literally(shop: Shop, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.csv"
    long_name = "Ł" * 10_000
    hostile.write_text(
        '"[@click=app.quit]",phone,notes\n'
        f'"[/] Ann",601 234 567,"[b]bold[/b]"\n'
        f'"{long_name}",,\n'
        '"Zoë 🎉 王伟 عربي",,"\x1b[31mred"\n',
        encoding="utf-8",
    )
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        wizard = await open_wizard(pilot, app)
        await pilot.press(*str(hostile), "enter")
        await wait_until(pilot, lambda: "3 rows" in status(app), "file read")
        mapping = wizard.query_one("#import-mapping", DataTable)
        assert mapping.get_row_at(0)[0].plain == "[@click=app.qui…"  # cut, never run
        await pilot.press("right", "right")  # ignore → full name for that column
        assert wizard.mapping[0] == "given_name"
        await pilot.press("left")
        assert wizard.mapping[0] == "full_name"
        preview = wizard.query_one("#import-preview", DataTable)
        assert preview.get_row_at(0)[1].plain == "[/] Ann"
        await pilot.press("c")
        await wait_until(pilot, lambda: "1 new" in status(app), "checked")
        review = wizard.query_one("#import-review", DataTable)
        long_reason, escape_reason = (review.get_row_at(i)[2].plain for i in (0, 1))
        assert "200" in long_reason  # the 10,000-character name is refused with the limit
        assert "control character" in escape_reason  # a terminal escape in the notes
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Imported 1 new" in status(app), "imported")
        assert app.is_running
    assert [c.full_name for c in shop.search("ann")] == ["[/] Ann"]


async def test_export_from_a_tag_filter_writes_that_segment(shop: Shop, tmp_path: Path) -> None:
    shop.create_contact(ContactInput(full_name="Vip One", tags="vip"))
    shop.create_contact(ContactInput(full_name="Plain Two"))
    target = tmp_path / "vip.csv"
    app = CrmApp(shop=shop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "contacts")
        app.screen.restart(tag="vip")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), "dialog")
        app.screen.query_one("#export-path", Input).value = ""
        await pilot.press(*str(target.with_suffix(".json")), "enter")
        assert "for everyone" in str(app.screen.query_one("#export-status").render())
        app.screen.query_one("#export-path", Input).value = ""
        await pilot.press(*str(target), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "closed")
    text = target.read_text(encoding="utf-8-sig")
    assert "Vip One" in text and "Plain Two" not in text
