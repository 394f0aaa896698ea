"""Recording sales, earning points, idempotency, and undoing a sale without deleting anything."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from crmtui.clock import fixed_clock
from crmtui.services import ledger
from crmtui.services.contacts import NotFoundError
from crmtui.services.sales import SaleError, points_for


def count(db_path, table: str, where: str = "1", params: tuple = ()) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
    finally:
        conn.close()


def ledger_rows(db_path, contact_id: int) -> list[tuple[str, int, int | None]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT kind, delta, sale_id FROM points_entry WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def anna(add_contact) -> int:
    return add_contact("Anna Kowalczyk", "601 234 567")


# -- earning --------------------------------------------------------------------------------------


def test_one_point_per_whole_zloty(shop, db_path, anna, now) -> None:
    result = shop.record_sale(anna, 1250, idempotency_key="k1")
    assert result.points_delta == 12
    assert result.new_balance == 12
    assert result.duplicate is False
    assert result.sale.amount_minor == 1250
    assert result.sale.currency == "PLN"
    assert result.sale.occurred_at == now
    assert result.sale.points_earned == 12
    assert result.sale.voided_at is None
    assert ledger_rows(db_path, anna) == [("earn", 12, result.sale.id)]
    card = shop.card(anna)
    assert card.points_balance == 12
    assert card.lifetime_spend_minor == 1250
    assert card.visits == 1
    assert card.last_sale_at == now


def test_less_than_one_unit_earns_nothing_and_writes_no_ledger_row(shop, db_path, anna) -> None:
    result = shop.record_sale(anna, 99, idempotency_key="k1")
    assert result.points_delta == 0
    assert result.new_balance == 0
    assert result.sale.points_earned == 0
    assert ledger_rows(db_path, anna) == []
    assert shop.ledger_of(anna) == []
    card = shop.card(anna)
    assert (card.visits, card.lifetime_spend_minor, card.points_balance) == (1, 99, 0)


def test_points_accumulate_over_sales(shop, anna) -> None:
    amounts = [1250, 99, 1000, 50001]
    for i, amount in enumerate(amounts):
        shop.record_sale(anna, amount, idempotency_key=f"k{i}")
    assert shop.card(anna).points_balance == 12 + 0 + 10 + 500
    assert shop.card(anna).lifetime_spend_minor == sum(amounts)
    assert shop.card(anna).visits == 4


@pytest.mark.parametrize(
    ("rate", "amount", "points"),
    [
        ("0.5", 1250, 6),
        ("0.5", 199, 0),
        ("0.5", 200, 1),
        ("2", 1250, 25),
        ("2", 49, 0),
        ("2", 50, 1),
        ("0.25", 10000, 25),
        ("0", 10000, 0),
    ],
)
def test_points_per_unit_setting(shop, db_path, anna, rate, amount, points) -> None:
    shop.save_settings(
        {"shop_name": "Test Café", "currency": "PLN", "phone_region": "PL", "points_per_unit": rate}
    )
    result = shop.record_sale(anna, amount, idempotency_key="k1")
    assert result.points_delta == points
    assert shop.card(anna).points_balance == points
    assert len(ledger_rows(db_path, anna)) == (1 if points else 0)


def test_currency_without_minor_units(shop, anna) -> None:
    shop.save_settings(
        {"shop_name": "Test Café", "currency": "JPY", "phone_region": "PL", "points_per_unit": "1"}
    )
    assert shop.settings.exponent == 0
    amount = shop.parse_amount("1 250")
    assert amount == 1250
    result = shop.record_sale(anna, amount, idempotency_key="yen")
    assert result.points_delta == 1250
    assert result.sale.currency == "JPY"


def test_currency_with_three_decimals(shop, anna) -> None:
    shop.save_settings(
        {"shop_name": "Test Café", "currency": "BHD", "phone_region": "PL", "points_per_unit": "1"}
    )
    assert shop.settings.exponent == 3
    amount = shop.parse_amount("12.500")
    assert amount == 12_500
    assert shop.record_sale(anna, amount, idempotency_key="bhd").points_delta == 12


@pytest.mark.parametrize(
    ("amount", "rate", "exponent", "points"),
    [
        (1250, "1", 2, 12),
        (99, "1", 2, 0),
        (100, "1", 2, 1),
        (1250, "1", 0, 1250),
        (12_999, "1", 3, 12),
        (1, "1000", 2, 10),
        (300, "0.33", 2, 0),
        (333, "0.33", 2, 1),
        (10_000, "0.33", 2, 33),
    ],
)
def test_points_for(amount, rate, exponent, points) -> None:
    assert points_for(amount, points_per_unit=rate, exponent=exponent) == points


# -- idempotency ----------------------------------------------------------------------------------


def test_same_key_twice_records_one_sale(shop, db_path, anna) -> None:
    first = shop.record_sale(anna, 1250, idempotency_key="enter-twice")
    second = shop.record_sale(anna, 1250, idempotency_key="enter-twice")
    assert second.duplicate is True
    assert second.sale.id == first.sale.id
    assert second.points_delta == 0
    assert second.new_balance == 12
    assert count(db_path, "sale") == 1
    assert count(db_path, "points_entry") == 1
    assert shop.card(anna).visits == 1


def test_same_key_with_a_different_amount_is_refused(shop, db_path, anna) -> None:
    shop.record_sale(anna, 1250, idempotency_key="k")
    with pytest.raises(SaleError, match="already used"):
        shop.record_sale(anna, 1300, idempotency_key="k")
    assert count(db_path, "sale") == 1
    assert shop.card(anna).points_balance == 12


def test_same_key_for_another_customer_is_refused(shop, db_path, anna, add_contact) -> None:
    bob = add_contact("Bob Smith")
    shop.record_sale(anna, 1250, idempotency_key="k")
    with pytest.raises(SaleError, match="already used"):
        shop.record_sale(bob, 1250, idempotency_key="k")
    assert count(db_path, "sale") == 1
    assert shop.card(bob).visits == 0


def test_different_keys_record_different_sales(shop, db_path, anna) -> None:
    shop.record_sale(anna, 1250, idempotency_key="a")
    shop.record_sale(anna, 1250, idempotency_key="b")
    assert count(db_path, "sale") == 2
    assert shop.card(anna).points_balance == 24


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, -1250, 10**12 + 1])
def test_amount_out_of_range_is_refused(shop, db_path, anna, amount) -> None:
    with pytest.raises(SaleError):
        shop.record_sale(anna, amount, idempotency_key="bad")
    assert count(db_path, "sale") == 0


def test_unknown_customer_cannot_buy(shop, db_path) -> None:
    with pytest.raises(SaleError, match="No customer"):
        shop.record_sale(424242, 1000, idempotency_key="ghost")
    assert count(db_path, "sale") == 0


def test_archived_customer_cannot_buy(shop, db_path, anna) -> None:
    shop.set_archived(anna, True)
    with pytest.raises(SaleError, match="archived"):
        shop.record_sale(anna, 1000, idempotency_key="k")
    assert count(db_path, "sale") == 0
    assert count(db_path, "points_entry") == 0
    shop.set_archived(anna, False)
    assert shop.record_sale(anna, 1000, idempotency_key="k").points_delta == 10


def test_card_of_unknown_customer(shop) -> None:
    with pytest.raises(NotFoundError):
        shop.card(9999)


# -- undo and void --------------------------------------------------------------------------------


def test_undo_adds_a_reverse_entry_and_deletes_nothing(shop, db_path, anna, now) -> None:
    sale = shop.record_sale(anna, 1250, idempotency_key="k").sale
    later = now + timedelta(minutes=5)
    shop.clock = fixed_clock(later)
    undone = shop.undo_last_sale(anna)
    assert undone.sale.id == sale.id
    assert undone.points_delta == -12
    assert undone.new_balance == 0
    assert undone.sale.voided_at == later
    assert count(db_path, "sale") == 1
    assert count(db_path, "sale", "voided_at IS NOT NULL AND void_reason IS NOT NULL") == 1
    assert ledger_rows(db_path, anna) == [("earn", 12, sale.id), ("reverse", -12, sale.id)]
    lines = shop.ledger_of(anna)  # newest first, each with the balance after it
    assert [(x.kind, x.delta, x.running_balance) for x in lines] == [
        ("reverse", -12, 0),
        ("earn", 12, 12),
    ]
    assert shop.card(anna).points_balance == 0


def test_undo_of_a_pointless_sale_writes_no_ledger_row(shop, db_path, anna) -> None:
    shop.record_sale(anna, 99, idempotency_key="k")
    undone = shop.undo_last_sale(anna)
    assert undone.points_delta == 0
    assert undone.sale.voided_at is not None
    assert count(db_path, "points_entry") == 0
    assert count(db_path, "sale") == 1


def test_undo_with_no_sales_is_a_clear_error(shop, anna) -> None:
    with pytest.raises(SaleError, match="no sale to undo"):
        shop.undo_last_sale(anna)


def test_undo_twice_after_one_sale_is_a_clear_error(shop, db_path, anna) -> None:
    shop.record_sale(anna, 1250, idempotency_key="k")
    shop.undo_last_sale(anna)
    with pytest.raises(SaleError, match="no sale to undo"):
        shop.undo_last_sale(anna)
    assert count(db_path, "points_entry") == 2
    assert shop.card(anna).points_balance == 0


def test_void_the_same_sale_twice_is_a_clear_error(shop, db_path, anna) -> None:
    sale = shop.record_sale(anna, 1250, idempotency_key="k").sale
    shop.void_sale(sale.id, reason="wrong customer")
    with pytest.raises(SaleError, match="already undone"):
        shop.void_sale(sale.id, reason="again")
    assert count(db_path, "points_entry") == 2


def test_void_an_unknown_sale(shop) -> None:
    with pytest.raises(SaleError, match="No sale"):
        shop.void_sale(31337, reason="typo")


def test_undo_walks_back_one_sale_at_a_time(shop, anna, now) -> None:
    times = [now + timedelta(hours=h) for h in (1, 2, 3)]
    for i, (moment, amount) in enumerate(zip(times, [1000, 2000, 3000], strict=True)):
        shop.clock = fixed_clock(moment)
        shop.record_sale(anna, amount, idempotency_key=f"k{i}")
    shop.clock = fixed_clock(now + timedelta(hours=4))
    assert shop.card(anna).last_sale_at == times[2]

    assert shop.undo_last_sale(anna).sale.amount_minor == 3000
    card = shop.card(anna)
    assert (card.points_balance, card.visits, card.lifetime_spend_minor) == (30, 2, 3000)
    assert card.last_sale_at == times[1]

    assert shop.undo_last_sale(anna).sale.amount_minor == 2000
    assert shop.card(anna).last_sale_at == times[0]

    assert shop.undo_last_sale(anna).sale.amount_minor == 1000
    card = shop.card(anna)
    assert (card.points_balance, card.visits, card.lifetime_spend_minor) == (0, 0, 0)
    assert card.last_sale_at is None
    assert len(shop.sales_of(anna)) == 3
    assert all(s.voided_at is not None for s in shop.sales_of(anna))


def test_voiding_an_older_sale_keeps_last_sale_at(shop, anna, now) -> None:
    shop.clock = fixed_clock(now + timedelta(hours=1))
    old = shop.record_sale(anna, 1000, idempotency_key="old").sale
    shop.clock = fixed_clock(now + timedelta(hours=2))
    shop.record_sale(anna, 2000, idempotency_key="new")
    shop.void_sale(old.id, reason="mistake")
    card = shop.card(anna)
    assert card.last_sale_at == now + timedelta(hours=2)
    assert (card.points_balance, card.visits, card.lifetime_spend_minor) == (20, 1, 2000)


def test_card_excludes_voided_sales(shop, anna) -> None:
    shop.record_sale(anna, 1000, idempotency_key="a")
    b = shop.record_sale(anna, 2500, idempotency_key="b").sale
    shop.record_sale(anna, 4000, idempotency_key="c")
    shop.void_sale(b.id, reason="refund")
    card = shop.card(anna)
    assert card.visits == 2
    assert card.lifetime_spend_minor == 5000
    assert card.points_balance == 50


def test_duplicate_key_after_undo_does_not_resurrect_the_sale(shop, db_path, anna) -> None:
    shop.record_sale(anna, 1250, idempotency_key="k")
    shop.undo_last_sale(anna)
    again = shop.record_sale(anna, 1250, idempotency_key="k")
    assert again.duplicate is True
    assert again.sale.voided_at is not None
    assert count(db_path, "sale") == 1
    assert shop.card(anna).points_balance == 0


def test_undoing_a_sale_whose_points_were_spent_leaves_the_balance_owed(
    shop, db_path, anna, now
) -> None:
    """The refund rule: the points come back even if spent; the balance goes negative."""
    shop.record_sale(anna, 5000, idempotency_key="k")
    with shop.db.write() as session:
        from crmtui.db.models import Contact

        contact = session.get(Contact, anna)
        ledger.add_entry(
            session=session, contact=contact, kind="redeem", delta=-40, reason="coffee", now=now
        )
    result = shop.undo_last_sale(anna)
    assert result.points_delta == -50
    assert [k for k, _, _ in ledger_rows(db_path, anna)] == ["earn", "redeem", "reverse"]
    assert shop.card(anna).points_balance == -40


def test_each_customer_has_their_own_undo(shop, anna, add_contact) -> None:
    bob = add_contact("Bob Smith")
    shop.record_sale(anna, 1000, idempotency_key="a")
    shop.record_sale(bob, 2000, idempotency_key="b")
    assert shop.undo_last_sale(anna).sale.contact_id == anna
    assert shop.card(bob).points_balance == 20
    assert shop.card(bob).visits == 1


def test_sale_note_is_kept(shop, anna) -> None:
    note = "2× flat white [b]oat[/b]"
    shop.record_sale(anna, 1800, idempotency_key="n", note=note)
    assert shop.sales_of(anna)[0].note == note
