"""Phone numbers as customers give them: valid for their region, typed in many styles."""

from __future__ import annotations

import itertools
import random

import phonenumbers
from phonenumbers import PhoneNumberFormat

from crmtui.services.demo.common import DemoError

# National number length, and "prefix:weight" ranges that phonenumbers accepts (mobiles, and a
# few geographic GB ranges). Every drawn number is still checked with is_valid_number.
_PHONE_PLANS: dict[str, tuple[int, str]] = {
    "GB": (10, "74:3 75:3 77:4 78:4 79:4 73:1 71:1 207:0.8 208:0.5 121:0.2 161:0.2 113:0.1"),
    "PL": (9, "50:2 51:2 53:1 57:1 60:2 66:1 69:2 72:1 78:1 79:2 88:1"),
    "CN": (11, "13:4 15:3 18:3 17:1 19:1"),
    "AM": (8, "77:3 91:2 93:2 94:1 95:1 98:1 99:2 55:1 41:1 43:1"),
    "ES": (9, "6:6 71:1 72:1 73:1"),
}


def _phone_ranges(region: str) -> tuple[int, tuple[str, ...], list[float]]:
    """(national length, prefixes, cumulative weights): a plan, parsed once for rng.choices."""
    length, plan = _PHONE_PLANS[region]
    pairs = [item.split(":") for item in plan.split()]
    weights = itertools.accumulate(float(weight) for _, weight in pairs)
    return length, tuple(prefix for prefix, _ in pairs), list(weights)


_PHONE_RANGES = {region: _phone_ranges(region) for region in _PHONE_PLANS}


def new_phone(rng: random.Random, region: str, taken: set[str]) -> tuple[str, str]:
    """(as typed, E.164): a valid, unused number of `region`, written as people type it."""
    length, prefixes, cum_weights = _PHONE_RANGES[region]
    country_code = phonenumbers.country_code_for_region(region)
    for _ in range(200):
        prefix = rng.choices(prefixes, cum_weights=cum_weights)[0]
        rest = length - len(prefix)
        national = prefix + str(rng.randrange(10**rest)).zfill(rest)
        number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if e164 in taken:
            continue
        taken.add(e164)
        return _as_typed(rng, number, e164, home=region == "GB"), e164
    raise DemoError(f"could not draw a valid {region} phone number")  # a broken plan above


def _as_typed(rng: random.Random, number: phonenumbers.PhoneNumber, e164: str, home: bool) -> str:
    """One of the ways people write a number down, so the app's normalising has work to do."""
    roll = rng.random()
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if not home:  # a foreign number is written with its country code
        if roll < 0.55:
            return international
        if roll < 0.75:
            return e164
        if roll < 0.90:
            return "00" + international[1:]
        return international.replace(" ", "-")
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if roll < 0.45:
        return national
    if roll < 0.70:
        return national.replace(" ", "")
    if roll < 0.82:
        return international
    if roll < 0.88:
        return e164
    digits = "0" + str(number.national_number)
    if roll < 0.94 and len(digits) == 11:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return national.replace(" ", "-")
