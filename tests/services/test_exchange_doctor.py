"""Doctor finds what foreign keys cannot: orphans, broken merges, unreconciled totals."""

from __future__ import annotations

import sqlite3

from crmtui.services.doctor import run_checks


def tamper(db_path, sql: str, *params: object) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(sql, params)


def test_a_healthy_shop_with_merges_and_erasures_passes(shop, add_contact):
    a, b = add_contact("Anna Nowak", "601 234 567"), add_contact("Ania", "601 234 567")
    shop.record_sale(b, 1000, idempotency_key="k")
    shop.exchange.merge(a, b, take_from_merged=[])
    shop.exchange.erase(add_contact("Gone Person"))
    assert run_checks(shop) == []


def test_daily_ledger_totals_that_disagree_are_reported(shop, add_contact, db_path):
    shop.record_sale(add_contact("Anna Nowak"), 1200, idempotency_key="k")
    tamper(db_path, "UPDATE points_daily SET points = points + 5")
    assert run_checks(shop) == [
        "ledger: daily totals for 2026-11-23 earn say 17 but the entries sum to 12"
    ]


def test_an_erased_person_with_data_left_is_reported(shop, add_contact, db_path):
    gone = add_contact("Gone Person")
    shop.exchange.erase(gone)
    tamper(db_path, "UPDATE contact SET email = 'back@example.com' WHERE id = ?", gone)
    assert run_checks(shop) == [f"orphan: contact {gone} was erased but still holds personal data"]


def test_a_one_sided_transfer_is_reported(shop, add_contact, db_path):
    a, b = add_contact("Anna Nowak"), add_contact("Ania")
    shop.record_sale(b, 1000, idempotency_key="k")
    shop.exchange.merge(a, b, take_from_merged=[])
    tamper(db_path, "DROP TRIGGER IF EXISTS points_entry_append_only_delete")
    tamper(db_path, "DELETE FROM points_entry WHERE kind = 'transfer' AND delta < 0")
    problems = run_checks(shop)
    assert "ledger: transfers should net to zero but sum to 10" in problems
    assert f"balance: contact {b} shows 0 points but the ledger sums to 10" in problems


def test_kept_insights_rows_that_disagree_are_reported_and_rebuilt(shop, add_contact, db_path):
    anna, ben, cleo = add_contact("Anna Nowak"), add_contact("Ben"), add_contact("Cleo")
    for number, person in enumerate((anna, ben, cleo)):
        shop.record_sale(person, 1200, idempotency_key=f"k{number}")
    period = shop.insights.last_days(365)
    shop.insights.overview(period)
    shop.record_sale(anna, 800, idempotency_key="pending")  # marked: not a disagreement
    assert run_checks(shop) == []
    tamper(db_path, "UPDATE insights_customer SET sales_ever = 7")  # all three rows
    assert run_checks(shop) == [
        "insights: the 365-day figures kept for 2 customers differ from their sales "
        "(rebuilt on the next visit)"
    ]
    overview = shop.insights.overview(period)
    assert run_checks(shop) == []
    assert overview.scored_customers == 3
