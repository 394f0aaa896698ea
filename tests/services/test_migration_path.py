"""An older shop file is upgraded in place, after a verified 0600 backup, keeping its data."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from alembic import command

from crmtui.db import migrate
from crmtui.db.engine import Database
from crmtui.db.schema import HEAD_REVISION, current_revision


def _migrate_to(path, revision: str) -> None:
    database = Database.open(path)
    try:
        with database.engine.begin() as connection:
            config = migrate._alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        database.dispose()


def test_upgrade_from_the_first_schema_backs_up_then_migrates(tmp_path, now):
    path = tmp_path / "old.sqlite3"
    _migrate_to(path, "0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO contact (full_name, referral_code, created_at, updated_at, search_text)"
            " VALUES ('Old Friend', 'AAAAAA', '2025-01-01 00:00:00', '2025-01-01 00:00:00',"
            " 'old friend')"
        )
    assert current_revision(path) == "0001"

    report = migrate.upgrade_database(path, now=now, backup_dir=tmp_path / "backups")

    assert (report.from_revision, report.to_revision) == ("0001", HEAD_REVISION)
    assert report.backup is not None and report.backup.exists()
    assert stat.S_IMODE(report.backup.stat().st_mode) == 0o600
    assert current_revision(report.backup) == "0001"  # the copy is of the file as it was
    assert current_revision(path) == HEAD_REVISION
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT full_name FROM contact").fetchall() == [("Old Friend",)]
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    assert {"sale_void_is_final", "points_entry_no_replace"} <= triggers


def test_a_failing_backup_stops_the_migration(tmp_path, now):
    path = tmp_path / "old.sqlite3"
    _migrate_to(path, "0001")
    blocked = tmp_path / "backups"
    blocked.write_text("a file where the backup folder should be")
    with pytest.raises(OSError):
        migrate.upgrade_database(path, now=now, backup_dir=blocked)
    assert current_revision(path) == "0001"  # nothing was migrated without a backup


def test_the_models_and_the_migrated_schema_agree(db_path):
    """A column added to a model without a migration (or the reverse) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from crmtui.db.schema import include_object

    database = Database.open(db_path)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        database.dispose()


def test_upgrade_from_0002_keeps_tags_search_and_ledger_guards(tmp_path, now):
    """0003 rebuilds contact and points_entry: nothing may cascade away or lose its guard."""
    path = tmp_path / "old.sqlite3"
    _migrate_to(path, "0002")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(
            "INSERT INTO contact (id, full_name, referral_code, created_at, updated_at,"
            " search_text, sort_name, points_balance)"
            " VALUES (1, 'Łukasz Nowak', 'AAAAAA', '2025-01-01 00:00:00',"
            " '2025-01-01 00:00:00', 'lukasz nowak', 'lukasz nowak', 5)"
        )
        conn.execute("INSERT INTO contact_tag (contact_id, tag) VALUES (1, 'vip')")
        conn.execute(
            "INSERT INTO sale (id, contact_id, amount_minor, currency, occurred_at,"
            " idempotency_key) VALUES (1, 1, 500, 'PLN', '2025-01-02 00:00:00', 'k1')"
        )
        conn.execute(
            "INSERT INTO points_entry (contact_id, kind, delta, reason, sale_id, created_at)"
            " VALUES (1, 'earn', 5, 'sale #1', 1, '2025-01-02 00:00:00')"
        )

    migrate.upgrade_database(path, now=now, backup_dir=tmp_path / "backups")

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT contact_id, tag FROM contact_tag").fetchall() == [(1, "vip")]
        assert conn.execute("SELECT sum(delta) FROM points_entry").fetchone() == (5,)
        found = conn.execute(
            "SELECT count(*) FROM contact_trigram WHERE contact_trigram MATCH 'nowak'"
        ).fetchone()
        assert found == (1,)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE points_entry SET delta = 50")
        with pytest.raises(sqlite3.IntegrityError, match="cannot be rewritten"):
            conn.execute("UPDATE sale SET amount_minor = 1")
        conn.execute("UPDATE contact SET points_balance = -3 WHERE id = 1")  # refunds may
        conn.execute("UPDATE contact SET full_name = 'Ł N', search_text = 'l n' WHERE id = 1")
        still = conn.execute(
            "SELECT count(*) FROM contact_trigram WHERE contact_trigram MATCH 'nowak'"
        ).fetchone()
        assert still == (0,)  # the search triggers came back and follow edits
