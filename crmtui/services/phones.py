"""Phone numbers, normalised to E.164 with the shop's default region (phonenumbers)."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


@dataclass(frozen=True)
class Phone:
    e164: str
    national_digits: str
    international: str


class PhoneError(ValueError):
    pass


def normalise_phone(typed: str, region: str) -> Phone:
    """Parse what the owner typed; raise PhoneError with a reason a person understands."""
    try:
        number = phonenumbers.parse(typed, region.upper())
    except NumberParseException as exc:
        raise PhoneError(_parse_reason(exc, region, typed)) from None
    if not phonenumbers.is_possible_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        if reason == phonenumbers.ValidationResult.TOO_SHORT:
            raise PhoneError("Phone number is too short")
        if reason == phonenumbers.ValidationResult.TOO_LONG:
            raise PhoneError("Phone number is too long")
        raise PhoneError(f"Not a possible phone number for region {region.upper()}")
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(
            f"Not a valid phone number for region {region.upper()} "
            "(add the country code, starting with +, for a foreign number)"
        )
    return Phone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national_digits=str(number.national_number),
        international=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
    )


def phone_or_none(typed: str, region: str) -> Phone | None:
    """The number if `typed` is a whole valid phone number, else None (used by search)."""
    try:
        return normalise_phone(typed, region)
    except PhoneError:
        return None


def example_phone(region: str) -> str:
    """A mobile number of the shop's region, written nationally and internationally, as a
    hint for the form ("e.g. 0121 234 5678 or +44 121 234 5678")."""
    number = phonenumbers.example_number_for_type(
        region.upper(), phonenumbers.PhoneNumberType.MOBILE
    )
    if number is None:
        return "e.g. +48 601 234 567, with the country code"
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return f"e.g. {national} or {international}"


def is_known_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS


def _parse_reason(exc: NumberParseException, region: str, typed: str) -> str:
    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        if typed.lstrip().startswith("+"):
            return "Unknown country code after the +"
        return "Unknown country code; start foreign numbers with +"
    if kind == NumberParseException.NOT_A_NUMBER:
        return "Not a phone number: use digits, spaces, + ( ) -"
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return "Phone number is too short"
    if kind == NumberParseException.TOO_LONG:
        return "Phone number is too long"
    return f"Not a phone number for region {region.upper()}"
