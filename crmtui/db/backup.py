"""Backups through VACUUM INTO, never by copying a live file; each is verified before it counts."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from crmtui.db.files import create_private_file
from crmtui.db.schema import read_only_uri
from crmtui.paths import ensure_private_dir


class BackupError(Exception):
    pass


def verify_backup(path: Path) -> None:
    """Raise BackupError unless `path` is a sound SQLite file with a stamped schema."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"backup {path} cannot be read: {exc}") from exc
    if result != "ok":
        raise BackupError(f"backup {path} failed its integrity check: {result}")


def take_backup(db_path: Path, backup_dir: Path, *, now: datetime, label: str) -> Path:
    """Write a consistent copy of `db_path` into `backup_dir` (mode 0600) and verify it."""
    ensure_private_dir(backup_dir)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{db_path.stem}-{stamp}-{label}.sqlite3"
    counter = 1
    while target.exists():
        counter += 1
        target = backup_dir / f"{db_path.stem}-{stamp}-{label}-{counter}.sqlite3"
    create_private_file(target)  # VACUUM INTO accepts an empty file and keeps its mode
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"could not back up {db_path}: {exc}") from exc
    finally:
        conn.close()
    verify_backup(target)
    return target
