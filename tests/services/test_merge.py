"""Merging duplicates moves history and points by transfers; undo puts every count back."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from crmtui.db.models import (
    Contact,
    ContactTag,
    Feedback,
    FollowupTask,
    Interaction,
    PointsEntry,
    Referral,
    Sale,
)
from crmtui.services.doctor import run_checks
from crmtui.services.exchange.merge import MergeError
from tests.services.test_exchange_json import populate

PER_CONTACT = (
    (Sale, Sale.contact_id),
    (FollowupTask, FollowupTask.contact_id),
    (Interaction, Interaction.contact_id),
    (Feedback, Feedback.contact_id),
    (Referral, Referral.referee_id),
    (Referral, Referral.referrer_id),
    (ContactTag, ContactTag.contact_id),
)


def census(shop) -> dict[str, object]:
    """Every per-contact count and balance, and the table totals."""
    found: dict[str, object] = {}
    with shop.db.read() as session:
        for model, column in PER_CONTACT:
            rows = session.exec(select(column, func.count()).group_by(column)).all()
            found[f"{model.__name__}.{column.key}"] = sorted(rows)
        found["balances"] = sorted(session.exec(select(Contact.id, Contact.points_balance)).all())
        found["people"] = sorted(
            session.exec(
                select(
                    Contact.id,
                    Contact.full_name,
                    Contact.email,
                    Contact.phone_raw,
                    Contact.archived_at,
                    Contact.merged_into_id,
                    Contact.last_sale_at,
                    Contact.spend_12m_minor,
                )
            ).all()
        )
        found["total_points"] = session.exec(select(func.sum(Contact.points_balance))).one()
    return found


def test_merge_moves_history_and_points_then_undo_restores_everything(shop, add_contact):
    people = populate(shop, add_contact)
    before = census(shop)
    survivor, duplicate = people["anna"], people["anna2"]
    their_points = shop.card(duplicate).points_balance
    mine = shop.card(survivor).points_balance
    merge_id = shop.exchange.merge(survivor, duplicate, take_from_merged=["email"])

    card = shop.card(survivor)
    assert card.email == "anna.n@example.com"
    assert card.tags == ("new", "vip")
    assert card.points_balance == mine + their_points
    with shop.db.read() as session:
        spends = {c.id: c.spend_12m_minor for c in session.exec(select(Contact)).all()}
    assert (spends[survivor], spends[duplicate]) == (1250 + 4000 + 990 - 100, 0)
    assert shop.card(duplicate).points_balance == 0
    assert shop.card(duplicate).archived_at is not None
    assert len(shop.sales_of(survivor)) == 3 and shop.sales_of(duplicate) == []
    with shop.db.read() as session:
        transfers = session.exec(
            select(PointsEntry.contact_id, PointsEntry.delta, PointsEntry.counterpart_id).where(
                PointsEntry.kind == "transfer"
            )
        ).all()
        referral = session.exec(select(Referral)).one()
    assert sorted(transfers) == sorted(
        [(duplicate, -their_points, survivor), (survivor, their_points, duplicate)]
    )
    assert referral.referee_id == survivor
    assert run_checks(shop) == []
    assert [c.id for c in shop.search("anna")] == [survivor]

    shop.exchange.undo_merge(merge_id)
    assert census(shop) == before
    assert run_checks(shop) == []
    assert sorted(c.id for c in shop.search("anna")) == sorted([survivor, duplicate])
    with pytest.raises(MergeError, match="already undone"):
        shop.exchange.undo_merge(merge_id)


def test_when_both_were_referred_the_survivor_keeps_their_own(shop, add_contact):
    people = populate(shop, add_contact)
    other = add_contact("Referrer Two")
    with shop.db.write() as session:
        session.add(Referral(referrer_id=other, referee_id=people["anna"], status="pending",
                             created_at=shop.clock()))  # fmt: skip
    shop.exchange.merge(people["anna"], people["anna2"], take_from_merged=[])
    with shop.db.read() as session:
        rows = session.exec(select(Referral.referrer_id, Referral.referee_id)).all()
    assert sorted(rows) == sorted([(people["jan"], people["anna2"]), (other, people["anna"])])
    assert run_checks(shop) == []


def test_merged_or_same_people_cannot_be_merged_again(shop, add_contact):
    a, b, c = add_contact("A Person"), add_contact("B Person"), add_contact("C Person")
    with pytest.raises(MergeError, match="themselves"):
        shop.exchange.merge(a, a, take_from_merged=[])
    shop.exchange.merge(a, b, take_from_merged=[])
    with pytest.raises(MergeError, match="already merged"):
        shop.exchange.merge(c, b, take_from_merged=[])


def test_duplicate_finder_fills_the_queue_by_phone_email_and_name(shop, add_contact):
    a = add_contact("Anna Nowak", "601 234 567")
    b = add_contact("Ania Nowak", "601 234 567")
    c = add_contact("Jan Kowalski", email="jan@example.com")
    d = add_contact("Janek K", email="JAN@example.com")
    e = add_contact("Katarzyna Wiśniewska")
    f = add_contact("Katarzyna Wisniewska")
    add_contact("Somebody Else")
    pairs = shop.exchange.find_duplicates()
    assert [(p.left.id, p.right.id, p.reason) for p in pairs] == [
        (a, b, "same phone"),
        (c, d, "same email"),
        (e, f, "similar name"),
    ]
    shop.exchange.not_duplicates(e, f)
    assert [p.reason for p in shop.exchange.find_duplicates()] == ["same phone", "same email"]
