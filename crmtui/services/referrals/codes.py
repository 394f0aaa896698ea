"""Reading a referral code as a person typed it: any case, spaces and dashes ignored, and a
look-alike character (0 for D, 1 for T) accepted only when exactly one stored code fits."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crmtui.db.models import Contact
from crmtui.services.contacts import REFERRAL_ALPHABET, REFERRAL_LENGTH

# Characters that never appear in a code, and the code characters they are mistaken for.
LOOK_ALIKES: dict[str, str] = {
    "0": "DQ",
    "O": "DQ",
    "1": "7T",
    "I": "7T",
    "L": "7T",
    "2": "7",
    "Z": "7",
    "5": "6",
    "S": "6",
    "8": "3",
    "B": "3",
}
MAX_CANDIDATES = 256  # 4 look-alikes at 2 readings each stay well inside this
_SEPARATORS = re.compile(r"[\s\-‐-―_.·]+")


@dataclass(frozen=True)
class CodeReading:
    """What a typed code can be: the candidate codes, and a note on any look-alike read."""

    cleaned: str
    candidates: tuple[str, ...]
    problem: str | None = None


def read_code(typed: str) -> CodeReading:
    """Normalise and expand look-alikes. `problem` is set when this cannot be a code at all."""
    cleaned = _SEPARATORS.sub("", typed).upper()
    if len(cleaned) != REFERRAL_LENGTH:
        return CodeReading(cleaned, (), f"A code has {REFERRAL_LENGTH} characters")
    options: list[str] = []
    for char in cleaned:
        if char in REFERRAL_ALPHABET:
            options.append(char)
        elif char in LOOK_ALIKES:
            options.append(LOOK_ALIKES[char])
        elif char.isascii() and char.isalnum():
            options.append(char)  # not in our alphabet, but an imported code may have it
        else:
            return CodeReading(cleaned, (), f"“{char}” never appears in a referral code")
    total = 1
    for option in options:
        total *= len(option)
    if total > MAX_CANDIDATES:
        return CodeReading(cleaned, (), "Too many unclear characters; read the code again")
    candidates = tuple("".join(parts) for parts in itertools.product(*options))
    if cleaned not in candidates:  # a code made elsewhere (an import) may use any letters
        candidates = (cleaned, *candidates)
    return CodeReading(cleaned, candidates)


def looks_like_code(typed: str) -> bool:
    """Six characters, no spaces inside a word, at least one digit or look-alike digit: a
    code rather than a name. Names almost never carry digits."""
    cleaned = _SEPARATORS.sub("", typed).upper()
    if len(cleaned) != REFERRAL_LENGTH or not cleaned.isascii() or not cleaned.isalnum():
        return False
    return any(ch.isdigit() for ch in cleaned) or typed.strip().isupper()


@dataclass(frozen=True)
class CodeMatch:
    contact_id: int
    code: str
    corrected: bool  # a look-alike was read as the code character it resembles


def find_by_code(*, session: Session, typed: str) -> CodeMatch | str:
    """The one contact whose code this is, or a sentence saying why there is none."""
    reading = read_code(typed)
    if reading.problem is not None:
        return reading.problem
    rows = session.exec(
        select(Contact.id, Contact.referral_code).where(
            col(Contact.referral_code).in_(reading.candidates)
        )
    ).all()
    if not rows:
        return f"No customer has the code {reading.cleaned}"
    exact = [row for row in rows if row[1] == reading.cleaned]
    if exact:
        rows = exact
    if len(rows) > 1:
        codes = ", ".join(sorted(code for _id, code in rows))
        return f"{reading.cleaned} is unclear: it could be {codes}. Ask for the code again"
    contact_id, code = rows[0]
    assert contact_id is not None
    return CodeMatch(contact_id=contact_id, code=code, corrected=code != reading.cleaned)
