"""Money as integer minor units; amounts parsed the way people type them."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

MAX_AMOUNT_MINOR = 10**12  # far above any one sale in a small shop; guards against typos


class AmountError(ValueError):
    """The typed amount is not a usable amount; the message says why, for the owner."""


@lru_cache(maxsize=64)
def currency_exponent(currency: str) -> int:
    """Minor-unit digits of an ISO 4217 currency: EUR → 2, JPY → 0, BHD → 3."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency.upper()))


@lru_cache(maxsize=64)
def is_known_currency(code: str) -> bool:
    from babel.numbers import list_currencies

    return code.upper() in list_currencies()


_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


def parse_amount(typed: str, *, exponent: int = 2, symbol: str | None = None) -> int:
    """Parse `12.5`, `12,50`, `1 200`, `1.200,50` or `1,200.50` into minor units.

    With both `.` and `,` present the last one is the decimal mark. A lone mark followed by
    exactly three digits is a thousands separator (`1,200`) unless the currency has three
    decimals. More decimals than the currency has are refused, not rounded.
    """
    text = typed.strip()
    if symbol:
        text = text.replace(symbol, "")
    text = _GROUPING_SPACES.sub("", text)
    if not text:
        raise AmountError("Type an amount, e.g. 12.50")
    if text.startswith("-"):
        raise AmountError("The amount must be positive")
    if text.startswith("+"):
        text = text[1:]
    if not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"[0-9]", text):
        raise AmountError(f"“{typed.strip()[:20]}” is not an amount; type digits, e.g. 12.50")
    integer, fraction = _split_decimal(text, exponent)
    if len(fraction) > exponent:
        if exponent == 0:
            raise AmountError("This currency has no decimals")
        raise AmountError(f"At most {exponent} decimals")
    if not integer and not fraction:
        raise AmountError("Type an amount, e.g. 12.50")
    integer = integer.lstrip("0")  # int() refuses strings over 4,300 digits, zeros included
    if len(integer) > len(str(MAX_AMOUNT_MINOR)):
        raise AmountError("That amount is too large for one sale")
    minor = int(integer or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise AmountError("The amount must be more than zero")
    if minor > MAX_AMOUNT_MINOR:
        raise AmountError("That amount is too large for one sale")
    return minor


def _split_decimal(text: str, exponent: int) -> tuple[str, str]:
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        if text.count(decimal_mark) > 1:
            raise AmountError("Use one decimal mark, e.g. 1,200.50")
        integer, fraction = text.split(decimal_mark)
        groups = integer.split(group_mark)
        if any(len(g) != 3 for g in groups[1:]) or not groups[0]:
            raise AmountError("Digit groups must have three digits, e.g. 1,200.50")
        return "".join(groups), fraction
    mark = "." if dots else "," if commas else None
    if mark is None:
        return text, ""
    parts = text.split(mark)
    if len(parts) > 2:  # 1.200.000: only grouping
        if any(len(g) != 3 for g in parts[1:]) or not parts[0]:
            raise AmountError("Digit groups must have three digits, e.g. 1.200.000")
        return "".join(parts), ""
    integer, fraction = parts
    if len(fraction) == 3 and exponent < 3 and integer:
        return integer + fraction, ""
    return integer, fraction


def minor_to_decimal(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def format_money(minor: int, currency: str, *, locale: str = "en") -> str:
    """`1250, "EUR"` → `€12.50` in the shop's locale."""
    from babel.numbers import format_currency

    exponent = currency_exponent(currency)
    return format_currency(minor_to_decimal(minor, exponent), currency.upper(), locale=locale)


def format_plain(minor: int, exponent: int) -> str:
    """Unlocalised `12.50`, for prefilling an input the owner will edit."""
    return f"{minor_to_decimal(minor, exponent):.{exponent}f}"


@lru_cache(maxsize=64)
def currency_symbol(currency: str, locale: str = "en") -> str:
    from babel.numbers import get_currency_symbol

    return str(get_currency_symbol(currency.upper(), locale=locale))
