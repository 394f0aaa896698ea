"""Everything the shop holds about one person, as JSON to hand them on request.

Other people appear only by id (a referrer's name is their data, not this person's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session

from crmtui.services.contacts import NotFoundError
from crmtui.services.exchange.files import private_text_file

# table → the column that ties its rows to the person
_ABOUT_THEM = (
    ("contact_tag", "contact_id"),
    ("sale", "contact_id"),
    ("points_entry", "contact_id"),
    ("followup_task", "contact_id"),
    ("interaction", "contact_id"),
    ("feedback", "contact_id"),
    ("referral", "referee_id"),
)


def _rows(session: Session, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    result = session.connection().exec_driver_sql(sql, params)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def person_document(*, session: Session, contact_id: int) -> dict[str, Any]:
    found = _rows(session, "SELECT * FROM contact WHERE id = ?", (contact_id,))
    if not found:
        raise NotFoundError(f"No customer with id {contact_id}")
    person = found[0]
    for internal in ("sort_name", "search_text"):  # derived copies of what is already there
        person.pop(internal, None)
    document: dict[str, Any] = {"format": "crmtui-person", "contact": person}
    for table, column in _ABOUT_THEM:
        document[table] = _rows(
            session, f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (contact_id,)
        )
    document["referrals_made"] = _rows(
        session,
        "SELECT id, referee_id, status, created_at FROM referral WHERE referrer_id = ? ORDER BY id",
        (contact_id,),
    )
    document["sale_refund"] = _rows(
        session,
        "SELECT r.* FROM sale_refund r JOIN sale s ON s.id = r.sale_id "
        "WHERE s.contact_id = ? ORDER BY r.id",
        (contact_id,),
    )
    return document


def export_person(*, session: Session, contact_id: int, path: Path) -> int:
    """Write the person's data to `path` (mode 0600); returns how many rows it holds."""
    document = person_document(session=session, contact_id=contact_id)
    with private_text_file(Path(path)) as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return 1 + sum(len(v) for v in document.values() if isinstance(v, list))
