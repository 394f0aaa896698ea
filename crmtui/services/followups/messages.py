"""A task's message: its template filled in for the customer, ready to copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from crmtui.db.models import Contact
from crmtui.services.followups.config import get_templates, render_template

NO_TIER = "member"  # before the loyalty rules define tiers, everyone is simply a member
NO_REWARD = "your next reward"


@dataclass(frozen=True)
class Message:
    template: str  # the key of the template used
    text: str


def greeting_name(contact: Contact) -> str:
    """The greeting name, else the first word of the full name."""
    if contact.greeting_name and contact.greeting_name.strip():
        return contact.greeting_name.strip()
    words = contact.full_name.split()
    return words[0] if words else contact.full_name


def placeholder_values(
    *, session: Session, contact: Contact, shop_name: str, now: datetime
) -> dict[str, str]:
    assert contact.id is not None
    values = {
        "greeting_name": greeting_name(contact),
        "shop": shop_name,
        "points": f"{contact.points_balance:,}",
        "next_reward": NO_REWARD,
        "tier": NO_TIER,
        "referral_code": contact.referral_code,
    }
    from crmtui.services.loyalty.status import loyalty_status

    status = loyalty_status(session=session, contact_id=contact.id, now=now)
    values["points"] = f"{status.balance:,}"
    values["tier"] = status.tier or NO_TIER
    values["next_reward"] = status.next_reward or NO_REWARD
    return values


def render_for(
    *, session: Session, contact_id: int, template: str | None, shop_name: str, now: datetime
) -> Message:
    """The template (or the general one) rendered for this customer."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"No customer with id {contact_id}")
    templates = get_templates(session=session)
    key = template if template in templates else "general"
    values = placeholder_values(session=session, contact=contact, shop_name=shop_name, now=now)
    return Message(key, render_template(templates[key], values))
