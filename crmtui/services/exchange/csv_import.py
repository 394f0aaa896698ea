"""Planning an import: rows become checked contacts, matches with existing people, or errors.

Nothing here writes. `plan_import` reads the existing contacts only to find matches by
normalised phone or email; `crmtui.services.exchange.import_writer` then lands the plan in
one transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import repeat

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from crmtui.db.models import Contact
from crmtui.services.dto import Problems
from crmtui.services.exchange.csv_export import unneutralise
from crmtui.services.exchange.mapping import row_values
from crmtui.services.exchange.reading import RawTable
from crmtui.services.validation import CleanContact, ContactInput, check_contact

MAX_POINTS = 10_000_000
CHECK_CHUNK = 2500  # records per progress step (and per process, for a large file)
PARALLEL_FROM = 20_000  # below this, starting processes costs more than it saves
MAX_CHECK_PROCESSES = 4
_CHUNK = 900
_YES = frozenset({"yes", "y", "true", "1", "subscribed", "opted in", "opted_in", "tak", "x"})
_NO = frozenset({"no", "n", "false", "0", "unsubscribed", "opted out", "not subscribed", "nie"})
_GOOGLE_SYSTEM_GROUPS = frozenset({"* mycontacts", "* starred"})
# Google Contacts puts several values in one cell: "+48 601 ::: +48 602".
_MULTI_VALUE = re.compile(r"\s*:::\s*")


@dataclass(frozen=True)
class ImportRecord:
    """One person as read from a file: field → text, and where it was (line or card number)."""

    line: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True)
class PlannedRow:
    line: int
    clean: CleanContact
    points: int
    consent: bool | None  # None: the file says nothing about consent


Checked = PlannedRow | RowError


@dataclass(frozen=True)
class Match:
    """A row that names someone already in the shop (same phone or email)."""

    row: PlannedRow
    contact_id: int
    contact_name: str
    matched_on: str  # "phone" or "email"


@dataclass(frozen=True)
class ImportPlan:
    new: tuple[PlannedRow, ...]
    matches: tuple[Match, ...]
    errors: tuple[RowError, ...]
    total: int

    @property
    def summary(self) -> str:
        return (
            f"{self.total:,} rows: {len(self.new):,} new, {len(self.matches):,} already in "
            f"the shop, {len(self.errors):,} with errors"
        )


def records_from_table(table: RawTable, mapping: Sequence[str]) -> list[ImportRecord]:
    return [
        ImportRecord(line=line, values=row_values(mapping, row))
        for line, row in zip(table.line_numbers, table.rows, strict=True)
    ]


def first_value(value: str) -> str:
    return _MULTI_VALUE.split(value.strip(), maxsplit=1)[0]


def _tags(value: str) -> str:
    """Google writes its groups as "* myContacts ::: VIP": system groups go, stars too."""
    kept = [
        t.strip().removeprefix("* ")
        for t in re.split(r":::|,|;", value)
        if t.strip() and t.strip().casefold() not in _GOOGLE_SYSTEM_GROUPS
    ]
    return ", ".join(kept)


def parse_consent(value: str) -> bool:
    folded = value.strip().casefold()
    if folded in _YES:
        return True
    if folded in _NO or not folded:
        return False
    raise ValueError(f"marketing consent “{value[:30]}” is neither yes nor no")


def parse_points(value: str) -> int:
    text = value.strip().replace(" ", "").replace("\u00a0", "").replace("_", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"points “{value[:30]}” are not a whole number")
    points = int(text)
    if points < 0:
        raise ValueError("points cannot be negative in an opening balance")
    if points > MAX_POINTS:
        raise ValueError(f"points {points:,} are more than {MAX_POINTS:,}")
    return points


# An email whose local part is a plain dot-atom needs only its domain checked, and a file
# names few domains: email_validator costs ~0.1 ms an address, a third of a row's checking.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
MAX_EMAIL, MAX_LOCAL_PART = 254, 64


@lru_cache(maxsize=4096)
def _normal_domain(domain: str) -> str | None:
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def quick_email(typed: str) -> str | None:
    """The address as crmtui stores it (lower case, normalised domain), or None when the
    full check must decide (anything but a plain local part, or a domain it refuses)."""
    text = typed.strip()
    local, at, domain = text.rpartition("@")
    if not at or len(text) > MAX_EMAIL or len(local) > MAX_LOCAL_PART:
        return None
    if not _DOT_ATOM.fullmatch(local):
        return None
    normal = _normal_domain(domain)
    return f"{local}@{normal}".lower() if normal else None


def _check_quickly(typed: ContactInput, *, region: str, today: date) -> CleanContact | Problems:
    """check_contact's answer, with the email taken by `quick_email` when it can be; any
    problem at all goes back through check_contact so the messages are exactly its own."""
    email = quick_email(typed.email) if typed.email.strip() else None
    if typed.email.strip() and email is None:
        return check_contact(typed, region=region, today=today)
    result = check_contact(replace(typed, email=""), region=region, today=today)
    if isinstance(result, Problems):
        return check_contact(typed, region=region, today=today)
    return replace(result, email=email)


def check_record(record: ImportRecord, *, region: str, today: date) -> PlannedRow | RowError:
    """One record as a checked row, or the exact reasons it cannot be imported."""
    values = {k: unneutralise(v.strip()) for k, v in record.values.items()}
    name = values.get("full_name", "") or " ".join(
        part for part in (values.get("given_name", ""), values.get("family_name", "")) if part
    )
    reasons: list[str] = []
    points, consent = 0, None
    try:
        points = parse_points(values["points"]) if "points" in values else 0
    except ValueError as exc:
        reasons.append(str(exc))
    try:
        consent = (
            parse_consent(values["marketing_consent"]) if "marketing_consent" in values else None
        )
    except ValueError as exc:
        reasons.append(str(exc))
    typed = ContactInput(
        full_name=name,
        phone=first_value(values.get("phone", "")),
        email=first_value(values.get("email", "")),
        birthday=values.get("birthday", ""),
        tags=_tags(values.get("tags", "")),
        notes=values.get("notes", ""),
        greeting_name=values.get("greeting_name", ""),
        marketing_consent=bool(consent),
    )
    result = _check_quickly(typed, region=region, today=today)
    if isinstance(result, Problems):
        reasons = [
            f"{field.replace('_', ' ')}: {msg}" for field, msg in result.errors.items()
        ] + reasons
    if reasons:
        return RowError(line=record.line, reason="; ".join(reasons))
    assert isinstance(result, CleanContact)
    return PlannedRow(line=record.line, clean=result, points=points, consent=consent)


def _existing(session: Session, column: object, keys: list[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = session.exec(
            select(column, Contact.id, Contact.full_name)  # type: ignore[call-overload]
            .where(col(column).in_(keys[start : start + _CHUNK]))  # type: ignore[arg-type]
            .where(col(Contact.erased_at).is_(None), col(Contact.merged_into_id).is_(None))
            .order_by(col(Contact.id))
        ).all()
        for key, contact_id, name in rows:
            found.setdefault(key, (contact_id, name))
    return found


def _check_chunk(records: Sequence[ImportRecord], region: str, today: date) -> list[Checked]:
    return [check_record(r, region=region, today=today) for r in records]


def check_all(
    records: Sequence[ImportRecord],
    *,
    region: str,
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> list[Checked]:
    """check_record for every record, in file order. Phone and email checks cost ~0.1 ms each,
    so a large file is checked in chunks on every core (separate processes: the checks are
    pure Python and hold the GIL); a small one here, where start-up would cost more."""
    total = len(records)
    chunks = [records[i : i + CHECK_CHUNK] for i in range(0, total, CHECK_CHUNK)]
    workers = min(os.cpu_count() or 1, MAX_CHECK_PROCESSES)
    results: list[Checked] = []
    if total >= PARALLEL_FROM and workers >= 2:
        # spawn, not fork: the caller may be a thread of the running app, and forking a
        # threaded process can copy a held lock into the child.
        context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                for checked in pool.map(_check_chunk, chunks, repeat(region), repeat(today)):
                    results += checked
                    if progress is not None:
                        progress(len(results), total)
            return results
        except (BrokenProcessPool, OSError):
            # A child could not start (no importable __main__, no processes left): check
            # here instead, from the start, so the plan is the same either way.
            results = []
    for chunk in chunks:
        results += _check_chunk(chunk, region, today)
        if progress is not None:
            progress(len(results), total)
    return results


def plan_import(
    *,
    session: Session,
    records: Sequence[ImportRecord],
    region: str,
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Check every record, match it against the shop, and say what an import would do."""
    checked: list[PlannedRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    total = 0
    for outcome in check_all(records, region=region, today=today, progress=progress):
        total += 1
        if isinstance(outcome, RowError):
            errors.append(outcome)
            continue
        keys = [("phone", outcome.clean.phone.e164)] if outcome.clean.phone else []
        keys += [("email", outcome.clean.email)] if outcome.clean.email else []
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            field = next(k[0] for k in keys if k in seen)
            errors.append(
                RowError(outcome.line, f"same {field} as line {earlier}; merge the two rows")
            )
            continue
        for key in keys:
            seen[key] = outcome.line
        checked.append(outcome)
    phones = _existing(
        session, Contact.phone_e164, sorted({r.clean.phone.e164 for r in checked if r.clean.phone})
    )
    emails = _existing(
        session, Contact.email, sorted({r.clean.email for r in checked if r.clean.email})
    )
    new: list[PlannedRow] = []
    matches: list[Match] = []
    for row in checked:
        if row.clean.phone and row.clean.phone.e164 in phones:
            contact_id, name = phones[row.clean.phone.e164]
            matches.append(Match(row, contact_id, name, "phone"))
        elif row.clean.email and row.clean.email in emails:
            contact_id, name = emails[row.clean.email]
            matches.append(Match(row, contact_id, name, "email"))
        else:
            new.append(row)
    return ImportPlan(new=tuple(new), matches=tuple(matches), errors=tuple(errors), total=total)
