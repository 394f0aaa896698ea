"""The last computed Insights figures, kept in the `setting` table so the screen opens at once.

An `Overview` is written as JSON text, never pickle: reading a shop file must never run code.
Only the insights data classes below can come back out of it, and only with exactly their
fields; anything else (a snapshot from another version, a damaged value) reads as "no
snapshot", so the screen falls back to computing, as it would on a new shop.

Encoding, so that a round trip gives an equal object:
- a data class is `{"$": "<ClassName>", <field>: <value>, ...}`;
- a date is `{"$": "date", "v": "YYYY-MM-DD"}`, a datetime `{"$": "datetime", "v": <ISO 8601>}`
  (with its offset when it has one), a Decimal `{"$": "decimal", "v": "<digits>"}`;
- a tuple is a JSON array; ints, floats, strings, booleans and None are themselves (Python's
  json writes floats with repr, which reads back to the same float).
Text is written with ASCII escapes, so any string a contact name can hold (control characters,
lone surrogates, RTL overrides) survives the trip and the UTF-8 column unchanged.

The stored row holds no personal data: the names in the top lists are blanked when it is
written and read from the contact table when it is read, so erasing or renaming a customer
reaches the stored figures at once (the row is not rewritten until the next computation).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from crmtui.db.models import Contact, Setting
from crmtui.services.insights.dto import (
    Measure,
    Overview,
    ScoredCustomer,
    SegmentRow,
    Term,
    TopReferrer,
    WeeklyTrend,
)
from crmtui.services.insights.periods import PRESET_DAYS, Period

if TYPE_CHECKING:
    from sqlmodel import Session

FORMAT = 1  # bump when the shape changes; an older snapshot is then ignored, not misread
KEY_PREFIX = "insights.snapshot."

# The only classes a snapshot may contain: decoding builds nothing else.
_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (Overview, Period, Measure, Term, WeeklyTrend, SegmentRow, ScoredCustomer,
                TopReferrer)
}  # fmt: skip


class SnapshotError(ValueError):
    """The stored text is not a snapshot this version can read."""


def snapshot_key(days: int) -> str:
    return f"{KEY_PREFIX}{days}"


def _encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(f"{name} cannot be stored in an insights snapshot")
        encoded: dict[str, object] = {"$": name}
        for field in dataclasses.fields(value):
            encoded[field.name] = _encode(getattr(value, field.name))
        return encoded
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} cannot be stored in an insights snapshot")


def _decode(value: object) -> object:
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    if not isinstance(value, dict):
        return value
    tag = value.get("$")
    if tag in ("datetime", "date", "decimal"):
        text = value.get("v")
        if not isinstance(text, str) or set(value) != {"$", "v"}:
            raise SnapshotError(f"a {tag} without its text")
        try:
            if tag == "datetime":
                return datetime.fromisoformat(text)
            if tag == "date":
                return date.fromisoformat(text)
            return Decimal(text)
        except ValueError as exc:  # decimal.InvalidOperation is a ValueError too
            raise SnapshotError(f"{tag} {text[:40]!r}: {exc}") from None
    cls = _CLASSES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise SnapshotError(f"unknown kind of value {str(tag)[:40]!r}")
    names = {field.name for field in dataclasses.fields(cls)}
    given = set(value) - {"$"}
    if given != names:
        raise SnapshotError(f"{tag} fields differ: {sorted(given ^ names)}")
    return cls(**{name: _decode(value[name]) for name in names})


def dumps(overview: Overview, computed_at: datetime) -> str:
    """JSON text for an overview and the moment its figures were read."""
    document = {
        "format": FORMAT,
        "computed_at": _encode(computed_at),
        "overview": _encode(overview),
    }
    return json.dumps(document, ensure_ascii=True, separators=(",", ":"))


def loads(text: str) -> tuple[Overview, datetime]:
    """The overview and its moment back from `dumps`; SnapshotError if it is not one."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SnapshotError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError("not an insights snapshot of this version")
    try:
        overview = _decode(document.get("overview"))
        computed_at = _decode(document.get("computed_at"))
    except (TypeError, RecursionError) as exc:  # wrong types inside a well-formed document
        raise SnapshotError(str(exc)) from None
    if not isinstance(overview, Overview) or not isinstance(computed_at, datetime):
        raise SnapshotError("the snapshot lacks its overview or its moment")
    return overview, computed_at


# -- the setting rows -----------------------------------------------------------------------
def is_standard(period: Period, *, today: date) -> bool:
    """A preset period ending today: the only ones worth keeping (the screen's keys 1–3)."""
    return period.days in PRESET_DAYS and period.last_day == today


GONE = "—"  # a top customer whose contact row no longer exists


def _without_names(overview: Overview) -> Overview:
    return dataclasses.replace(
        overview,
        top_customers=tuple(dataclasses.replace(p, full_name="") for p in overview.top_customers),
        top_referrers=tuple(dataclasses.replace(r, full_name="") for r in overview.top_referrers),
    )


def _with_current_names(session: Session, overview: Overview) -> Overview:
    ids = {p.contact_id for p in overview.top_customers} | {
        r.contact_id for r in overview.top_referrers
    }
    if not ids:
        return overview
    rows = session.exec(select(Contact.id, Contact.full_name).where(col(Contact.id).in_(ids)))
    names = dict(rows.all())
    return dataclasses.replace(
        overview,
        top_customers=tuple(
            dataclasses.replace(p, full_name=names.get(p.contact_id, GONE))
            for p in overview.top_customers
        ),
        top_referrers=tuple(
            dataclasses.replace(r, full_name=names.get(r.contact_id, GONE))
            for r in overview.top_referrers
        ),
    )


def read_snapshot(*, session: Session, days: int) -> tuple[Overview, datetime] | None:
    """The stored figures for the `days`-day preset, whatever day they end on, or None."""
    if days not in PRESET_DAYS:
        return None
    row = session.get(Setting, snapshot_key(days))
    if row is None:
        return None
    try:
        overview, computed_at = loads(row.value)
    except SnapshotError:
        return None  # unreadable: as if never computed; the next computation replaces it
    if overview.period.days != days:
        return None
    return _with_current_names(session, overview), computed_at


def _stored_moment(text: str) -> datetime | None:
    try:
        return loads(text)[1]
    except SnapshotError:
        return None


def write_snapshot(*, session: Session, overview: Overview, computed_at: datetime) -> bool:
    """Store the figures for their preset; False when a newer snapshot is already there
    (two computations may finish out of order: the app's daily run and the screen's)."""
    key = snapshot_key(overview.period.days)
    text = dumps(_without_names(overview), computed_at)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
        return True
    stored_at = _stored_moment(row.value)
    if stored_at is not None and stored_at > computed_at:
        return False
    row.value = text
    session.add(row)
    return True
