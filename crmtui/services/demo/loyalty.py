"""The demo café's rewards catalogue, and a few redemptions so the Loyalty screen has a
redemption rate to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Reward
from crmtui.services.ledger import add_entry
from crmtui.services.loyalty.earning import refresh_spend_batch

REWARDS = (
    ("Free coffee", 100, "free_item", 0, "any coffee"),
    ("Pastry of the day", 150, "free_item", 0, "one pastry"),
    ("10% off", 250, "percent_discount", 10, ""),
    ("£5 off", 400, "fixed_discount", 500, ""),
)


def write_loyalty(session: Session, rng: random.Random, *, now: datetime) -> int:
    """Rewards, then a redemption for about one in four customers who could afford one, in
    the minutes before `now` (after every sale, so the ledger still reads in time order).
    Returns how many redemptions were written."""
    rewards = [
        Reward(
            name=name,
            points_cost=cost,
            benefit=benefit,
            benefit_value=value,
            description=description,
            created_at=now - timedelta(days=365),
            updated_at=now - timedelta(days=365),
        )
        for name, cost, benefit, value, description in REWARDS
    ]
    session.add_all(rewards)
    session.flush()
    coffee = rewards[0]
    rich = session.exec(
        select(Contact)
        .where(Contact.points_balance >= coffee.points_cost)
        .order_by(col(Contact.id))
    ).all()
    chosen = [contact for contact in rich if rng.random() < 0.25]
    for number, contact in enumerate(chosen):
        add_entry(
            session=session,
            contact=contact,
            kind="redeem",
            delta=-coffee.points_cost,
            reason=f"reward: {coffee.name}",
            now=now - timedelta(seconds=len(chosen) - number),
            reward_id=coffee.id,
        )
    done: int | None = 0
    while done is not None:
        done = refresh_spend_batch(session=session, now=now, after_id=done, size=5000)
    session.flush()
    return len(chosen)
