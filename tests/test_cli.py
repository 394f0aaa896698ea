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
