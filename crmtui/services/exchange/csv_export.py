"""Contacts to CSV: one row per person, safe to open in a spreadsheet.

Columns use the generic names the importer maps back (`full_name`, `phone`, …), so a file
exported here imports again unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from crmtui.db.models import Contact, ContactTag
from crmtui.services.exchange.files import private_text_file

CSV_COLUMNS = (
    "id",
    "full_name",
    "greeting_name",
    "phone",
    "email",
    "birthday",
    "tags",
    "notes",
    "points",
    "marketing_consent",
    "created_at",
    "archived",
)
# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(…) leaks
# data, =cmd|… runs programs). OWASP's advice: prefix such cells with an apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
_CHUNK = 900  # ids per IN (...) query, below SQLite's default variable limit


@dataclass(frozen=True)
class ExportReport:
    path: Path
    written: int
    left_out: int  # contacts without marketing consent left out of a marketing export


def neutralise(value: str) -> str:
    """`=1+1` → `'=1+1`; a phone `+48 601…` becomes `'+48 601…`, still readable."""
    if value.startswith(FORMULA_TRIGGERS):
        return NEUTRALISER + value
    return value


def unneutralise(value: str) -> str:
    """The importer's inverse of `neutralise`."""
    if value.startswith(NEUTRALISER) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _birthday(year: int | None, month: int | None, day: int | None) -> str:
    if not month or not day:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def contact_rows(session: Session, contact_ids: Sequence[int] | None) -> list[tuple]:
    tags = (
        select(ContactTag.contact_id, func.group_concat(ContactTag.tag, ", ").label("tags"))
        .group_by(col(ContactTag.contact_id))
        .subquery()
    )
    query = (
        select(
            Contact.id,
            Contact.full_name,
            Contact.greeting_name,
            Contact.phone_raw,
            Contact.email,
            Contact.birthday_year,
            Contact.birthday_month,
            Contact.birthday_day,
            tags.c.tags,
            Contact.notes,
            Contact.points_balance,
            Contact.marketing_consent,
            Contact.created_at,
            Contact.archived_at,
        )
        .outerjoin(tags, tags.c.contact_id == Contact.id)
        # An erased person has nothing left to export; a merged duplicate lives on in its
        # survivor.
        .where(col(Contact.erased_at).is_(None), col(Contact.merged_into_id).is_(None))
        .order_by(col(Contact.id))
    )
    if contact_ids is None:
        return list(session.execute(query).all())
    wanted = sorted(set(contact_ids))
    found: list[tuple] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += session.execute(query.where(col(Contact.id).in_(chunk))).all()
    return found


def contact_ids_tagged(*, session: Session, tag: str) -> list[int]:
    query = select(ContactTag.contact_id).where(ContactTag.tag == tag)
    return [int(r) for r in session.execute(query.order_by(ContactTag.contact_id)).scalars()]


def export_contacts_csv(
    *,
    session: Session,
    path: Path,
    contact_ids: Sequence[int] | None,
    marketing_only: bool,
) -> ExportReport:
    """Write the contacts (all, or just `contact_ids`) to `path` as UTF-8 CSV, mode 0600.

    With `marketing_only`, people who have not given marketing consent are left out and
    counted in `left_out`. The file starts with a BOM so spreadsheets read it as UTF-8.
    """
    written = left_out = 0
    with private_text_file(Path(path), encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in contact_rows(session, contact_ids):
            (cid, name, greeting, phone, email, year, month, day, tag_text, notes, points,
             consent, created_at, archived_at) = row  # fmt: skip
            if marketing_only and not consent:
                left_out += 1
                continue
            tag_list = ", ".join(sorted(t for t in (tag_text or "").split(", ") if t))
            writer.writerow(
                [
                    str(cid),
                    neutralise(name),
                    neutralise(greeting or ""),
                    neutralise(phone or ""),
                    neutralise(email or ""),
                    _birthday(year, month, day),
                    neutralise(tag_list),
                    neutralise(notes or ""),
                    str(points),
                    "yes" if consent else "no",
                    created_at.isoformat() if created_at else "",
                    "yes" if archived_at else "no",
                ]
            )
            written += 1
    return ExportReport(path=Path(path), written=written, left_out=left_out)
