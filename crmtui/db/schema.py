"""What schema this build of crmtui writes, readable without importing Alembic.

A test checks HEAD_REVISION against the Alembic scripts, so the fast start-up path
(schema already current) never needs to import the migration machinery.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HEAD_REVISION = "0004"


# FTS5 tables (and their shadow tables) live outside SQLModel's metadata: autogenerate must
# never propose dropping them.
SEARCH_INDEX_PREFIXES = ("contact_trigram", "contact_words")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: everything but the search index tables."""
    return not (type_ == "table" and bool(name) and str(name).startswith(SEARCH_INDEX_PREFIXES))


class DatabaseError(Exception):
    """A database crmtui must not open; the message is meant for the shop owner."""


class NewerSchemaError(DatabaseError):
    pass


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI; as_uri() escapes `#`, `?` and `%` in folder names."""
    return f"{path.absolute().as_uri()}?mode=ro"


def current_revision(path: Path) -> str | None:
    """The Alembic revision stamped in the file, or None for a new or empty file."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path} cannot be opened: {exc}") from exc
    try:
        row = conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if row is None:
            user_tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            if user_tables:
                raise DatabaseError(f"{path} is an SQLite file, but not a crmtui database.")
            return None
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return version[0] if version else None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()
