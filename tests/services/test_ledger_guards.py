"""The ledger is append-only, sales are never deleted, and no balance goes below zero."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError

from crmtui.db.models import Contact
from crmtui.services import ledger
from crmtui.services.ledger import InsufficientPointsError, mismatched_balances


def snapshot(db_path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    conn = sqlite3.connect(db_path)
    try:
        return (
            conn.execute("SELECT * FROM points_entry ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM sale ORDER BY id").fetchall(),
            conn.execute("SELECT id, points_balance FROM contact ORDER BY id").fetchall(),
        )
    finally:
        conn.close()


def sqlite_execute(db_path, sql: str, params: tuple = ()) -> None:
    """A statement through a plain sqlite3 connection (as a curious owner might), committed."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def mismatches(shop) -> list[tuple[int, int, int]]:
    with shop.db.read() as session:
        return mismatched_balances(session=session)


@pytest.fixture
def sold(shop, add_contact) -> dict[str, int]:
    """Anna with two sales (one undone), Bob with one."""
    anna = add_contact("Anna Kowalczyk", "601 234 567")
    bob = add_contact("Bob Smith")
    shop.record_sale(anna, 1250, idempotency_key="a1")
    shop.record_sale(anna, 3000, idempotency_key="a2")
    shop.undo_last_sale(anna)
    sale = shop.record_sale(bob, 4200, idempotency_key="b1").sale
    return {"anna": anna, "bob": bob, "bob_sale": sale.id}


UPDATE_LEDGER = [
    ("UPDATE points_entry SET delta = 1000", "append-only: entries cannot be changed"),
    ("UPDATE points_entry SET reason = 'x' WHERE id = 1", "append-only: entries cannot be changed"),
    ("UPDATE points_entry SET kind = 'bonus'", "append-only: entries cannot be changed"),
    ("DELETE FROM points_entry", "append-only: entries cannot be deleted"),
    ("DELETE FROM points_entry WHERE id = 1", "append-only: entries cannot be deleted"),
    ("DELETE FROM sale", "sales are never deleted"),
    ("DELETE FROM sale WHERE id = 1", "sales are never deleted"),
    ("UPDATE sale SET amount_minor = 1", "cannot be rewritten"),
    ("UPDATE sale SET occurred_at = '2000-01-01 00:00:00'", "cannot be rewritten"),
    ("UPDATE sale SET idempotency_key = 'other'", "cannot be rewritten"),
]


@pytest.mark.parametrize(("sql", "message"), UPDATE_LEDGER)
def test_raw_tampering_through_the_app_connection_is_refused(
    shop, db_path, sold, sql, message
) -> None:
    before = snapshot(db_path)
    with pytest.raises(DBAPIError, match=message):
        shop.db.raw_execute(sql)
    assert snapshot(db_path) == before


@pytest.mark.parametrize(("sql", "message"), UPDATE_LEDGER)
def test_raw_tampering_through_plain_sqlite3_is_refused(shop, db_path, sold, sql, message) -> None:
    before = snapshot(db_path)
    with pytest.raises(sqlite3.DatabaseError, match=message):
        sqlite_execute(db_path, sql)
    assert snapshot(db_path) == before


@pytest.mark.parametrize("table", ["points_entry", "sale"])
def test_insert_or_replace_cannot_overwrite_history(shop, db_path, sold, table) -> None:
    """REPLACE deletes the old row first; that is a delete, and the guards must see it."""
    if table == "points_entry":
        sql = (
            "INSERT OR REPLACE INTO points_entry (id, contact_id, kind, delta, reason, created_at)"
            " VALUES (1, ?, 'earn', 5000, 'forged', '2026-11-23 10:00:00')"
        )
    else:
        sql = (
            "INSERT OR REPLACE INTO sale (id, contact_id, amount_minor, currency, occurred_at,"
            " idempotency_key) VALUES (1, ?, 1, 'PLN', '2026-11-23 10:00:00', 'forged')"
        )
    before = snapshot(db_path)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite_execute(db_path, sql, (sold["anna"],))
    assert snapshot(db_path) == before


def test_a_sale_cannot_change_currency(shop, db_path, sold) -> None:
    before = snapshot(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="cannot be rewritten"):
        sqlite_execute(
            db_path, "UPDATE sale SET currency = 'EUR' WHERE id = ?", (sold["bob_sale"],)
        )
    assert snapshot(db_path) == before


def test_a_voided_sale_cannot_be_unvoided(shop, db_path, sold) -> None:
    """Clearing voided_at would count the sale again while its reversal stays in the ledger."""
    before = snapshot(db_path)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite_execute(db_path, "UPDATE sale SET voided_at = NULL, void_reason = NULL")
    assert snapshot(db_path) == before


def test_zero_delta_and_unknown_kind_are_refused_by_check(shop, db_path, sold) -> None:
    insert = (
        "INSERT INTO points_entry (contact_id, kind, delta, reason, created_at)"
        " VALUES (?, ?, ?, 'x', '2026-11-23 10:00:00')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="ck_points_entry_delta_nonzero"):
        sqlite_execute(db_path, insert, (sold["bob"], "adjust", 0))
    with pytest.raises(sqlite3.IntegrityError, match="ck_points_entry_kind"):
        sqlite_execute(db_path, insert, (sold["bob"], "gift", 5))


def test_a_sale_earns_only_once(shop, db_path, sold) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        sqlite_execute(
            db_path,
            "INSERT INTO points_entry (contact_id, kind, delta, reason, sale_id, created_at)"
            " VALUES (?, 'earn', 42, 'again', ?, '2026-11-23 10:00:00')",
            (sold["bob"], sold["bob_sale"]),
        )


def test_ledger_rows_need_a_real_contact(shop, db_path, sold) -> None:
    with pytest.raises(DBAPIError, match="FOREIGN KEY"):
        shop.db.raw_execute(
            "INSERT INTO points_entry (contact_id, kind, delta, reason, created_at)"
            " VALUES (9999, 'adjust', 5, 'x', '2026-11-23 10:00:00')"
        )


def test_redeeming_more_than_the_balance_is_refused(shop, db_path, sold, now) -> None:
    before = snapshot(db_path)
    with pytest.raises(InsufficientPointsError, match="below zero"), shop.db.write() as session:
        contact = session.get(Contact, sold["bob"])
        ledger.add_entry(
            session=session, contact=contact, kind="redeem", delta=-43, reason="too much", now=now
        )
    assert snapshot(db_path) == before
    with shop.db.write() as session:
        contact = session.get(Contact, sold["bob"])
        ledger.add_entry(
            session=session, contact=contact, kind="redeem", delta=-42, reason="all", now=now
        )
    assert shop.card(sold["bob"]).points_balance == 0
    assert mismatches(shop) == []


@pytest.mark.parametrize(("kind", "delta"), [("earn", 0), ("gift", 5)])
def test_add_entry_refuses_nonsense(shop, sold, now, kind, delta) -> None:
    with pytest.raises(ValueError), shop.db.write() as session:
        contact = session.get(Contact, sold["bob"])
        ledger.add_entry(
            session=session, contact=contact, kind=kind, delta=delta, reason="x", now=now
        )


# -- the cached balance and the doctor's check ---------------------------------------------------


def test_no_mismatches_after_ordinary_work(shop, sold) -> None:
    assert mismatches(shop) == []
    with shop.db.read() as session:
        assert ledger.ledger_sum(session=session, contact_id=sold["anna"]) == 12
        assert ledger.ledger_sum(session=session, contact_id=sold["bob"]) == 42


def test_mismatch_detects_a_tampered_cache(shop, db_path, sold) -> None:
    sqlite_execute(db_path, "UPDATE contact SET points_balance = 999 WHERE id = ?", (sold["anna"],))
    assert mismatches(shop) == [(sold["anna"], 999, 12)]


def test_mismatch_detects_a_cache_on_a_contact_without_entries(shop, db_path, add_contact) -> None:
    nobody = add_contact("Nowy Klient")
    assert mismatches(shop) == []
    sqlite_execute(db_path, "UPDATE contact SET points_balance = 7 WHERE id = ?", (nobody,))
    assert mismatches(shop) == [(nobody, 7, 0)]


def test_ledger_lines_running_balance(shop, sold) -> None:
    lines = shop.ledger_of(sold["anna"])
    assert [(x.kind, x.delta, x.running_balance) for x in lines] == [
        ("reverse", -30, 12),
        ("earn", 30, 42),
        ("earn", 12, 12),
    ]
    assert lines[0].running_balance == shop.card(sold["anna"]).points_balance
    assert [x.kind for x in shop.ledger_of(sold["anna"], limit=1)] == ["reverse"]
