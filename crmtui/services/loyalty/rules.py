"""The loyalty rules the owner sets: tiers, bonuses, promotions, expiry and what a point is worth.

Stored as one JSON value (`loyalty.rules`) in the setting table. Rules apply from the moment
they are saved: every ledger entry already written keeps the points it gave, and its reason
says which rule gave them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from crmtui.db.models import Setting
from crmtui.services.dto import Problems
from crmtui.services.text import describe_char, first_forbidden_char

RULES_KEY = "loyalty.rules"
LAST_DAILY_KEY = "loyalty.last_daily"  # the local date of the last daily run
MAX_TIERS = 5
MAX_PROMOTIONS = 3
MAX_NAME = 30
MAX_BONUS = 1_000_000
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BIRTHDAY_MODES = ("day", "month")
EXPIRY_MODES = ("off", "fifo", "inactivity")


@dataclass(frozen=True)
class Tier:
    name: str
    threshold_minor: int  # rolling 12-month spend at which the tier starts
    multiplier: str  # a decimal as text: "1", "1.25"


@dataclass(frozen=True)
class Promotion:
    """Bonus points by weekday (0 = Monday) or by a date range, as an earning multiplier."""

    name: str
    multiplier: str
    weekdays: tuple[int, ...] = ()
    start: date | None = None
    end: date | None = None

    def applies_on(self, day: date) -> bool:
        if self.weekdays:
            return day.weekday() in self.weekdays
        return self.start is not None and self.end is not None and self.start <= day <= self.end

    def when_text(self) -> str:
        if self.weekdays:
            return ",".join(WEEKDAYS[d] for d in self.weekdays)
        return f"{self.start}..{self.end}"


@dataclass(frozen=True)
class LoyaltyRules:
    tiers: tuple[Tier, ...]
    signup_bonus: int = 0
    birthday_bonus: int = 0
    birthday_mode: str = "day"
    promotions: tuple[Promotion, ...] = ()
    expiry_mode: str = "off"
    expiry_months: int = 12
    point_value_minor: str = "1"  # what one point is worth, in minor units (a decimal)

    def tier_for(self, spend_minor: int) -> Tier:
        reached = [tier for tier in self.tiers if tier.threshold_minor <= spend_minor]
        return max(reached, key=lambda tier: tier.threshold_minor) if reached else self.tiers[0]

    def next_tier(self, spend_minor: int) -> Tier | None:
        ahead = [tier for tier in self.tiers if tier.threshold_minor > spend_minor]
        return min(ahead, key=lambda tier: tier.threshold_minor) if ahead else None

    def promotion_on(self, day: date) -> Promotion | None:
        """The best promotion of the day: promotions never stack, the highest one counts."""
        running = [promo for promo in self.promotions if promo.applies_on(day)]
        return max(running, key=lambda promo: Decimal(promo.multiplier)) if running else None


def default_rules(exponent: int) -> LoyaltyRules:
    unit = 10**exponent
    return LoyaltyRules(
        tiers=(
            Tier("Member", 0, "1"),
            Tier("Silver", 500 * unit, "1.25"),
            Tier("Gold", 1500 * unit, "1.5"),
        )
    )


def _decode(raw: dict[str, Any]) -> LoyaltyRules:
    return LoyaltyRules(
        tiers=tuple(Tier(**tier) for tier in raw["tiers"]),
        signup_bonus=int(raw.get("signup_bonus", 0)),
        birthday_bonus=int(raw.get("birthday_bonus", 0)),
        birthday_mode=str(raw.get("birthday_mode", "day")),
        promotions=tuple(
            Promotion(
                name=promo["name"],
                multiplier=promo["multiplier"],
                weekdays=tuple(promo.get("weekdays", ())),
                start=date.fromisoformat(promo["start"]) if promo.get("start") else None,
                end=date.fromisoformat(promo["end"]) if promo.get("end") else None,
            )
            for promo in raw.get("promotions", ())
        ),
        expiry_mode=str(raw.get("expiry_mode", "off")),
        expiry_months=int(raw.get("expiry_months", 12)),
        point_value_minor=str(raw.get("point_value_minor", "1")),
    )


def _encode(rules: LoyaltyRules) -> str:
    raw = asdict(rules)
    for promo in raw["promotions"]:
        promo["start"] = promo["start"].isoformat() if promo["start"] else None
        promo["end"] = promo["end"].isoformat() if promo["end"] else None
    return json.dumps(raw, ensure_ascii=False, sort_keys=True)


def get_rules(*, session: Session, exponent: int | None = None) -> LoyaltyRules:
    row = session.get(Setting, RULES_KEY)
    if row is not None:
        return _decode(json.loads(row.value))
    if exponent is None:
        from crmtui.services.settings import get_settings

        exponent = get_settings(session=session).exponent
    return default_rules(exponent)


def store_rules(*, session: Session, rules: LoyaltyRules) -> LoyaltyRules:
    row = session.get(Setting, RULES_KEY)
    if row is None:
        row = Setting(key=RULES_KEY, value="")
    row.value = _encode(rules)
    session.add(row)
    session.flush()
    return rules


def last_daily_run(*, session: Session) -> str | None:
    row = session.get(Setting, LAST_DAILY_KEY)
    return str(json.loads(row.value)) if row is not None else None


def mark_daily_run(*, session: Session, day: str) -> None:
    row = session.get(Setting, LAST_DAILY_KEY) or Setting(key=LAST_DAILY_KEY, value="")
    row.value = json.dumps(day)
    session.add(row)


# -- the settings form: text in, rules or problems out ---------------------------------------


def _name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME:
        return f"At most {MAX_NAME} characters"
    if (bad := first_forbidden_char(name)) is not None:
        return f"Contains a control character {describe_char(bad)}"
    return None


def _multiplier(text: str) -> Decimal:
    value = Decimal(text.strip().replace(",", ".").lstrip("×x*"))
    if not value.is_finite() or not Decimal("0.1") <= value <= 10:
        raise InvalidOperation
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidOperation
    return value


def _is_zero(text: str) -> bool:
    """`""`, `0`, `0.00`, `0,00` or `£0`: the first tier's threshold, which parse_amount
    (made for sales) refuses."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch in ".,")
    return not digits.strip(".,") or set(digits) <= set("0.,")


def _whole(text: str, *, low: int, high: int) -> int:
    value = int(text.strip() or "0")
    if not low <= value <= high:
        raise ValueError
    return value


def parse_when(text: str) -> tuple[tuple[int, ...], date | None, date | None]:
    """`tue`, `sat,sun` or `2026-12-01..2026-12-24` → (weekdays, start, end)."""
    text = text.strip().lower()
    if ".." in text:
        first, _, last = text.partition("..")
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        if end < start:
            raise ValueError("the range ends before it starts")
        return (), start, end
    days = [part.strip()[:3] for part in text.replace(" ", ",").split(",") if part.strip()]
    if not days or any(day not in WEEKDAYS for day in days):
        raise ValueError("use weekdays (mon, tue, …) or a range 2026-12-01..2026-12-24")
    return tuple(sorted({WEEKDAYS.index(day) for day in days})), None, None


def rules_form(rules: LoyaltyRules, *, exponent: int) -> dict[str, str]:
    """The stored rules as the settings form shows them."""
    from crmtui.services.money import format_plain

    def money(minor: int) -> str:
        return format_plain(minor, exponent)

    values: dict[str, str] = {}
    for index in range(MAX_TIERS):
        tier = rules.tiers[index] if index < len(rules.tiers) else None
        values[f"tier{index}_name"] = tier.name if tier else ""
        values[f"tier{index}_threshold"] = money(tier.threshold_minor) if tier else ""
        values[f"tier{index}_multiplier"] = tier.multiplier if tier else ""
    for index in range(MAX_PROMOTIONS):
        promo = rules.promotions[index] if index < len(rules.promotions) else None
        values[f"promo{index}_name"] = promo.name if promo else ""
        values[f"promo{index}_when"] = promo.when_text() if promo else ""
        values[f"promo{index}_multiplier"] = promo.multiplier if promo else ""
    values["signup_bonus"] = str(rules.signup_bonus)
    values["birthday_bonus"] = str(rules.birthday_bonus)
    values["birthday_mode"] = rules.birthday_mode
    values["expiry_mode"] = rules.expiry_mode
    values["expiry_months"] = str(rules.expiry_months)
    values["point_value"] = f"{Decimal(rules.point_value_minor).scaleb(-exponent).normalize():f}"
    return values


def _row(values: dict[str, str], prefix: str, fields: tuple[str, ...]) -> tuple[str, ...] | None:
    """One row of a repeated group (a tier, a promotion), stripped; None when left empty."""
    row = tuple(values.get(f"{prefix}_{field}", "").strip() for field in fields)
    return row if any(row) else None


def _check_row_name(errors: dict[str, str], key: str, name: str, what: str) -> None:
    if not name:
        errors[key] = f"{what} needs a name (or clear the whole row)"
    elif problem := _name_problem(name):
        errors[key] = problem


def _parse_tiers(values: dict[str, str], parse_money: Any, errors: dict[str, str]) -> list[Tier]:
    tiers: list[Tier] = []
    for index in range(MAX_TIERS):
        row = _row(values, f"tier{index}", ("name", "threshold", "multiplier"))
        if row is None:
            continue
        name, threshold, multiplier = row
        _check_row_name(errors, f"tier{index}_name", name, "A tier")
        try:
            minor = 0 if _is_zero(threshold) else parse_money(threshold)
        except ValueError as exc:
            errors[f"tier{index}_threshold"] = str(exc) or "Type an amount, e.g. 500"
            minor = 0
        try:
            rate = _multiplier(multiplier or "1")
        except InvalidOperation:
            errors[f"tier{index}_multiplier"] = "A multiplier from 0.1 to 10, e.g. 1.25"
            rate = Decimal(1)
        tiers.append(Tier(name, minor, str(rate)))
    if not tiers:
        errors["tier0_name"] = "Keep at least one tier (the one everyone starts in)"
    elif tiers[0].threshold_minor != 0:
        errors["tier0_threshold"] = "The first tier starts at 0: everyone is in it"
    thresholds = [tier.threshold_minor for tier in tiers]
    if len(set(thresholds)) != len(thresholds) or thresholds != sorted(thresholds):
        errors.setdefault(
            "tier1_threshold", "Each tier needs a higher threshold than the one above"
        )
    names = [tier.name.casefold() for tier in tiers]
    if len(set(names)) != len(names):
        errors.setdefault("tier1_name", "Two tiers have the same name")
    return tiers


def _parse_promotions(values: dict[str, str], errors: dict[str, str]) -> list[Promotion]:
    promotions: list[Promotion] = []
    for index in range(MAX_PROMOTIONS):
        row = _row(values, f"promo{index}", ("name", "when", "multiplier"))
        if row is None:
            continue
        name, when, multiplier = row
        _check_row_name(errors, f"promo{index}_name", name, "A promotion")
        try:
            weekdays, start, end = parse_when(when)
        except ValueError as exc:
            errors[f"promo{index}_when"] = f"Not understood: {exc}"
            weekdays, start, end = (), None, None
        try:
            rate = _multiplier(multiplier)
        except InvalidOperation:
            errors[f"promo{index}_multiplier"] = "A multiplier from 0.1 to 10, e.g. 2"
            rate = Decimal(1)
        promotions.append(Promotion(name, str(rate), weekdays, start, end))
    return promotions


def parse_rules_form(
    values: dict[str, str], *, parse_money: Any, exponent: int
) -> LoyaltyRules | Problems:
    """Check every field of the form; `parse_money(text)` gives minor units or ValueError."""
    errors: dict[str, str] = {}
    tiers = _parse_tiers(values, parse_money, errors)
    promotions = _parse_promotions(values, errors)
    bonuses: dict[str, int] = {}
    for key in ("signup_bonus", "birthday_bonus"):
        try:
            bonuses[key] = _whole(values.get(key, "0"), low=0, high=MAX_BONUS)
        except ValueError:
            errors[key] = f"Whole points from 0 to {MAX_BONUS:,} (0 turns it off)"
            bonuses[key] = 0
    birthday_mode = values.get("birthday_mode", "day")
    if birthday_mode not in BIRTHDAY_MODES:
        errors["birthday_mode"] = "Choose on the day or during the birthday month"
    expiry_mode = values.get("expiry_mode", "off")
    if expiry_mode not in EXPIRY_MODES:
        errors["expiry_mode"] = "Choose off, FIFO or inactivity"
    try:
        months = _whole(values.get("expiry_months", "12"), low=1, high=120)
    except ValueError:
        errors["expiry_months"] = "Whole months from 1 to 120"
        months = 12
    try:
        point_value = _point_value(values.get("point_value", ""), exponent)
    except ValueError:
        errors["point_value"] = "What one point is worth, e.g. 0.01 (0 to 1,000)"
        point_value = Decimal(0)
    if errors:
        return Problems(errors)
    return LoyaltyRules(
        tiers=tuple(tiers),
        signup_bonus=bonuses["signup_bonus"],
        birthday_bonus=bonuses["birthday_bonus"],
        birthday_mode=birthday_mode,
        promotions=tuple(promotions),
        expiry_mode=expiry_mode,
        expiry_months=months,
        point_value_minor=str(point_value.normalize()),
    )


def _point_value(text: str, exponent: int) -> Decimal:
    """`0.01` (currency units, as typed) → minor units as a decimal (1 for two decimals)."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch in ".,")
    try:
        value = Decimal(digits.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or not 0 <= value <= 1000:
        raise ValueError(text)
    return value.scaleb(exponent)
