"""Which column holds what: guessed from the headers of common exports, changeable by the owner."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# What a column can feed. Given and family names are joined into the one full name.
FIELDS: dict[str, str] = {
    "ignore": "(ignore this column)",
    "full_name": "Full name",
    "given_name": "Given name",
    "family_name": "Family name",
    "greeting_name": "Greeting name",
    "phone": "Phone",
    "email": "Email",
    "birthday": "Birthday",
    "tags": "Tags",
    "notes": "Notes",
    "points": "Points (opening balance)",
    "marketing_consent": "Marketing consent",
}
# Fields that may take only one column; notes and tags collect from several.
SINGLE_FIELDS = frozenset(FIELDS) - {"ignore", "notes", "tags"}

# Folded header → field. Google Contacts (old and new), Square's customer export, Outlook,
# and the generic names crmtui's own export writes.
_KNOWN_HEADERS: dict[str, str] = {
    # generic and crmtui's own
    "name": "full_name",
    "full name": "full_name",
    "fullname": "full_name",
    "full_name": "full_name",
    "display name": "full_name",
    "customer": "full_name",
    "customer name": "full_name",
    "greeting_name": "greeting_name",
    "greeting": "greeting_name",
    "nickname": "greeting_name",
    "phone": "phone",
    "telephone": "phone",
    "mobile": "phone",
    "mobile phone": "phone",
    "cell": "phone",
    "tel": "phone",
    "phone number": "phone",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "birthday": "birthday",
    "date of birth": "birthday",
    "dob": "birthday",
    "tags": "tags",
    "labels": "tags",
    "groups": "tags",
    "group membership": "tags",
    "notes": "notes",
    "note": "notes",
    "memo": "notes",
    "comments": "notes",
    "points": "points",
    "loyalty points": "points",
    "points balance": "points",
    "balance": "points",
    "marketing_consent": "marketing_consent",
    "marketing consent": "marketing_consent",
    "consent": "marketing_consent",
    "email subscription status": "marketing_consent",
    "accepts marketing": "marketing_consent",
    # Google Contacts
    "given name": "given_name",
    "first name": "given_name",
    "firstname": "given_name",
    "family name": "family_name",
    "last name": "family_name",
    "lastname": "family_name",
    "surname": "family_name",
    "e-mail 1 - value": "email",
    "phone 1 - value": "phone",
}
_SPACES = re.compile(r"\s+")


def guess_field(header: str) -> str:
    folded = _SPACES.sub(" ", header.strip().casefold())
    return _KNOWN_HEADERS.get(folded) or _KNOWN_HEADERS.get(folded.replace("_", " "), "ignore")


def guess_mapping(headers: Sequence[str]) -> tuple[str, ...]:
    """One field per column; a single-valued field goes to the first column that claims it."""
    taken: set[str] = set()
    result: list[str] = []
    for header in headers:
        field = guess_field(header)
        if field in SINGLE_FIELDS and field in taken:
            field = "ignore"
        taken.add(field)
        result.append(field)
    return tuple(result)


def mapping_problems(mapping: Sequence[str]) -> list[str]:
    """What is wrong with a mapping as a whole, in words; empty when it can be imported."""
    problems: list[str] = []
    for field in mapping:
        if field not in FIELDS:
            problems.append(f"Unknown field {field!r}")
    for field in SINGLE_FIELDS:
        if list(mapping).count(field) > 1:
            problems.append(f"Only one column can be the {FIELDS[field].lower()}")
    if not ({"full_name", "given_name", "family_name"} & set(mapping)):
        problems.append("No column is mapped to a name (full, given or family name)")
    return problems


def row_values(mapping: Sequence[str], row: Sequence[str]) -> Mapping[str, str]:
    """The cells of one row by field; several notes or tags columns are joined."""
    values: dict[str, str] = {}
    for field, cell in zip(mapping, row, strict=False):
        if field == "ignore" or not cell.strip():
            continue
        if field in values:
            joiner = "\n" if field == "notes" else ", "
            values[field] = f"{values[field]}{joiner}{cell}"
        else:
            values[field] = cell
    return values
