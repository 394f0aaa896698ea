"""Amounts as people type them, parsed into integer minor units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmtui.services.money import (
    MAX_AMOUNT_MINOR,
    AmountError,
    currency_exponent,
    format_money,
    format_plain,
    parse_amount,
)


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("12.5", 1250),
        ("12,5", 1250),
        ("12.50", 1250),
        ("12,50", 1250),
        ("12", 1200),
        ("0.99", 99),
        (".5", 50),
        ("0,01", 1),
        ("1 200", 120000),
        ("1 200,50", 120050),
        ("1.200,50", 120050),
        ("1,200.50", 120050),
        ("1,200", 120000),
        ("1.200", 120000),
        ("1.200.000", 120000000),
        ("1,200,000.99", 120000099),
        ("1\u00a0200,50", 120050),  # no-break space, as pl_PL and fr_FR group
        ("1\u202f200,50", 120050),  # narrow no-break space
        ("1'200.50", 120050),  # Swiss grouping
        ("  12,50  ", 1250),
        ("+12.50", 1250),
        ("007", 700),
    ],
)
def test_typed_amounts(typed: str, minor: int) -> None:
    assert parse_amount(typed) == minor


@pytest.mark.parametrize(
    ("typed", "symbol", "minor"),
    [
        ("12,50 zł", "zł", 1250),
        ("zł12,50", "zł", 1250),
        ("$1,234.50", "$", 123450),
        ("€ 12,50", "€", 1250),
        ("12.50€", "€", 1250),
    ],
)
def test_currency_symbol_is_ignored(typed: str, symbol: str, minor: int) -> None:
    assert parse_amount(typed, symbol=symbol) == minor


@pytest.mark.parametrize(
    ("typed", "exponent", "minor"),
    [
        ("1250", 0, 1250),
        ("1 250", 0, 1250),
        ("1,250", 0, 1250),
        ("1.250", 0, 1250),
        ("12.500", 3, 12500),
        ("12,5", 3, 12500),
        ("1,200", 3, 1200),  # three decimals: a lone mark before three digits is the decimal
        ("1.234,567", 3, 1234567),
    ],
)
def test_exponents(typed: str, exponent: int, minor: int) -> None:
    assert parse_amount(typed, exponent=exponent) == minor


def test_shop_parses_with_its_currency(shop) -> None:
    assert shop.settings.exponent == 2
    assert shop.parse_amount("12,50 zł") == 1250
    assert shop.parse_amount("1 200") == 120000
    with pytest.raises(AmountError):
        shop.parse_amount("zł")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type an amount"),
        ("   ", "Type an amount"),
        ("\u00a0", "Type an amount"),
        (".", "is not an amount"),
        ("abc", "is not an amount"),
        ("12a", "is not an amount"),
        ("12.50 PLN", "is not an amount"),
        ("1e3", "is not an amount"),
        ("½", "is not an amount"),
        ("١٢", "is not an amount"),  # Arabic-Indic digits
        ("-5", "must be positive"),
        ("-0.01", "must be positive"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("0,0", "more than zero"),
        ("12.5555", "At most 2 decimals"),
        ("12,505", None),  # three digits after one mark: grouping, so 12505.00 (not an error)
        ("1.2.3", "three digits"),
        ("1,2,3", "three digits"),
        ("1,20.50", "three digits"),
        (",200.50", "three digits"),
        ("1.200,50,3", "one decimal mark"),
        ("1,200.50.3", "one decimal mark"),
        ("10000000000.01", "too large"),
        ("9" * 30, "too large"),
    ],
)
def test_amount_errors_say_why(typed: str, message: str | None) -> None:
    if message is None:
        assert parse_amount(typed) == 1250500
        return
    with pytest.raises(AmountError, match=message):
        parse_amount(typed)


def test_no_decimals_for_a_currency_without_minor_units() -> None:
    with pytest.raises(AmountError, match="no decimals"):
        parse_amount("12,5", exponent=0)
    with pytest.raises(AmountError, match="At most 3 decimals"):
        parse_amount("1.2345", exponent=3)


def test_very_long_digit_strings_are_an_amount_error() -> None:
    """Python refuses int() on over 4,300 digits with a plain ValueError; the owner gets words."""
    for typed in ["9" * 5000, "1" + "0" * 5000 + ".50", "0." + "0" * 5000 + "1"]:
        with pytest.raises(AmountError):
            parse_amount(typed)
    assert parse_amount("0" * 5000 + "1,50") == 150


def test_largest_amount() -> None:
    assert parse_amount("10 000 000 000,00") == MAX_AMOUNT_MINOR
    with pytest.raises(AmountError, match="too large"):
        parse_amount("10 000 000 000,01")


def test_currency_exponents() -> None:
    assert currency_exponent("PLN") == 2
    assert currency_exponent("eur") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("BHD") == 3


def test_format_plain_and_money() -> None:
    assert format_plain(1250, 2) == "12.50"
    assert format_plain(7, 2) == "0.07"
    assert format_plain(1250, 0) == "1250"
    assert format_plain(12500, 3) == "12.500"
    assert format_money(1250, "EUR") == "€12.50"
    assert format_money(123450, "PLN", locale="pl_PL") == "1\u00a0234,50\u00a0zł"


# -- property tests -------------------------------------------------------------------------------


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def human_styles(minor: int, exponent: int) -> list[str]:
    """Ways a person writes this amount, each unambiguous for the currency's exponent."""
    units, fraction = divmod(minor, 10**exponent)
    whole = str(units)
    frac = f"{fraction:0{exponent}d}" if exponent else ""
    styles: list[tuple[str, str]] = [
        ("", "."),  # 1234.50
        ("", ","),  # 1234,50
        (" ", "."),  # 1 234.50
        (" ", ","),  # 1 234,50
        ("\u00a0", ","),  # 1 234,50 with a no-break space
        ("\u202f", ","),  # narrow no-break space
        (".", ","),  # 1.234,50
        (",", "."),  # 1,234.50
        ("'", "."),  # 1'234.50
    ]
    out = []
    for group, mark in styles:
        body = _group(whole, group) if group else whole
        out.append(f"{body}{mark}{frac}" if exponent else body)
        if exponent and frac.rstrip("0") != frac:  # trailing zeros left off: 12.5
            trimmed = frac.rstrip("0")
            if trimmed:
                out.append(f"{body}{mark}{trimmed}")
            elif group not in ".,":
                # "3.125" alone reads as a decimal in a 3-decimal currency: documented rule
                out.append(body)
    if exponent and fraction == 0 and units < 1000:
        out.append(whole)
    return out


@settings(max_examples=300, deadline=None)
@given(
    exponent=st.sampled_from([0, 2, 3]),
    data=st.data(),
)
def test_every_human_style_parses_back(exponent: int, data: st.DataObject) -> None:
    minor = data.draw(st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR), label="minor")
    for typed in human_styles(minor, exponent):
        assert parse_amount(typed, exponent=exponent) == minor, typed
        assert parse_amount(f" {typed} zł", exponent=exponent, symbol="zł") == minor, typed
    assert parse_amount(format_plain(minor, exponent), exponent=exponent) == minor


@settings(max_examples=300, deadline=None)
@given(
    typed=st.one_of(
        st.text(max_size=30),
        st.text(alphabet="0123456789.,  \u00a0\u202f'+-zł$€e", max_size=30),
    ),
    exponent=st.sampled_from([0, 2, 3]),
    symbol=st.sampled_from([None, "", "zł", "$", "€", "kr"]),
)
def test_parse_raises_nothing_but_amount_error(typed: str, exponent: int, symbol) -> None:
    try:
        minor = parse_amount(typed, exponent=exponent, symbol=symbol)
    except AmountError as exc:
        assert str(exc)  # always a message for the owner
        return
    assert isinstance(minor, int)
    assert 0 < minor <= MAX_AMOUNT_MINOR
