"""Shop settings, stored as JSON values in the `setting` table."""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, col, select

from crmtui.db.models import Setting
from crmtui.services.dto import Problems, ShopSettings
from crmtui.services.money import is_known_currency
from crmtui.services.phones import is_known_region
from crmtui.services.text import describe_char, first_forbidden_char

MAX_SHOP_NAME = 80


def _system_territory() -> str | None:
    for var in ("LC_ALL", "LC_MONETARY", "LANG"):
        value = os.environ.get(var, "")
        head = value.split(".")[0]
        if "_" in head:
            territory = head.split("_")[1].upper()
            if len(territory) == 2 and is_known_region(territory):
                return territory
    return None


def default_settings() -> ShopSettings:
    """First-run settings, guessed from the system locale (falls back to US / USD)."""
    region = _system_territory() or "US"
    currency = "USD"
    try:
        from babel.numbers import get_territory_currencies

        currencies = get_territory_currencies(region)
        if currencies:
            currency = currencies[0]
    except Exception:  # an unusual territory: keep the fallback
        pass
    return ShopSettings(
        shop_name="My shop",
        currency=currency,
        phone_region=region,
        points_per_unit="1",
        locale=locale_for_region(region),
    )


def locale_for_region(region: str) -> str:
    """The most likely locale of a territory, for money and dates (PL → pl_PL)."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(f"und_{region.upper()}"))
    except (UnknownLocaleError, ValueError):
        return "en"


_FIELDS = ("shop_name", "currency", "phone_region", "points_per_unit")


def get_settings(*, session: Session) -> ShopSettings:
    rows = session.exec(select(Setting).where(col(Setting.key).in_(_FIELDS))).all()
    stored = {row.key: json.loads(row.value) for row in rows}
    base = default_settings()
    region = stored.get("phone_region", base.phone_region)
    return ShopSettings(
        shop_name=stored.get("shop_name", base.shop_name),
        currency=stored.get("currency", base.currency),
        phone_region=region,
        points_per_unit=stored.get("points_per_unit", base.points_per_unit),
        locale=locale_for_region(region) if "phone_region" in stored else base.locale,
    )


def validate_settings(values: dict[str, str]) -> Problems:
    errors: dict[str, str] = {}
    name = values.get("shop_name", "").strip()
    if not name:
        errors["shop_name"] = "The shop needs a name"
    elif len(name) > MAX_SHOP_NAME:
        errors["shop_name"] = f"At most {MAX_SHOP_NAME} characters ({len(name)} typed)"
    elif (bad := first_forbidden_char(name)) is not None:
        errors["shop_name"] = f"Contains a control character {describe_char(bad)}"
    currency = values.get("currency", "").strip().upper()
    if not (len(currency) == 3 and currency.isalpha() and is_known_currency(currency)):
        errors["currency"] = "Use a 3-letter ISO 4217 code such as EUR, GBP, PLN, USD"
    region = values.get("phone_region", "").strip().upper()
    if not (len(region) == 2 and is_known_region(region)):
        errors["phone_region"] = "Use a 2-letter country code such as PL, GB, US, AM"
    rate = values.get("points_per_unit", "").strip().replace(",", ".")
    try:
        parsed = Decimal(rate)
        if not parsed.is_finite() or parsed < 0 or parsed > 1000:
            errors["points_per_unit"] = "Use a number from 0 to 1000, e.g. 1 or 0.5"
        elif parsed.as_tuple().exponent < -2:  # type: ignore[operator]
            errors["points_per_unit"] = "At most 2 decimals, e.g. 0.25"
    except InvalidOperation:
        errors["points_per_unit"] = "Use a number, e.g. 1 or 0.5"
    return Problems(errors)


def save_settings(*, session: Session, values: dict[str, str]) -> ShopSettings:
    """Validate and store; raises ValueError with the problems if anything is wrong."""
    problems = validate_settings(values)
    if problems:
        raise SettingsError(problems)
    clean: dict[str, Any] = {
        "shop_name": values["shop_name"].strip(),
        "currency": values["currency"].strip().upper(),
        "phone_region": values["phone_region"].strip().upper(),
        "points_per_unit": str(Decimal(values["points_per_unit"].strip().replace(",", "."))),
    }
    for key in _FIELDS:
        row = session.get(Setting, key)
        encoded = json.dumps(clean[key], ensure_ascii=False)
        if row is None:
            session.add(Setting(key=key, value=encoded))
        else:
            row.value = encoded
            session.add(row)
    session.flush()
    return get_settings(session=session)


class SettingsError(ValueError):
    def __init__(self, problems: Problems) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.errors.items()))
        self.problems = problems
