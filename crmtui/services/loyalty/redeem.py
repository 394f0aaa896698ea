"""Spending points: a reward from the catalogue, or a custom number of points. Also the
owner's manual adjustments, which always carry a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from crmtui.db.models import Contact, Reward
from crmtui.services.ledger import add_entry
from crmtui.services.text import describe_char, first_forbidden_char

MAX_REASON = 200
MAX_POINTS = 10_000_000


class RedeemError(ValueError):
    pass


@dataclass(frozen=True)
class Redemption:
    entry_id: int
    points: int
    balance: int
    reward_name: str | None


def _reason(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise RedeemError("Give a reason: it is kept with the entry for good")
    if len(text) > MAX_REASON:
        raise RedeemError(f"A reason has at most {MAX_REASON} characters")
    if (bad := first_forbidden_char(text)) is not None:
        raise RedeemError(f"The reason contains a control character {describe_char(bad)}")
    return text


def _customer(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise RedeemError(f"No customer with id {contact_id}")
    if contact.erased_at is not None:
        raise RedeemError("This customer was erased")
    return contact


def _spend(
    session: Session,
    contact: Contact,
    points: int,
    *,
    reason: str,
    now: datetime,
    reward_id: int | None = None,
) -> int:
    if points <= 0:
        raise RedeemError("Redeem a whole number of points above zero")
    if contact.points_balance <= 0:
        raise RedeemError(
            f"{contact.full_name} has {contact.points_balance:,} points: nothing can be "
            "redeemed until the balance is above zero"
        )
    if points > contact.points_balance:
        raise RedeemError(
            f"{contact.full_name} has {contact.points_balance:,} points; {points:,} would take "
            "the balance below zero"
        )
    entry = add_entry(
        session=session,
        contact=contact,
        kind="redeem",
        delta=-points,
        reason=reason,
        now=now,
        reward_id=reward_id,
    )
    session.flush()
    assert entry.id is not None
    return entry.id


def redeem_reward(
    *, session: Session, contact_id: int, reward_id: int, now: datetime
) -> Redemption:
    contact = _customer(session, contact_id)
    reward = session.get(Reward, reward_id)
    if reward is None:
        raise RedeemError(f"No reward with id {reward_id}")
    if not reward.active:
        raise RedeemError(f"“{reward.name}” is retired and can no longer be redeemed")
    entry_id = _spend(
        session,
        contact,
        reward.points_cost,
        reason=f"reward: {reward.name}",
        now=now,
        reward_id=reward.id,
    )
    return Redemption(entry_id, reward.points_cost, contact.points_balance, reward.name)


def redeem_points(
    *, session: Session, contact_id: int, points: int, reason: str, now: datetime
) -> Redemption:
    """A partial redemption: the owner types how many points come off, and why (optional)."""
    if points > MAX_POINTS:
        raise RedeemError(f"At most {MAX_POINTS:,} points at once")
    contact = _customer(session, contact_id)
    note = _reason(reason, required=False)
    entry_id = _spend(
        session,
        contact,
        points,
        reason=f"points redeemed: {note}" if note else "points redeemed",
        now=now,
    )
    return Redemption(entry_id, points, contact.points_balance, None)


def adjust_points(
    *, session: Session, contact_id: int, delta: int, reason: str, now: datetime
) -> Redemption:
    """A manual correction. A negative one may not take the balance below zero."""
    if delta == 0:
        raise RedeemError("An adjustment must add or take away some points")
    if abs(delta) > MAX_POINTS:
        raise RedeemError(f"At most {MAX_POINTS:,} points at once")
    contact = _customer(session, contact_id)
    why = _reason(reason, required=True)
    if delta < 0 and contact.points_balance + delta < 0:
        raise RedeemError(
            f"{contact.full_name} has {contact.points_balance:,} points; taking {-delta:,} "
            "would leave the balance below zero"
        )
    entry = add_entry(
        session=session, contact=contact, kind="adjust", delta=delta, reason=why, now=now
    )
    session.flush()
    assert entry.id is not None
    return Redemption(entry.id, delta, contact.points_balance, None)
