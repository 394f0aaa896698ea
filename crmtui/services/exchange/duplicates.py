"""Finding likely duplicates for the merge review queue: same phone, same email, similar name.

Names are compared only with their neighbours in sort order (a window of a few), which finds
"Anna Nowak" / "Anna Nowak " / "Anna Nowakk" in one pass over 100,000 people without
comparing every pair.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Setting

NAME_WINDOW = 3
NAME_SIMILARITY = 0.9
MIN_NAME_LENGTH = 5
MAX_GROUP = 20  # a phone shared by more people than this is a shop line, not a duplicate
DISMISSED_KEY = "exchange.not_duplicates"


@dataclass(frozen=True)
class MergeSide:
    id: int
    full_name: str
    greeting_name: str | None
    phone: str | None
    email: str | None
    birthday: str
    notes: str
    marketing_consent: bool
    points_balance: int
    created_at: str


@dataclass(frozen=True)
class DuplicatePair:
    left: MergeSide  # the older record: the suggested survivor
    right: MergeSide
    reason: str  # "same phone", "same email", "similar name"


def _active() -> list:
    return [col(Contact.erased_at).is_(None), col(Contact.merged_into_id).is_(None)]


def _shared(session: Session, column: object) -> list[list[int]]:
    groups = session.exec(
        select(func.group_concat(Contact.id))
        .where(col(column).is_not(None), *_active())  # type: ignore[arg-type]
        .group_by(column)  # type: ignore[arg-type]
        .having(func.count() > 1, func.count() <= MAX_GROUP)
    ).all()
    return [sorted(int(i) for i in str(g).split(",")) for g in groups]


def dismissed_pairs(session: Session) -> set[tuple[int, int]]:
    row = session.get(Setting, DISMISSED_KEY)
    return {(a, b) for a, b in json.loads(row.value)} if row else set()


def dismiss_pair(*, session: Session, left_id: int, right_id: int) -> None:
    """The owner says these two are different people: never suggest them again."""
    pairs = dismissed_pairs(session) | {tuple(sorted((left_id, right_id)))}  # type: ignore[arg-type]
    row = session.get(Setting, DISMISSED_KEY) or Setting(key=DISMISSED_KEY, value="[]")
    row.value = json.dumps(sorted(pairs))
    session.add(row)
    session.flush()


def side(contact: Contact) -> MergeSide:
    assert contact.id is not None
    birthday = ""
    if contact.birthday_month and contact.birthday_day:
        year = f"{contact.birthday_year:04d}" if contact.birthday_year else "-"
        birthday = f"{year}-{contact.birthday_month:02d}-{contact.birthday_day:02d}"
    return MergeSide(
        id=contact.id,
        full_name=contact.full_name,
        greeting_name=contact.greeting_name,
        phone=contact.phone_raw,
        email=contact.email,
        birthday=birthday,
        notes=contact.notes,
        marketing_consent=contact.marketing_consent,
        points_balance=contact.points_balance,
        created_at=contact.created_at.astimezone().strftime("%Y-%m-%d"),
    )


def find_duplicates(*, session: Session, limit: int = 200) -> list[DuplicatePair]:
    """Pairs worth a look, strongest reason first, at most `limit`."""
    found: dict[tuple[int, int], str] = {}
    for reason, column in (("same phone", Contact.phone_e164), ("same email", Contact.email)):
        for group in _shared(session, column):
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    found.setdefault((a, b), reason)
    names = session.exec(
        select(Contact.id, Contact.sort_name).where(*_active()).order_by(col(Contact.sort_name))
    ).all()
    for index, (a, name_a) in enumerate(names):
        if len(name_a) < MIN_NAME_LENGTH:
            continue
        for b, name_b in names[index + 1 : index + 1 + NAME_WINDOW]:
            if name_a == name_b or SequenceMatcher(None, name_a, name_b).ratio() >= NAME_SIMILARITY:
                found.setdefault((min(a, b), max(a, b)), "similar name")
    for pair in dismissed_pairs(session):
        found.pop(pair, None)
    order = {"same phone": 0, "same email": 1, "similar name": 2}
    chosen = sorted(found.items(), key=lambda item: (order[item[1]], item[0]))[:limit]
    ids = {i for pair, _ in chosen for i in pair}
    people = {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(ids)))}
    return [
        DuplicatePair(left=side(people[a]), right=side(people[b]), reason=reason)
        for (a, b), reason in chosen
    ]
