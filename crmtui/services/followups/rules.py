"""The automatic rules: they look at sales, birthdays, tags, referrals and points, and make
the tasks the owner would otherwise have to remember.

Every task a rule makes carries an occasion ("winback:2026-08-25"), unique per contact, so a
second run, or a run after the task was done or skipped, never makes it again. Each run looks
back `back` days: to the previous run (so nothing falls between two runs), at most
CATCH_UP_DAYS (a shop opened after a week away still gets last week's thank-yous, but a first
run on years of history does not bury the owner in tasks).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, insert, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, ContactTag, FollowupTask, Referral, Sale
from crmtui.services.followups.config import RULE_BY_KEY, FollowupSettings
from crmtui.services.followups.dates import birthday_in

CATCH_UP_DAYS = 14
MAX_BIRTHDAY_LEAD = 60  # days before a birthday the greeting may come, whatever is stored
CHUNK = 900


@dataclass(frozen=True)
class RuleRun:
    """How many tasks each rule made, and the rules that could not run (and why)."""

    created: tuple[tuple[str, int], ...]
    unavailable: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> int:
        return sum(count for _, count in self.created)


@dataclass(frozen=True)
class Wanted:
    contact_id: int
    occasion: str
    due_on: date
    note: str = ""
    title: str | None = None


def local_midnight(day: date) -> datetime:
    """The UTC moment the local calendar day begins (stored times are UTC)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def _local_day(moment: datetime) -> date:
    return moment.astimezone().date()


def _reachable(*, marketing: bool) -> list[object]:
    """Archived and erased people get no tasks; marketing needs consent."""
    where: list[object] = [col(Contact.archived_at).is_(None), col(Contact.erased_at).is_(None)]
    if marketing:
        where.append(col(Contact.marketing_consent).is_(True))
    return where


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _create(session: Session, rule: str, wanted: list[Wanted], now: datetime) -> int:
    """Insert the tasks whose (contact, occasion) does not exist yet, whatever its status."""
    if not wanted:
        return 0
    spec = RULE_BY_KEY[rule]
    ids = sorted({w.contact_id for w in wanted})
    prefix = wanted[0].occasion.split(":")[0] + ":"
    existing: set[tuple[int, str]] = set()
    for chunk in _chunks(ids):
        existing.update(
            session.exec(
                select(FollowupTask.contact_id, FollowupTask.occasion).where(
                    col(FollowupTask.contact_id).in_(chunk),
                    col(FollowupTask.occasion).startswith(prefix),
                )
            ).all()  # type: ignore[arg-type]
        )
    fresh = [w for w in wanted if (w.contact_id, w.occasion) not in existing]
    fresh = list({(w.contact_id, w.occasion): w for w in fresh}.values())
    if fresh:  # one Core executemany: a run after days away can make thousands of tasks
        session.connection().execute(
            insert(FollowupTask.__table__),  # type: ignore[attr-defined]
            [
                {
                    "contact_id": w.contact_id,
                    "title": w.title or spec.title,
                    "kind": spec.kind,
                    "due_on": w.due_on,
                    "priority": 2,
                    "note": w.note,
                    "status": "open",
                    "outcome": "",
                    "rule": rule,
                    "occasion": w.occasion,
                    "template": rule,
                    "created_at": now,
                    "updated_at": now,
                }
                for w in fresh
            ],
        )
    return len(fresh)


# -- one function per rule: each returns the tasks it wants ----------------------------------
def thank_you(session: Session, today: date, days: int, back: int) -> list[Wanted]:
    """N days after a customer's first sale (voided sales do not count)."""
    first_from = today - timedelta(days=days + back)
    start, end = local_midnight(first_from), local_midnight(today - timedelta(days=days - 1))
    earlier = aliased(Sale)
    bought_before = (
        select(earlier.id)
        .where(
            earlier.contact_id == Sale.contact_id,
            col(earlier.occurred_at) < start,
            col(earlier.voided_at).is_(None),
        )
        .exists()
    )
    rows = session.exec(
        select(Sale.contact_id, func.min(Sale.occurred_at))
        .join(Contact, col(Contact.id) == Sale.contact_id)
        .where(col(Sale.occurred_at) >= start, col(Sale.occurred_at) < end)
        .where(col(Sale.voided_at).is_(None), ~bought_before)
        .where(*_reachable(marketing=False))  # type: ignore[arg-type]
        .group_by(col(Sale.contact_id))
    ).all()
    found = []
    for contact_id, first in rows:
        if first is None or not start <= first < end:
            continue
        first_day = _local_day(first)
        note = f"First sale on {first_day.isoformat()}"
        found.append(Wanted(contact_id, "thanks:first", first_day + timedelta(days=days), note))
    return found


def feedback(session: Session, today: date, days: int, back: int) -> list[Wanted]:
    """N days after a purchase, at most one check-in per customer every N days."""
    sale_from = today - timedelta(days=days + back)
    start, end = local_midnight(sale_from), local_midnight(today - timedelta(days=days - 1))
    latest: dict[int, datetime] = {}
    for contact_id, at in session.exec(
        select(Sale.contact_id, func.max(Sale.occurred_at))
        .join(Contact, col(Contact.id) == Sale.contact_id)
        .where(col(Sale.occurred_at) >= start, col(Sale.occurred_at) < end)
        .where(col(Sale.voided_at).is_(None), *_reachable(marketing=False))  # type: ignore[arg-type]
        .group_by(col(Sale.contact_id))
    ).all():
        latest[contact_id] = at
    recently_asked: set[int] = set()
    for chunk in _chunks(sorted(latest)):
        recently_asked.update(
            session.exec(
                select(FollowupTask.contact_id).where(
                    col(FollowupTask.contact_id).in_(chunk),
                    FollowupTask.rule == "feedback",
                    col(FollowupTask.due_on) > today - timedelta(days=max(days, 1)),
                )
            ).all()
        )
    found = []
    for contact_id, at in latest.items():
        if contact_id in recently_asked:
            continue
        day = _local_day(at)
        note = f"Purchase on {day.isoformat()}"
        found.append(
            Wanted(contact_id, f"feedback:{day.isoformat()}", day + timedelta(days=days), note)
        )
    return found


def birthday(session: Session, today: date, days_before: int, back: int = 0) -> list[Wanted]:
    """On the birthday, or N days before; never after it (a late greeting is no greeting).
    29 February is celebrated on 28 February in other years."""
    lead = min(days_before, MAX_BIRTHDAY_LEAD)
    celebrated: dict[tuple[int, int], date] = {}
    for offset in range(lead + 1):
        day = today + timedelta(days=offset)
        celebrated[(day.month, day.day)] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            celebrated[(2, 29)] = day
    match = or_(
        *(
            and_(Contact.birthday_month == month, Contact.birthday_day == day)  # type: ignore[arg-type]
            for month, day in celebrated
        )
    )
    found = []
    for contact_id, month, day in session.exec(
        select(Contact.id, Contact.birthday_month, Contact.birthday_day)
        .where(match)
        .where(*_reachable(marketing=True))  # type: ignore[arg-type]
    ).all():
        assert contact_id is not None and month is not None and day is not None
        on = birthday_in(celebrated[(month, day)].year, month, day)
        found.append(
            Wanted(contact_id, f"birthday:{on.year}", on - timedelta(days=lead), f"Birthday {on}")
        )
    return found


def winback(session: Session, today: date, days: int, back: int) -> list[Wanted]:
    """A customer with 2+ visits whose last sale was N days ago. A new sale resets it: the
    occasion is the date of the last sale."""
    start = local_midnight(today - timedelta(days=days + back))
    end = local_midnight(today - timedelta(days=days - 1))
    lapsed = {
        contact_id: last
        for contact_id, last in session.exec(
            select(Contact.id, Contact.last_sale_at)
            .where(col(Contact.last_sale_at) >= start, col(Contact.last_sale_at) < end)
            .where(*_reachable(marketing=True))  # type: ignore[arg-type]
        ).all()
        if contact_id is not None and last is not None
    }
    regulars: set[int] = set()
    for chunk in _chunks(sorted(lapsed)):
        regulars.update(
            session.exec(
                select(Sale.contact_id)
                .where(col(Sale.contact_id).in_(chunk), col(Sale.voided_at).is_(None))
                .group_by(col(Sale.contact_id))
                .having(func.count() >= 2)
            ).all()
        )
    found = []
    for contact_id in sorted(regulars):
        day = _local_day(lapsed[contact_id])
        note = f"Last sale on {day.isoformat()}"
        found.append(
            Wanted(contact_id, f"winback:{day.isoformat()}", day + timedelta(days=days), note)
        )
    return found


def stay_in_touch(session: Session, today: date, tags: tuple[tuple[str, int], ...]) -> list[Wanted]:
    """Everyone with a tag, every N days since the later of their last sale and last logged
    contact (so either one resets the clock)."""
    found = []
    for tag, days in tags:
        for contact_id, last_sale, last_contact, created in session.exec(
            select(Contact.id, Contact.last_sale_at, Contact.last_contacted_at, Contact.created_at)
            .join(ContactTag, col(ContactTag.contact_id) == Contact.id)
            .where(ContactTag.tag == tag)
            .where(*_reachable(marketing=True))  # type: ignore[arg-type]
        ).all():
            assert contact_id is not None
            touched = max(t for t in (last_sale, last_contact, created) if t is not None)
            day = _local_day(touched)
            due = day + timedelta(days=days)
            if due <= today:
                found.append(
                    Wanted(
                        contact_id,
                        f"touch:{tag}:{day.isoformat()}",
                        due,
                        f"Last in touch on {day.isoformat()}",
                        f"Stay in touch ({tag})",
                    )
                )
    return found


def referral_thanks(session: Session, today: date, days: int, back: int) -> list[Wanted]:
    """Thank the referrer N days after their friend's referral qualified (first sale)."""
    start = local_midnight(today - timedelta(days=days + back))
    end = local_midnight(today - timedelta(days=days - 1))
    found = []
    for referral_id, referrer_id, qualified_at in session.exec(
        select(Referral.id, Referral.referrer_id, Referral.qualified_at)
        .join(Contact, col(Contact.id) == Referral.referrer_id)
        .where(col(Referral.status).in_(("qualified", "rewarded")))
        .where(col(Referral.qualified_at) >= start, col(Referral.qualified_at) < end)
        .where(*_reachable(marketing=False))  # type: ignore[arg-type]
    ).all():
        if referrer_id is None or qualified_at is None:
            continue
        day = _local_day(qualified_at)
        note = f"Their friend's referral qualified on {day.isoformat()}"
        found.append(
            Wanted(referrer_id, f"referral:{referral_id}", day + timedelta(days=days), note)
        )
    return found


def points_expiring(session: Session, now: datetime, days_before: int) -> list[Wanted]:
    """Points that expire within N days, when the shop has an expiry policy (loyalty says)."""
    from crmtui.services.loyalty.expiry import expiring_points  # type: ignore[import-not-found]

    today = _local_day(now)
    found = []
    for item in expiring_points(session=session, now=now, within_days=days_before):
        note = f"{item.points:,} points expire on {item.expires_on.isoformat()}"
        found.append(Wanted(item.contact_id, f"expiry:{item.expires_on.isoformat()}", today, note))
    return _only_reachable(session, found, marketing=False)


def _only_reachable(session: Session, wanted: list[Wanted], *, marketing: bool) -> list[Wanted]:
    ok: set[int] = set()
    for chunk in _chunks(sorted({w.contact_id for w in wanted})):
        ok.update(
            cid
            for cid in session.exec(
                select(Contact.id)
                .where(col(Contact.id).in_(chunk))
                .where(*_reachable(marketing=marketing))  # type: ignore[arg-type]
            ).all()
            if cid is not None
        )
    return [w for w in wanted if w.contact_id in ok]


def run_rules(
    *, session: Session, now: datetime, settings: FollowupSettings, back: int = CATCH_UP_DAYS
) -> RuleRun:
    """Every switched-on rule, in the caller's transaction, looking `back` days behind today
    for occasions a previous run could not see yet (clamped to 0..CATCH_UP_DAYS)."""
    today = _local_day(now)
    back = max(0, min(back, CATCH_UP_DAYS))
    created: list[tuple[str, int]] = []
    unavailable: list[tuple[str, str]] = []
    for rule in settings.rules:
        if not rule.enabled:
            continue
        if rule.key == "stay_in_touch":
            wanted = stay_in_touch(session, today, settings.touch_tags)
        elif rule.key == "points_expiring":
            try:
                wanted = points_expiring(session, now, rule.days)
            except ImportError:
                unavailable.append((rule.key, "the loyalty expiry service is not installed"))
                continue
        else:
            maker = {
                "thank_you": thank_you,
                "feedback": feedback,
                "birthday": birthday,
                "winback": winback,
                "referral_thanks": referral_thanks,
            }[rule.key]
            wanted = maker(session, today, rule.days, back)
        by_prefix: dict[str, list[Wanted]] = defaultdict(list)
        for item in wanted:
            by_prefix[item.occasion.split(":")[0]].append(item)
        count = sum(_create(session, rule.key, items, now) for items in by_prefix.values())
        created.append((rule.key, count))
    return RuleRun(tuple(created), tuple(unavailable))
