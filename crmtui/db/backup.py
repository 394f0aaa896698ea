"""Backups through VACUUM INTO, never by copying a live file; each is verified before it counts."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from crmtui.db.files import create_private_file
from crmtui.db.schema import read_only_uri
from crmtui.paths import ensure_private_dir


class BackupError(Exception):
    pass


def verify_backup(path: Path, *, thorough: bool = True) -> None:
    """Raise BackupError unless `path` is a sound SQLite file with a stamped schema.

    `thorough` runs integrity_check, which also cross-checks every index against its table
    (11 s on the 460 MB benchmark file); otherwise quick_check reads every page's structure
    (1 s). A copy SQLite has just written itself gets the quick one; a file from elsewhere,
    about to replace the shop, gets the thorough one.
    """
    check = "integrity_check" if thorough else "quick_check"
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            result = conn.execute(f"PRAGMA {check}").fetchone()[0]
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"backup {path} cannot be read: {exc}") from exc
    if result != "ok":
        raise BackupError(f"backup {path} failed its {check.replace('_', ' ')}: {result}")


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
    verify_backup(target, thorough=False)
    return target


# -- rotation -----------------------------------------------------------------------------
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
AUTO_LABEL = "auto"
_STAMPED = re.compile(r"-(\d{8}-\d{6})-(?P<label>[a-z-]+?)(?:-(?P<counter>\d+))?\.sqlite3$")


def backups_of(
    db_path: Path, backup_dir: Path, *, label: str | None = None
) -> list[tuple[datetime, Path]]:
    """The backups of `db_path` in `backup_dir`, oldest first, optionally of one label."""
    if not backup_dir.is_dir():
        return []
    found: list[tuple[datetime, int, Path]] = []
    for path in backup_dir.glob(f"{db_path.stem}-*.sqlite3"):
        match = _STAMPED.search(path.name)
        if match is None or (label is not None and match.group("label") != label):
            continue
        stamp = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
        found.append((stamp, int(match.group("counter") or 1), path))
    # Two backups within one second are "-auto" then "-auto-2": the counter orders them.
    return [(stamp, path) for stamp, _counter, path in sorted(found)]


def backups_to_keep(stamps: list[datetime]) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last 7 days that have one,
    of the last 4 ISO weeks and of the last 12 months."""
    keep: set[datetime] = set()
    for period, count in (
        (lambda d: d.date(), KEEP_DAILY),
        (lambda d: d.isocalendar()[:2], KEEP_WEEKLY),
        (lambda d: (d.year, d.month), KEEP_MONTHLY),
    ):
        newest: dict[object, datetime] = {}
        for stamp in stamps:
            key = period(stamp)
            newest[key] = max(stamp, newest.get(key, stamp))
        keep |= {newest[k] for k in sorted(newest, reverse=True)[:count]}  # type: ignore[type-var]
    return keep


def rotate_backups(db_path: Path, backup_dir: Path) -> list[Path]:
    """Delete automatic backups the schedule no longer needs; returns what was deleted.

    Manual backups and those taken before a migration or restore are never deleted here.
    """
    automatic = backups_of(db_path, backup_dir, label=AUTO_LABEL)
    keep = backups_to_keep([stamp for stamp, _ in automatic])
    newest_of_stamp = {stamp: path for stamp, path in automatic}  # oldest first: last wins
    removed = [
        path for stamp, path in automatic if stamp not in keep or newest_of_stamp[stamp] != path
    ]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


# -- automatic backups -------------------------------------------------------------------------
# Tables with an INTEGER PRIMARY KEY: VACUUM (and so every backup) keeps their rowids, so
# the newest id is comparable between the shop and its backup. Other tables' rowids may be
# renumbered by VACUUM: they are compared by count (and the settings by content).
_ID_TABLES = (
    "contact", "sale", "sale_refund", "points_entry", "reward", "referral",
    "followup_task", "interaction", "feedback", "contact_merge",
)  # fmt: skip
_COUNTED_TABLES = ("contact_tag",)
# Settings that are caches, rewritten with a fresh time on every start (the insights
# snapshot): not a change worth a backup.
_CACHE_SETTINGS = ("insights.snapshot.",)
_SETTINGS_TEXT = (
    "SELECT group_concat(key || '=' || value, char(10)) "
    "FROM (SELECT key, value FROM setting WHERE "
    + " AND ".join(f"key NOT LIKE '{prefix}%'" for prefix in _CACHE_SETTINGS)
    + " ORDER BY key)"
)
_CHANGING_COLUMNS = (
    ("contact", "updated_at"),
    ("sale", "voided_at"),
    ("followup_task", "updated_at"),
    ("reward", "updated_at"),
    ("referral", "coalesce(rewarded_at, qualified_at, created_at)"),
    ("contact_merge", "undone_at"),
)


def content_fingerprint(path: Path) -> str:
    """A digest that changes whenever the shop's content does (row counts, newest ids and
    edit times, and the settings' text); cheap enough for every start-up."""
    parts: list[str] = []
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in _ID_TABLES:
            if table in tables:
                parts.append(
                    repr(conn.execute(f"SELECT count(*), max(rowid) FROM {table}").fetchone())
                )
        for table in _COUNTED_TABLES:
            if table in tables:
                parts.append(repr(conn.execute(f"SELECT count(*) FROM {table}").fetchone()))
        for table, expression in _CHANGING_COLUMNS:
            if table in tables:
                parts.append(
                    repr(conn.execute(f"SELECT max({expression}) FROM {table}").fetchone())
                )
        if "setting" in tables:
            parts.append(repr(conn.execute(_SETTINGS_TEXT).fetchone()))
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    finally:
        conn.close()
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def auto_backup(db_path: Path, backup_dir: Path, *, now: datetime) -> Path | None:
    """Back up if the shop changed since the newest automatic backup; then rotate.

    Returns the new backup, or None when nothing changed.
    """
    latest = backups_of(db_path, backup_dir, label=AUTO_LABEL)
    if latest:
        try:
            if content_fingerprint(latest[-1][1]) == content_fingerprint(db_path):
                return None
        except BackupError:
            pass  # an unreadable last backup is no reason to skip this one
    target = take_backup(db_path, backup_dir, now=now, label=AUTO_LABEL)
    rotate_backups(db_path, backup_dir)
    return target


def backup_due(db_path: Path, backup_dir: Path, *, now: datetime) -> bool:
    """A day has passed since the newest automatic backup (or there is none)."""
    latest = backups_of(db_path, backup_dir, label=AUTO_LABEL)
    return not latest or (now - latest[-1][0]).total_seconds() >= 24 * 3600


# -- restore -------------------------------------------------------------------------------
def restore_backup(backup: Path, db_path: Path, *, now: datetime) -> Path:
    """Replace `db_path` with `backup` after verifying it; the current file is kept aside.

    The caller holds the instance lock, so no crmtui has the file open. The copy goes through
    SQLite's backup API into the live file (its WAL included), never a file copy. Returns the
    path the previous database was saved to.
    """
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"There is no backup at {backup}")
    verify_backup(backup)
    aside = None
    if db_path.exists():
        aside = take_backup(db_path, db_path.parent / "backups", now=now, label="before-restore")
    create_private_file(db_path)
    source = sqlite3.connect(read_only_uri(backup), uri=True)
    target = sqlite3.connect(db_path)
    try:
        target.execute("PRAGMA journal_mode = WAL")
        source.backup(target)
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"could not restore {backup}: {exc}") from exc
    finally:
        source.close()
        target.close()
    if result != "ok":
        raise BackupError(f"the restored file failed its integrity check: {result}")
    return aside if aside is not None else db_path
