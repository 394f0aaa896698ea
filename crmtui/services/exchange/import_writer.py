"""Landing an import plan: new people by core inserts, chosen matches updated, in one transaction.

The caller's session is the transaction (`Database.write()`): an error anywhere, or a crash,
and nothing of the import is left. Core `insert()` with many rows per statement keeps 100,000
rows within seconds; the ORM's unit of work would take minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, PointsEntry
from crmtui.services import contacts, ledger
from crmtui.services.contacts import REFERRAL_ALPHABET, REFERRAL_LENGTH, build_search_text
from crmtui.services.exchange.bulk_index import deferred_search_index
from crmtui.services.exchange.csv_import import ImportPlan, Match, PlannedRow
from crmtui.services.text import fold
from crmtui.services.validation import CleanContact

BATCH = 2000
OPENING_BALANCE_REASON = "imported"
_RANDOM = random.SystemRandom()  # codes are read aloud and typed: not guessable in sequence
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    skipped: int  # matches the owner chose to leave alone
    failed: int  # rows with errors, never written
    points_imported: int


def _codes(session: Session, needed: int) -> list[str]:
    taken = set(session.exec(select(Contact.referral_code)).all())
    fresh: list[str] = []
    while len(fresh) < needed:
        code = "".join(_RANDOM.choices(REFERRAL_ALPHABET, k=REFERRAL_LENGTH))
        if code not in taken:
            taken.add(code)
            fresh.append(code)
    return fresh


_CONTACT_COLUMNS = (
    "id", "full_name", "greeting_name", "phone_raw", "phone_e164", "email", "birthday_year",
    "birthday_month", "birthday_day", "notes", "marketing_consent", "consent_at",
    "consent_source", "referral_code", "sort_name", "search_text", "points_balance",
    "created_at", "updated_at",
)  # fmt: skip
_INSERT_CONTACT = (
    f"INSERT INTO contact ({', '.join(_CONTACT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_CONTACT_COLUMNS))})"
)
_INSERT_TAG = "INSERT INTO contact_tag (contact_id, tag) VALUES (?, ?)"
_INSERT_ENTRY = (
    "INSERT INTO points_entry (contact_id, kind, delta, reason, occasion, created_at) "
    "VALUES (?, 'adjust', ?, ?, ?, ?)"
)


def stored_time(moment: datetime) -> str:
    """A UTC moment exactly as crmtui.db.types.UTCDateTime stores it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _contact_row(
    row: PlannedRow, *, contact_id: int, code: str, stamp: str, source: str
) -> tuple[Any, ...]:
    clean = row.clean
    birthday = clean.birthday
    phone_e164 = clean.phone.e164 if clean.phone else None
    consent = bool(row.consent)
    sort_name = fold(clean.full_name)
    return (
        contact_id,
        clean.full_name,
        clean.greeting_name,
        clean.phone_raw,
        phone_e164,
        clean.email,
        birthday.year if birthday else None,
        birthday.month if birthday else None,
        birthday.day if birthday else None,
        clean.notes,
        int(consent),
        stamp if consent else None,
        source if consent else None,
        code,
        sort_name,
        build_search_text(
            full_name=clean.full_name,
            greeting_name=clean.greeting_name,
            phone_e164=phone_e164,
            phone_raw=clean.phone_raw,
            email=clean.email,
        ),
        row.points,
        stamp,
        stamp,
    )


def _insert_new(
    session: Session,
    rows: tuple[PlannedRow, ...],
    *,
    now: datetime,
    source: str,
    occasion: str,
    progress: Progress,
    total: int,
) -> int:
    """Core inserts, a batch at a time: ids are assigned here (the write lock is held, so
    max(id) + 1 onwards is ours) so tags and ledger rows need no round trip."""
    first_id = int(session.exec(select(func.coalesce(func.max(Contact.id), 0))).one()) + 1
    codes = _codes(session, len(rows))
    stamp = stored_time(now)
    connection = session.connection()
    points = 0
    with deferred_search_index(session, first_id=first_id):
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            people, tags, entries = [], [], []
            for offset, row in enumerate(chunk, start=start):
                contact_id = first_id + offset
                people.append(
                    _contact_row(
                        row, contact_id=contact_id, code=codes[offset], stamp=stamp, source=source
                    )
                )
                tags += [(contact_id, tag) for tag in row.clean.tags]
                if row.points:
                    points += row.points
                    entries.append(
                        (contact_id, row.points, OPENING_BALANCE_REASON, occasion, stamp)
                    )
            connection.exec_driver_sql(_INSERT_CONTACT, people)
            if tags:
                connection.exec_driver_sql(_INSERT_TAG, tags)
            if entries:
                connection.exec_driver_sql(_INSERT_ENTRY, entries)
            progress(start + len(chunk), total)
    return points


def _merged_clean(existing: CleanContact, row: PlannedRow) -> CleanContact:
    """The file's values where it has them, the shop's where it is silent; tags are joined."""
    new = row.clean
    return CleanContact(
        full_name=new.full_name or existing.full_name,
        greeting_name=new.greeting_name or existing.greeting_name,
        phone_raw=new.phone_raw or existing.phone_raw,
        phone=new.phone or existing.phone,
        email=new.email or existing.email,
        birthday=new.birthday or existing.birthday,
        tags=tuple(sorted(set(existing.tags) | set(new.tags))),
        notes=new.notes or existing.notes,
        marketing_consent=existing.marketing_consent if row.consent is None else row.consent,
    )


def _update_match(
    session: Session, match: Match, *, now: datetime, source: str, occasion: str
) -> int:
    from crmtui.services.phones import phone_or_none

    card = contacts.get_card(session=session, contact_id=match.contact_id)
    region_free = phone_or_none(card.phone_e164, "ZZ") if card.phone_e164 else None
    existing = CleanContact(
        full_name=card.full_name,
        greeting_name=card.greeting_name,
        phone_raw=card.phone,
        phone=region_free,
        email=card.email,
        birthday=card.birthday,
        tags=card.tags,
        notes=card.notes,
        marketing_consent=card.marketing_consent,
    )
    contacts.update_contact(
        session=session,
        contact_id=match.contact_id,
        clean=_merged_clean(existing, match.row),
        now=now,
        source=source,
    )
    if not match.row.points:
        return 0
    already = session.exec(
        select(PointsEntry.id).where(
            PointsEntry.contact_id == match.contact_id, PointsEntry.occasion == occasion
        )
    ).first()
    if already is not None:  # the same file imported again: its balance counts once
        return 0
    person = session.get(Contact, match.contact_id)
    assert person is not None
    ledger.add_entry(
        session=session,
        contact=person,
        kind="adjust",
        delta=match.row.points,
        reason=OPENING_BALANCE_REASON,
        now=now,
        occasion=occasion,
    )
    return match.row.points


def apply_import(
    *,
    session: Session,
    plan: ImportPlan,
    update_lines: Collection[int],
    now: datetime,
    batch_key: str,
    source: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    """Write the plan: every new row, and the matches whose line is in `update_lines`.

    `batch_key` names this file (a hash of its bytes): opening balances carry it as their
    ledger occasion, so importing the same file twice never pays the points twice.
    """
    report_progress = progress or (lambda _done, _total: None)
    wanted = set(update_lines)
    chosen = [m for m in plan.matches if m.row.line in wanted]
    total = len(plan.new) + len(chosen)
    occasion = f"import:{batch_key}"[:64]
    points = _insert_new(
        session, plan.new, now=now, source=source, occasion=occasion,
        progress=report_progress, total=total,
    )  # fmt: skip
    for done, match in enumerate(chosen, start=len(plan.new) + 1):
        points += _update_match(session, match, now=now, source=source, occasion=occasion)
        if done % 100 == 0 or done == total:
            report_progress(done, total)
    session.flush()
    return ImportReport(
        created=len(plan.new),
        updated=len(chosen),
        skipped=len(plan.matches) - len(chosen),
        failed=len(plan.errors),
        points_imported=points,
    )


def imported_contact_ids(*, session: Session, batch_key: str) -> list[int]:
    """Who received an opening balance from this file (for tests and the report)."""
    occasion = f"import:{batch_key}"[:64]
    return list(
        session.exec(
            select(PointsEntry.contact_id)
            .where(PointsEntry.occasion == occasion)
            .order_by(col(PointsEntry.contact_id))
        ).all()
    )
