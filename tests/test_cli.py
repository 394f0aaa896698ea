"""The housekeeping commands, run as a shop owner would run them."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput


def crmtui(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crmtui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={"CRMTUI_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin", "HOME": str(env_dir)},
    )


def _shop_with_a_sale(db_path: Path, clock) -> int:
    shop = Shop.open(db_path, clock)
    try:
        shop.save_settings(
            {"shop_name": "Cli", "currency": "EUR", "phone_region": "DE", "points_per_unit": "1"}
        )
        contact = shop.create_contact(ContactInput(full_name="Jana Novák"))
        shop.record_sale(contact, 4200, idempotency_key="cli-1")
        return contact
    finally:
        shop.close()


def test_doctor_passes_on_a_healthy_shop(db_path, clock, tmp_path):
    _shop_with_a_sale(db_path, clock)
    done = crmtui("--db", str(db_path), "doctor", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "all checks passed" in done.stdout


def test_doctor_reports_a_tampered_balance_and_fails(db_path, clock, tmp_path):
    contact = _shop_with_a_sale(db_path, clock)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE contact SET points_balance = 999 WHERE id = ?", (contact,))
    done = crmtui("--db", str(db_path), "doctor", env_dir=tmp_path)
    assert done.returncode == 2
    assert f"contact {contact} shows 999 points but the ledger sums to 42" in done.stdout


def test_backup_writes_a_private_verified_copy(db_path, clock, tmp_path):
    _shop_with_a_sale(db_path, clock)
    done = crmtui("--db", str(db_path), "backup", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    (backup,) = (db_path.parent / "backups").glob("*-manual.sqlite3")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT full_name FROM contact").fetchone() == ("Jana Novák",)


def test_a_newer_schema_is_refused_before_the_ui_starts(db_path, tmp_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = db_path.read_bytes()
    done = crmtui("--db", str(db_path), env_dir=tmp_path)
    assert done.returncode == 1
    assert "newer version of crmtui" in done.stderr
    assert db_path.read_bytes() == before


def test_a_file_that_is_not_a_shop_is_refused(tmp_path):
    other = tmp_path / "notes.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    done = crmtui("--db", str(other), env_dir=tmp_path)
    assert done.returncode == 1
    assert "not a crmtui database" in done.stderr


def test_doctor_on_a_missing_file_says_so(tmp_path):
    done = crmtui("--db", str(tmp_path / "nowhere.sqlite3"), "doctor", env_dir=tmp_path)
    assert done.returncode == 1
    assert "there is no database" in done.stderr


# -- import, export, restore (issue 7) -------------------------------------------------------
FIXTURES = Path(__file__).parent / "fixtures" / "import"


def test_import_reports_each_bad_row_and_lands_the_good_ones(db_path, clock, tmp_path):
    _shop_with_a_sale(db_path, clock)  # a German shop: numbers need their +48
    source = tmp_path / "in.csv"
    source.write_text(
        "Name;Phone;Points\nAnna Nowak;+48 601 234 567;120\nBad;12;x\n", encoding="utf-8"
    )
    dry = crmtui("--db", str(db_path), "import", str(source), "--dry-run", env_dir=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "2 rows: 1 new, 0 already in the shop, 1 with errors" in dry.stdout
    assert "line 3: phone: " in dry.stdout
    assert "; points “x” are not a whole number" in dry.stdout
    done = crmtui("--db", str(db_path), "import", str(source), env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "imported 1 new" in done.stdout and "120 opening points" in done.stdout
    again = crmtui("--db", str(db_path), "import", str(source), "--update", env_dir=tmp_path)
    assert "line 2: same phone as customer 2 (update)" in again.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT points_balance FROM contact WHERE id = 2").fetchone() == (120,)
    assert crmtui("--db", str(db_path), "doctor", env_dir=tmp_path).returncode == 0


def test_import_of_an_unreadable_file_fails_clearly(db_path, tmp_path):
    done = crmtui("--db", str(db_path), "import", str(FIXTURES / "binary.csv"), env_dir=tmp_path)
    assert done.returncode == 1
    assert "crmtui: This is not a text file (it contains NUL bytes)" in done.stderr


def test_export_json_then_restore_into_a_new_file_is_identical(db_path, clock, tmp_path):
    _shop_with_a_sale(db_path, clock)
    first, second = tmp_path / "shop.json", tmp_path / "again.json"
    assert (
        crmtui("--db", str(db_path), "export", "json", str(first), env_dir=tmp_path).returncode == 0
    )
    fresh = tmp_path / "fresh" / "shop.sqlite3"
    done = crmtui("--db", str(fresh), "restore", str(first), env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    crmtui("--db", str(fresh), "export", "json", str(second), env_dir=tmp_path)
    assert first.read_bytes() == second.read_bytes()
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def test_restore_a_backup_keeps_the_current_file_aside(db_path, clock, tmp_path):
    _shop_with_a_sale(db_path, clock)
    crmtui("--db", str(db_path), "backup", env_dir=tmp_path)
    (backup,) = (db_path.parent / "backups").glob("*-manual.sqlite3")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE contact SET full_name = 'Changed Later'")
    done = crmtui("--db", str(db_path), "restore", str(backup), env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT full_name FROM contact").fetchone() == ("Jana Novák",)
    (aside,) = (db_path.parent / "backups").glob("*-before-restore.sqlite3")
    with sqlite3.connect(aside) as conn:
        assert conn.execute("SELECT full_name FROM contact").fetchone() == ("Changed Later",)
    refused = crmtui(
        "--db", str(db_path), "restore", str(tmp_path / "nope.sqlite3"), env_dir=tmp_path
    )
    assert refused.returncode == 1 and "There is no backup" in refused.stderr


def test_export_csv_and_vcard_of_chosen_ids(db_path, clock, tmp_path):
    contact = _shop_with_a_sale(db_path, clock)
    out = tmp_path / "x.vcf"
    done = crmtui("--db", str(db_path), "export", "vcard", str(out), "--ids", str(contact),
                  "--vcard-version", "4.0", env_dir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "VERSION:4.0" in out.read_text() and "FN:Jana Novák" in out.read_text()


def test_doctor_finds_a_broken_search_index_and_an_unarchived_merge(db_path, clock, tmp_path):
    contact = _shop_with_a_sale(db_path, clock)
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        other = conn.execute(
            "INSERT INTO contact (full_name, referral_code, created_at, updated_at, notes,"
            " marketing_consent, sort_name, search_text, points_balance)"
            " VALUES ('Dup', 'ZZZZZZ', '2026-01-01', '2026-01-01', '', 0, 'dup', 'dup', 0)"
        ).lastrowid
        conn.execute("UPDATE contact SET merged_into_id = ? WHERE id = ?", (contact, other))
    done = crmtui("--db", str(db_path), "doctor", env_dir=tmp_path)
    assert done.returncode == 2
    assert f"contact {other} is merged into another but not archived" in done.stdout
