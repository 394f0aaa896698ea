"""Each customer: their name, how often they come, and the rest of their contact card."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crmtui.services.contacts import build_search_text
from crmtui.services.demo.common import DAY, YEAR_DAYS, utc
from crmtui.services.demo.cultures import (
    CHINESE_GREETINGS,
    CULTURE_BY_KEY,
    CULTURE_CUM,
    CULTURES,
    Culture,
    Showcase,
    pick_name,
)
from crmtui.services.demo.phones import new_phone
from crmtui.services.text import fold

# A habit is drawn with the person, not with the sales: it sets the window the till plans
# their visits in and how many of them to expect.

# How customers come back, and what share of them does so.
_HABITS: tuple[tuple[str, float], ...] = (
    ("regular", 0.16),  # weekly or more, all year
    ("occasional", 0.40),  # every few weeks
    ("lapsed", 0.20),  # came for a while, stopped months ago
    ("new", 0.10),  # first came in the last six weeks
    ("once", 0.10),  # one visit
    ("never", 0.04),  # signed up, never bought
)
_HABIT_KINDS = tuple(kind for kind, _ in _HABITS)
_HABIT_CUM = list(itertools.accumulate(share for _, share in _HABITS))


@dataclass
class Person:
    """A customer as planned before anything is written; the till draws their sales from it."""

    culture: Culture
    female: bool
    full_name: str
    given: str
    greeting_name: str | None
    habit: str
    visits_expected: float
    window_from: float  # days before now
    window_to: float
    created_ago_days: float
    pool: str
    tags: list[str]
    home_phone: bool


def _habit_window(rng: random.Random, habit: str) -> tuple[float, float, float]:
    """(days ago the visits start, days ago they stop, visits expected in between)."""
    if habit == "regular":
        start = YEAR_DAYS if rng.random() < 0.6 else rng.uniform(120, YEAR_DAYS)
        return start, 0.0, start * rng.uniform(0.7, 2.0) / 7
    if habit == "occasional":
        start = YEAR_DAYS if rng.random() < 0.4 else rng.uniform(45, YEAR_DAYS)
        return start, 0.0, max(1.0, start * rng.uniform(1 / 60, 1 / 14))
    if habit == "lapsed":
        start = rng.uniform(150, YEAR_DAYS)
        stop = rng.uniform(60, start - 30)
        return start, stop, max(2.0, (start - stop) * rng.uniform(1 / 30, 1 / 7))
    if habit == "new":
        start = rng.uniform(1, 42)
        return start, 0.0, max(1.0, start * rng.uniform(1 / 10, 3 / 7))
    if habit == "once":
        day = rng.uniform(0, YEAR_DAYS)
        return day, max(0.0, day - 1), 1.0
    return 0.0, 0.0, 0.0


def new_person(rng: random.Random, showcase: Showcase | None) -> Person:
    if showcase is not None:
        culture = CULTURE_BY_KEY[showcase.culture]
        female = showcase.female
        full_name = showcase.full_name
        given = full_name.split()[0] if not culture.han else full_name[1:]
        greeting = showcase.greeting
        habit = "regular" if rng.random() < 0.6 else "occasional"
        home_phone = showcase.home_phone
    else:
        culture = CULTURES[bisect.bisect_right(CULTURE_CUM, rng.random() * CULTURE_CUM[-1])]
        female = rng.random() < 0.52
        full_name, given = pick_name(rng, culture, female)
        greeting = None
        roll = rng.random()
        if culture.han and roll < 0.25:
            greeting = rng.choice(CHINESE_GREETINGS)
        elif roll < 0.12:
            greeting = dict(culture.nicknames).get(given)
        habit = _HABIT_KINDS[bisect.bisect_right(_HABIT_CUM, rng.random() * _HABIT_CUM[-1])]
        home_phone = rng.random() < culture.home_phone_share
    window_from, window_to, visits = _habit_window(rng, habit)
    tags: list[str] = []
    pool = "normal"
    roll = rng.random()
    if roll < 0.006 and habit in ("regular", "occasional"):
        tags.append("wholesale")
        pool = "wholesale"
        visits = max(1.0, visits / 4)
    elif roll < 0.08:
        tags.append("office")
        pool = "office"
    if habit == "regular" and rng.random() < 0.75:
        tags.append("regular")
    if rng.random() < 0.09:
        tags.append("student")
    if rng.random() < 0.12:
        tags.append("neighbour")
    if rng.random() < 0.004:
        tags.append("staff")
    if habit == "never" or window_from >= YEAR_DAYS - 1:
        created_ago = max(window_from, 1.0) + rng.uniform(0, 2 * YEAR_DAYS)
    else:
        created_ago = window_from + rng.uniform(0, 3)
    return Person(
        culture=culture,
        female=female,
        full_name=full_name,
        given=given,
        greeting_name=greeting,
        habit=habit,
        visits_expected=visits,
        window_from=window_from,
        window_to=window_to,
        created_ago_days=created_ago,
        pool=pool,
        tags=tags,
        home_phone=home_phone,
    )


# -- the rest of the contact card ---------------------------------------------------------
# Drawn only as each contact row is written (in id order), after the sales plan, because the
# card depends on it: an archived contact is a lapsed one whose last sale is known.


def _email(
    rng: random.Random, person: Person, birth_year: int | None, taken: set[str]
) -> str | None:
    words = [
        "".join(ch for ch in word if ch.isascii() and ch.isalnum())
        for word in fold(person.full_name).split()
    ]
    words = [word for word in words if word]
    if not words:
        return None
    if person.culture.han and len(words) >= 2:
        first, last = "".join(words[1:]), words[0]  # 王伟 → wei, wang
    elif person.culture.middle is not None:
        first, last = words[-1], words[0]
    else:
        first, last = words[0], words[-1]
    style = rng.random()
    if style < 0.35:
        local = f"{first}.{last}"
    elif style < 0.55:
        local = f"{first}{last}"
    elif style < 0.70:
        local = f"{first[0]}{last}"
    elif style < 0.85:
        suffix = birth_year % 100 if birth_year else rng.randint(1, 99)
        local = f"{first}.{last}{suffix:02d}"
    elif style < 0.93:
        local = f"{first}_{last}"
    else:
        local = f"{last}.{first}"
    domain = rng.choice(person.culture.domains)
    email = f"{local}@{domain}"
    while email in taken:
        email = f"{local}{rng.randint(1, 999)}@{domain}"
    taken.add(email)
    return email


def _birthday(
    rng: random.Random, person: Person, now: datetime
) -> tuple[int | None, int | None, int | None]:
    """(year or None, month, day) for most people; nothing for the rest."""
    if rng.random() > 0.72:
        return None, None, None
    if "student" in person.tags:
        age = rng.randint(18, 24)
    else:
        age = int(min(85, max(16, rng.gauss(38, 13))))
    month = rng.randint(1, 12)
    days = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    day = rng.randint(1, days)
    year: int | None = now.year - age
    if rng.random() < 0.3:
        year = None  # "24.12": people often give the day, not the year
    elif year is not None and (month, day) == (2, 29) and year % 4:
        day = 28
    return year, month, day


_NOTES = (
    "Allergic to nuts: always check the label.",
    "Oat milk, extra hot.",
    "Orders a birthday cake every March.",
    "Works at the bank next door; often orders for the team.",
    "Likes the window seat.",
    "Prefers decaf after noon.",
    "Gluten-free: offer the almond cake.",
    "Brings the dog; keep a biscuit back.",
    "Lubi sernik z rodzynkami.",
    "Pays by card only.",
    "Asked us to hold a sourdough loaf on Saturdays.",
)
_CONSENT_LATER_SOURCES = ("edit", "paper form", "qr signup")


def contact_row(
    rng: random.Random,
    person: Person,
    *,
    contact_id: int,
    referral_code: str,
    created_ts: int,
    last_sale_ts: int,
    balance: int,
    now: datetime,
    phones_taken: set[str],
    emails_taken: set[str],
) -> dict[str, Any]:
    """The contact table's row for `person`, with their phone, e-mail, birthday and consent."""
    now_ts = int(now.timestamp())
    phone_raw = phone_e164 = None
    if rng.random() < 0.92:
        region = person.culture.home_region if person.home_phone else "GB"
        phone_raw, phone_e164 = new_phone(rng, region, phones_taken)
    birthday_year, birthday_month, birthday_day = _birthday(rng, person, now)
    email = _email(rng, person, birthday_year, emails_taken) if rng.random() < 0.65 else None
    if phone_e164 is None and email is None and rng.random() < 0.5:
        email = _email(rng, person, birthday_year, emails_taken)

    consent, consent_ts, consent_source = False, None, None
    roll = rng.random()
    if roll < 0.45:
        consent = True
        if rng.random() < 0.7:
            consent_ts, consent_source = created_ts, "counter"
        else:
            consent_ts = rng.randint(created_ts, now_ts)
            consent_source = rng.choice(_CONSENT_LATER_SOURCES)
    elif roll < 0.48:  # gave consent once, then withdrew it
        consent_ts = rng.randint(created_ts, now_ts)
        consent_source = "withdrawn via edit"

    archived_ts = None
    if person.habit == "lapsed" and last_sale_ts and rng.random() < 0.04:
        archived_ts = min(now_ts - DAY, last_sale_ts + rng.randint(30, 90) * DAY)
        archived_ts = max(archived_ts, last_sale_ts + 60)
    updated_ts = max(created_ts, consent_ts or 0, archived_ts or 0)
    notes = rng.choice(_NOTES) if rng.random() < 0.05 else ""

    return {
        "id": contact_id,
        "full_name": person.full_name,
        "greeting_name": person.greeting_name,
        "phone_raw": phone_raw,
        "phone_e164": phone_e164,
        "email": email,
        "birthday_year": birthday_year,
        "birthday_month": birthday_month,
        "birthday_day": birthday_day,
        "notes": notes,
        "marketing_consent": consent,
        "consent_at": utc(consent_ts) if consent_ts is not None else None,
        "consent_source": consent_source,
        "referral_code": referral_code,
        "sort_name": fold(person.full_name),
        "search_text": build_search_text(
            full_name=person.full_name,
            greeting_name=person.greeting_name,
            phone_e164=phone_e164,
            phone_raw=phone_raw,
            email=email,
        ),
        "points_balance": balance,
        "last_sale_at": utc(last_sale_ts) if last_sale_ts else None,
        "created_at": utc(created_ts),
        "updated_at": utc(updated_ts),
        "archived_at": utc(archived_ts) if archived_ts is not None else None,
    }
