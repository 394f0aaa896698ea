"""Checking what the owner typed into a contact form. Pure: no database, cheap per keystroke."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from crmtui.services.dto import Birthday, Problems
from crmtui.services.phones import Phone, PhoneError, normalise_phone, phone_or_none
from crmtui.services.text import describe_char, first_forbidden_char

MAX_NAME = 200
MAX_NOTES = 10_000
MAX_TAG = 40
MAX_TAGS = 20


@dataclass(frozen=True)
class ContactInput:
    """A contact form exactly as typed."""

    full_name: str = ""
    phone: str = ""
    email: str = ""
    birthday: str = ""
    tags: str = ""
    notes: str = ""
    greeting_name: str = ""
    marketing_consent: bool = False
    # New customers only: the referrer's code, or a name or phone to search for them.
    referred_by: str = ""


@dataclass(frozen=True)
class CleanContact:
    full_name: str
    greeting_name: str | None
    phone_raw: str | None
    phone: Phone | None
    email: str | None
    birthday: Birthday | None
    tags: tuple[str, ...]
    notes: str
    marketing_consent: bool


class ContactError(ValueError):
    def __init__(self, problems: Problems) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.errors.items()))
        self.problems = problems


_BIRTHDAY_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"--(\d{1,2})-(\d{1,2})"), ("m", "d")),
    (re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{1,2})[./](\d{1,2})\.?"), ("d", "m")),
)


def parse_birthday(typed: str, *, today: date) -> Birthday:
    """`24.12.1990`, `1990-12-24`, `24.12` or `--12-24`; the year is optional."""
    text = typed.strip()
    for pattern, order in _BIRTHDAY_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            break
    else:
        raise ValueError("Write a birthday as 24.12.1990, 1990-12-24 or 24.12 (no year)")
    year = parts.get("y")
    month, day = parts["m"], parts["d"]
    if not 1 <= month <= 12:
        raise ValueError(f"There is no month {month}")
    # Checked before building a date: year 0 is not a `date` at all.
    if year is not None and year < today.year - 130:
        raise ValueError(f"{year} is too long ago for a birthday")
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 February without a year is fine
    except ValueError:
        raise ValueError(f"{day} is not a day of month {month}") from None
    if year is not None and date(year, month, day) > today:
        raise ValueError("That birthday is in the future")
    return Birthday(month=month, day=day, year=year)


def parse_tags(typed: str) -> tuple[str, ...]:
    """`vip, Regular  vip` → ("regular", "vip"): lower case, unique, sorted."""
    tags = {t.strip().lower() for t in re.split(r"[,;]", typed) if t.strip()}
    return tuple(sorted(tags))


def _check_line(field: str, value: str, limit: int, errors: dict[str, str]) -> None:
    if len(value) > limit:
        errors[field] = f"At most {limit:,} characters ({len(value):,} typed)"
    elif (bad := first_forbidden_char(value)) is not None:
        errors[field] = f"Contains a control character {describe_char(bad)}; remove it"


def check_contact(data: ContactInput, *, region: str, today: date) -> CleanContact | Problems:
    """Either the cleaned contact or every problem, field by field."""
    errors: dict[str, str] = {}
    name = data.full_name.strip()
    if not name:
        errors["full_name"] = "A name is required"
    else:
        _check_line("full_name", name, MAX_NAME, errors)
    greeting = data.greeting_name.strip()
    _check_line("greeting_name", greeting, MAX_NAME, errors)

    phone = None
    if data.phone.strip():
        try:
            phone = normalise_phone(data.phone.strip(), region)
        except PhoneError as exc:
            errors["phone"] = str(exc)

    email = None
    if data.email.strip():
        try:
            email = _normalise_email(data.email)
        except EmailNotValidError as exc:
            errors["email"] = str(exc)

    birthday = None
    if data.birthday.strip():
        try:
            birthday = parse_birthday(data.birthday, today=today)
        except ValueError as exc:
            errors["birthday"] = str(exc)

    tags = parse_tags(data.tags)
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"At most {MAX_TAGS} tags"
    for tag in tags:
        if len(tag) > MAX_TAG:
            errors["tags"] = f"Tag “{tag[:20]}…” is longer than {MAX_TAG} characters"
        elif (bad := first_forbidden_char(tag)) is not None:
            errors["tags"] = f"A tag contains a control character {describe_char(bad)}"

    notes = data.notes.replace("\r\n", "\n").replace("\r", "\n").strip()  # pasted Windows text
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"At most {MAX_NOTES:,} characters ({len(notes):,} typed)"
    elif (bad := first_forbidden_char(notes, allow_newlines=True)) is not None:
        errors["notes"] = f"Contains a control character {describe_char(bad)}; remove it"

    if errors:
        return Problems(errors)
    return CleanContact(
        full_name=name,
        greeting_name=greeting or None,
        phone_raw=data.phone.strip() or None,
        phone=phone,
        email=email,
        birthday=birthday,
        tags=tags,
        notes=notes,
        marketing_consent=data.marketing_consent,
    )


def _normalise_email(typed: str) -> str:
    """Lower case throughout, so one mailbox is one customer (raises EmailNotValidError)."""
    return validate_email(typed.strip(), check_deliverability=False).normalized.lower()


def identity_keys(*, phone: str, email: str, region: str) -> tuple[str | None, str | None]:
    """The normalised phone and email, each on its own: None where that field is not valid."""
    parsed = phone_or_none(phone.strip(), region) if phone.strip() else None
    email_key = None
    if email.strip():
        with contextlib.suppress(EmailNotValidError):
            email_key = _normalise_email(email)
    return (parsed.e164 if parsed else None), email_key


def split_search_text(typed: str) -> ContactInput:
    """Prefill a new-customer form from the counter's search: digits → phone, letters → name."""
    text = typed.strip()
    digits_like = re.fullmatch(r"\+?\(?\d[\d\s()\-./]*", text)
    if text and digits_like:
        return ContactInput(phone=text)
    return ContactInput(full_name=text)
