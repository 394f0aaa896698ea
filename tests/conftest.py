"""Shared fixtures: a fixed clock, a migrated SQLite file in tmp_path, and an open Shop.

Every test runs against a real database file; nothing here mocks the database.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmtui.clock import Clock, fixed_clock
from crmtui.db.migrate import upgrade_database
from crmtui.paths import DATA_DIR_ENV_VAR, DB_ENV_VAR
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

POLISH_SHOP = {
    "shop_name": "Test Café",
    "currency": "PLN",
    "phone_region": "PL",
    "points_per_unit": "1",
}


@pytest.fixture(autouse=True)
def _private_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """No test may read or write the tester's real crmtui data."""
    data_dir = tmp_path_factory.mktemp("crmtui-data")
    monkeypatch.setenv(DATA_DIR_ENV_VAR, str(data_dir))
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    return data_dir


@pytest.fixture(autouse=True)
def _utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Screens show local times: pin the zone so every machine reads the same."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def now() -> datetime:
    """The moment every test stands on unless it moves the clock."""
    return NOW


@pytest.fixture
def clock(now: datetime) -> Clock:
    return fixed_clock(now)


@pytest.fixture
def db_path(tmp_path: Path, now: datetime) -> Path:
    """A freshly migrated, empty shop file."""
    path = tmp_path / "shop.sqlite3"
    upgrade_database(path, now=now, backup_dir=tmp_path / "backups")
    return path


def open_shop(path: Path, clock: Clock, **settings: str) -> Shop:
    """Open `path` as a Polish shop; keyword arguments override single settings."""
    shop = Shop.open(path, clock)
    shop.save_settings({**POLISH_SHOP, **settings})
    return shop


@pytest.fixture
def shop(db_path: Path, clock: Clock) -> Iterator[Shop]:
    """An open Polish shop (PLN, region PL, 1 point per złoty), closed after the test."""
    opened = open_shop(db_path, clock)
    try:
        yield opened
    finally:
        opened.close()


def add_contact(shop: Shop, name: str, phone: str = "", **fields: object) -> int:
    """Create a contact through the real service and return its id."""
    return shop.create_contact(ContactInput(full_name=name, phone=phone, **fields))  # type: ignore[arg-type]


@pytest.fixture(name="add_contact")
def add_contact_fixture(shop: Shop) -> Callable[..., int]:
    """`add_contact("Anna Nowak", "601 234 567", email=...)` on the test's shop."""

    def add(name: str, phone: str = "", **fields: object) -> int:
        return add_contact(shop, name, phone, **fields)

    return add


def read_only_rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    """Rows of one query on `path`, opened read-only with the stdlib sqlite3 module (to look
    at a file as it was written, past the services)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
