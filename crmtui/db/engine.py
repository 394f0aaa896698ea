"""Opening the database: pragmas on every connection, BEGIN IMMEDIATE for writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from crmtui.db.files import create_private_file

BUSY_TIMEOUT_MS = 5000
_IMMEDIATE = "crmtui_immediate"


def _apply_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # Autocommit at the driver level: we emit BEGIN ourselves so writes can be IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def _begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _foreign_keys_off(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys = OFF")


def make_engine(path: Path, *, foreign_keys: bool = True) -> Engine:
    """An engine on the SQLite file at `path`; the file is created 0600 if missing.

    `foreign_keys=False` is for migrations only: rebuilding a table means dropping it, and
    with enforcement on that would cascade-delete the rows that point at it. The migration
    runs `PRAGMA foreign_key_check` itself before it commits.
    """
    create_private_file(path)
    engine = create_engine(
        URL.create("sqlite", database=str(path)),  # no %-decoding of odd folder names
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _apply_pragmas)
    if not foreign_keys:
        event.listen(engine, "connect", _foreign_keys_off)
    event.listen(engine, "begin", _begin)
    return engine


@dataclass
class Database:
    """The open shop file. Services get Sessions from here, one per operation."""

    path: Path
    engine: Engine = field(repr=False)

    @classmethod
    def open(cls, path: Path, *, foreign_keys: bool = True) -> Database:
        return cls(path=path, engine=make_engine(path, foreign_keys=foreign_keys))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it never writes, so it never holds the write lock."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One user action as one transaction, begun IMMEDIATE so it cannot deadlock later.

        Everything lands on a clean exit; any exception rolls all of it back.
        """
        with self.engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with Session(bind=conn, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

    def raw_execute(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """Run one statement on its own connection and commit it (doctor, pragmas, tests)."""
        with self.engine.connect() as conn:
            result = conn.exec_driver_sql(sql, params)
            rows = list(result.fetchall()) if result.returns_rows else []
            conn.commit()
            return rows

    def dispose(self) -> None:
        self.engine.dispose()
