"""Plain, frozen data about referrals for the screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Statuses that count as "qualified" for conversion and the leaderboard: a rewarded referral
# qualified first (the two happen in the same transaction when there is a reward to pay).
QUALIFIED = ("qualified", "rewarded")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    code: str
    archived: bool = False


@dataclass(frozen=True)
class Resolved:
    """Whom a "Referred by" field points at, and whether the referral would be refused."""

    person: Person
    how: str  # "code", "code (read 0 as D)", "name search"
    refusal: str | None = None  # a guard that would reject it, said in words


@dataclass(frozen=True)
class Unresolved:
    message: str


@dataclass(frozen=True)
class Outcome:
    """What recording a referral did: pending, or rejected with the reason stored."""

    referral_id: int
    status: str
    reason: str | None
    referrer: Person | None


@dataclass(frozen=True)
class ReferralRow:
    id: int
    referrer_id: int | None
    referrer_name: str
    referee_id: int
    referee_name: str
    status: str
    rejection_reason: str | None
    code_typed: str | None
    created_at: datetime
    qualified_at: datetime | None


@dataclass(frozen=True)
class ReferralPage:
    rows: tuple[ReferralRow, ...]
    total: int
    offset: int
    limit: int
    counts: dict[str, int]  # status → how many, whatever the filter


@dataclass(frozen=True)
class LeaderRow:
    referrer_id: int
    name: str
    qualified: int
    pending: int
    referee_revenue_minor: int  # referees' sales minus refunds, last 12 months


@dataclass(frozen=True)
class Conversion:
    recorded: int  # referrals recorded in the period, rejected attempts excluded
    qualified: int
    rejected: int
    since: datetime
    until: datetime

    @property
    def rate(self) -> float | None:
        return None if self.recorded == 0 else self.qualified / self.recorded


@dataclass(frozen=True)
class TreeNode:
    person: Person
    status: str  # the status of the referral that brought this person ("" at the root)
    children: tuple[TreeNode, ...]
    more: int = 0  # children left out to keep the tree readable


@dataclass(frozen=True)
class ContactReferrals:
    """For the contact detail: who referred this person and whom they referred."""

    referred_by: Person | None
    referred_by_status: str | None
    referred: tuple[tuple[Person, str], ...]  # (referee, status), newest first
    referred_total: int
    rejected_attempts: tuple[str, ...]  # reasons, newest first
    can_record_referrer: bool  # no referrer yet, no purchase yet, and not erased
    erased: bool = False  # their data was erased: nothing about them can be recorded


@dataclass(frozen=True)
class ReferralEvent:
    """A line for the contact's timeline (kind "referral")."""

    at: datetime
    text: str
    points: int | None = None  # the change this event made to this contact's balance
