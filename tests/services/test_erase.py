"""Erasing a person: their data leaves the file and its WAL; the totals still balance."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select

from crmtui.db.models import Feedback, PointsEntry, Sale
from crmtui.services.doctor import run_checks

MARKER = "Qwzxmarker"
NOTE_MARKER = "Secretnotezq"


def file_bytes(db_path: Path) -> bytes:
    wal = Path(f"{db_path}-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def totals(shop) -> tuple[int, int, int]:
    with shop.db.read() as session:
        sales = session.exec(select(func.sum(Sale.amount_minor))).one()
        points = session.exec(select(func.sum(PointsEntry.delta))).one()
        feedback = session.exec(select(func.count()).select_from(Feedback)).one()
    return sales, points, feedback


def test_erased_name_and_notes_are_not_in_the_file_or_wal(shop, add_contact, db_path):
    keep = add_contact("Keeper Person", "602 345 678")
    gone = add_contact(
        f"{MARKER} Nowak",
        "601 234 567",
        email=f"{MARKER.lower()}@example.com",
        notes=f"{NOTE_MARKER} likes tea",
        greeting_name=MARKER,
        tags="vip",
    )
    shop.record_sale(gone, 1500, idempotency_key="s1", note=f"for {MARKER}")
    shop.record_sale(keep, 700, idempotency_key="s2")
    with shop.db.write() as session:
        session.add(Feedback(contact_id=gone, score=10, comment=MARKER, created_at=shop.clock()))
    # the name is also in a duplicate that was merged into them
    twin = add_contact(f"{MARKER} N.", email="twin@example.com")
    shop.exchange.merge(gone, twin, take_from_merged=[])
    assert MARKER.encode() in file_bytes(db_path)
    before = totals(shop)

    erased = shop.exchange.erase(gone)

    assert sorted(erased) == sorted([gone, twin])
    data = file_bytes(db_path)
    for secret in (MARKER, MARKER.lower(), NOTE_MARKER, "601234567"):
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data
    assert totals(shop) == before
    card = shop.card(gone)
    assert (card.full_name, card.phone, card.email, card.notes, card.tags) == (
        "Erased customer", None, None, "", ()
    )  # fmt: skip
    assert shop.search(MARKER) == [] and shop.search("601 234") == []
    assert shop.card(keep).full_name == "Keeper Person"
    assert run_checks(shop) == []
