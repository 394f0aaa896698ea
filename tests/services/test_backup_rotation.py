"""Automatic backups: only when something changed, rotated 7 daily / 4 weekly / 12 monthly;
restore verifies first and keeps the current file aside."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from crmtui.db.backup import (
    BackupError,
    auto_backup,
    backup_due,
    backups_of,
    backups_to_keep,
    restore_backup,
    rotate_backups,
)
from crmtui.db.files import create_private_file
from tests.conftest import POLISH_SHOP, add_contact


def test_the_schedule_keeps_7_daily_4_weekly_12_monthly():
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    stamps = [start + timedelta(days=d) for d in range(700)]  # one a day for almost two years
    kept = sorted(backups_to_keep(stamps))
    newest = stamps[-1]
    assert kept[-7:] == stamps[-7:]  # the last seven days
    weeks = {s.isocalendar()[:2] for s in kept}
    months = {(s.year, s.month) for s in kept}
    assert len(months) == 12 and len(weeks) <= 7 + 4 + 12
    assert min(kept) > newest - timedelta(days=366)
    assert len(kept) <= 7 + 4 + 12


def test_rotation_deletes_only_automatic_backups(tmp_path):
    db = tmp_path / "shop.sqlite3"
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(30):
        stamp = (datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y%m%d-%H%M%S")
        create_private_file(folder / f"shop-{stamp}-auto.sqlite3")
    create_private_file(folder / "shop-20260101-000000-manual.sqlite3")
    create_private_file(folder / "shop-20260101-000000-before-restore.sqlite3")
    removed = rotate_backups(db, folder)
    left = backups_of(db, folder, label="auto")
    assert len(removed) + len(left) == 30
    assert 7 <= len(left) <= 11
    assert (folder / "shop-20260101-000000-manual.sqlite3").exists()
    assert (folder / "shop-20260101-000000-before-restore.sqlite3").exists()


def test_auto_backup_only_when_something_changed(shop, db_path, now):
    folder = db_path.parent / "backups-auto"
    first = auto_backup(db_path, folder, now=now)
    assert first is not None
    assert auto_backup(db_path, folder, now=now + timedelta(hours=1)) is None
    assert not backup_due(db_path, folder, now=now + timedelta(hours=23))
    assert backup_due(db_path, folder, now=now + timedelta(hours=24))
    add_contact(shop, "Anna Nowak")
    second = auto_backup(db_path, folder, now=now + timedelta(hours=2))
    assert second is not None and second != first
    # the same day twice: the daily slot keeps the newer one only
    assert backups_of(db_path, folder, label="auto") == [(now + timedelta(hours=2), second)]
    assert not first.exists()


def test_restore_verifies_then_replaces_and_keeps_the_current_file(shop, db_path, now):
    add_contact(shop, "Before Backup")
    backup = auto_backup(db_path, db_path.parent / "backups", now=now)
    assert backup is not None
    add_contact(shop, "After Backup")
    shop.close()
    aside = restore_backup(backup, db_path, now=now + timedelta(minutes=1))
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute("SELECT full_name FROM contact ORDER BY id")]
    with sqlite3.connect(aside) as conn:
        aside_names = [r[0] for r in conn.execute("SELECT full_name FROM contact ORDER BY id")]
    assert names == ["Before Backup"]
    assert aside_names == ["Before Backup", "After Backup"]


def test_a_damaged_backup_is_refused_before_anything_is_touched(shop, db_path, now, tmp_path):
    add_contact(shop, "Precious")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    with pytest.raises(BackupError):
        restore_backup(bad, db_path, now=now)
    assert [c.full_name for c in shop.search("precious")] == ["Precious"]


def test_two_backups_in_one_second_keep_the_later(tmp_path):
    db = tmp_path / "shop.sqlite3"
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ("shop-20261123-100000-auto.sqlite3", "shop-20261123-100000-auto-2.sqlite3"):
        create_private_file(folder / name)
    assert rotate_backups(db, folder) == [folder / "shop-20261123-100000-auto.sqlite3"]
    assert [p.name for _, p in backups_of(db, folder)] == ["shop-20261123-100000-auto-2.sqlite3"]


def test_a_settings_cache_rewritten_at_start_is_not_a_change(shop, db_path, now):
    folder = db_path.parent / "backups-cache"
    assert auto_backup(db_path, folder, now=now) is not None
    shop.db.raw_execute(
        "INSERT INTO setting (key, value) VALUES ('insights.snapshot.365', '{\"at\": 1}')"
    )
    assert auto_backup(db_path, folder, now=now) is None
    shop.save_settings({**POLISH_SHOP, "shop_name": "Renamed Café"})
    assert auto_backup(db_path, folder, now=now) is not None
