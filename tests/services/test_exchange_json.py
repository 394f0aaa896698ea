"""The whole shop to JSON and back into an empty database: the second export is identical."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from crmtui.db.migrate import upgrade_database
from crmtui.db.models import (
    Contact,
    Feedback,
    FollowupTask,
    Interaction,
    Referral,
    SaleRefund,
)
from crmtui.services import ledger
from crmtui.services.doctor import run_checks
from crmtui.services.exchange.shop_json import RestoreError
from crmtui.services.loyalty.earning import refresh_spend
from tests.conftest import open_shop


def populate(shop, add_contact) -> dict[str, int]:
    """A small shop with a row in every table the exchange moves: the merge tests use it too."""
    anna = add_contact("Anna Nowak", "601 234 567", email="anna@example.com", tags="vip")
    anna2 = add_contact("Anna Nowak", "601 234 567", email="anna.n@example.com", tags="new")
    jan = add_contact("Jan Kowal", "602 345 678", birthday="--03-15")
    now = shop.clock()
    for key, (who, amount) in enumerate([(anna, 1250), (anna2, 4000), (anna2, 990), (jan, 500)]):
        shop.record_sale(who, amount, idempotency_key=f"sale-{key}", note=f"note {key}")
    with shop.db.write() as session:
        sale_id = shop.sales_of(anna2)[0].id
        session.add(SaleRefund(sale_id=sale_id, amount_minor=100, reason="cold", created_at=now))
        session.flush()
        person = session.get(Contact, anna2)
        refresh_spend(session=session, contact=person, now=now)  # as the refund service does
        ledger.add_entry(session=session, contact=person, kind="bonus", delta=50,
                         reason="birthday", now=now)  # fmt: skip
        task = FollowupTask(contact_id=anna2, title="Call Anna", due_on=date(2026, 11, 30),
                            created_at=now, updated_at=now)  # fmt: skip
        session.add(task)
        session.flush()
        session.add(Interaction(contact_id=anna2, kind="call", summary="rang", task_id=task.id,
                                occurred_at=now))  # fmt: skip
        session.add(Feedback(contact_id=anna2, score=9, comment="lovely", created_at=now))
        session.add(Referral(referrer_id=jan, referee_id=anna2, status="pending",
                             created_at=now - timedelta(days=3)))  # fmt: skip
    return {"anna": anna, "anna2": anna2, "jan": jan}


def test_json_export_restores_into_an_empty_database_identically(shop, add_contact, tmp_path):
    populate(shop, add_contact)
    first = tmp_path / "shop.json"
    rows = shop.exchange.export_json(first)
    document = json.loads(first.read_text())
    assert rows > 15
    assert {"contact", "sale", "points_entry", "sale_refund", "referral", "feedback"} <= set(
        t for t, c in document["tables"].items() if c["rows"]
    )
    empty_path = tmp_path / "empty.sqlite3"
    upgrade_database(empty_path, now=shop.clock(), backup_dir=tmp_path / "b")
    empty = open_shop(empty_path, shop.clock, shop_name="Someone else")
    try:
        assert empty.exchange.restore_json(first) == rows
        second = tmp_path / "again.json"
        empty.exchange.export_json(second)
        assert second.read_bytes() == first.read_bytes()
        assert empty.settings.shop_name == "Test Café"
        assert [c.full_name for c in empty.search("anna")] == ["Anna Nowak", "Anna Nowak"]
        assert run_checks(empty) == []
    finally:
        empty.close()


def test_restoring_into_a_shop_with_customers_is_refused_and_changes_nothing(
    shop, add_contact, tmp_path
):
    populate(shop, add_contact)
    path = tmp_path / "shop.json"
    shop.exchange.export_json(path)
    with pytest.raises(RestoreError, match="not empty"):
        shop.exchange.restore_json(path)
    with shop.db.read() as session:
        assert len(session.exec(select(Contact)).all()) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"format": "other"}', "is not a crmtui shop export"),
        ('{"format": "crmtui-shop", "format_version": 1, "schema": "0001"}', "schema 0001"),
    ],
)
def test_a_file_that_is_not_a_shop_export_is_refused(shop, tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(RestoreError, match=message):
        shop.exchange.restore_json(path)


def test_person_export_holds_their_history_and_nobody_elses_name(shop, add_contact, tmp_path):
    people = populate(shop, add_contact)
    path = tmp_path / "anna.json"
    shop.exchange.export_person(people["anna2"], path)
    document = json.loads(path.read_text())
    assert document["contact"]["email"] == "anna.n@example.com"
    assert len(document["sale"]) == 2
    assert [f["comment"] for f in document["feedback"]] == ["lovely"]
    assert document["referral"][0]["referrer_id"] == people["jan"]
    assert "Jan Kowal" not in path.read_text()
