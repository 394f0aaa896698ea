"""Where one customer stands in the program: tier, progress, rewards in reach, expiring points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from crmtui.db.models import Contact
from crmtui.services.loyalty.earning import spend_in_window
from crmtui.services.loyalty.expiry import expiring_points
from crmtui.services.loyalty.rewards import RewardSummary, list_rewards
from crmtui.services.loyalty.rules import LoyaltyRules, get_rules


@dataclass(frozen=True)
class LoyaltyStatus:
    balance: int
    tier: str
    multiplier: str
    spend_12m_minor: int
    next_tier: str | None
    to_next_tier_minor: int | None
    next_reward: str | None  # the cheapest active reward not yet affordable
    points_to_next_reward: int | None
    affordable: tuple[RewardSummary, ...]
    expiring_points: int
    expiring_on: date | None
    promotion_today: str | None

    @property
    def redemption_blocked(self) -> bool:
        """A refund took the balance to zero or below: nothing can be redeemed until it is
        positive again."""
        return self.balance <= 0


def loyalty_status(
    *, session: Session, contact_id: int, now: datetime, rules: LoyaltyRules | None = None
) -> LoyaltyStatus:
    rules = rules or get_rules(session=session)
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ValueError(f"No customer with id {contact_id}")
    spend = spend_in_window(session=session, contact_id=contact_id, now=now)
    tier = rules.tier_for(spend)
    ahead = rules.next_tier(spend)
    rewards = list_rewards(session=session, include_retired=False)
    balance = contact.points_balance
    affordable = tuple(r for r in rewards if r.points_cost <= balance) if balance > 0 else ()
    out_of_reach = [r for r in rewards if r.points_cost > balance]
    upcoming = min(out_of_reach, key=lambda r: r.points_cost) if out_of_reach else None
    expiring = expiring_points(session=session, now=now, contact_id=contact_id, rules=rules)
    promotion = rules.promotion_on(now.astimezone().date())
    return LoyaltyStatus(
        balance=balance,
        tier=tier.name,
        multiplier=tier.multiplier,
        spend_12m_minor=spend,
        next_tier=ahead.name if ahead else None,
        to_next_tier_minor=ahead.threshold_minor - spend if ahead else None,
        next_reward=upcoming.name if upcoming else None,
        points_to_next_reward=upcoming.points_cost - balance if upcoming else None,
        affordable=affordable,
        expiring_points=sum(e.points for e in expiring),
        expiring_on=min((e.expires_on for e in expiring), default=None),
        promotion_today=promotion.name if promotion else None,
    )
