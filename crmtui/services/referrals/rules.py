"""The referral program's settings, stored as `referrals.*` keys in the setting table."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crmtui.db.models import Setting
from crmtui.services.dto import Problems
from crmtui.services.money import AmountError, format_plain, parse_amount

MAX_POINTS = 1_000_000
MAX_CAP = 1_000
PREFIX = "referrals."


@dataclass(frozen=True)
class ReferralRules:
    referrer_points: int = 100
    referee_points: int = 50
    min_amount_minor: int = 0  # 0: any first purchase qualifies
    monthly_cap: int = 0  # rewarded referrals per referrer per calendar month; 0: no cap

    @property
    def pays_anything(self) -> bool:
        return self.referrer_points > 0 or self.referee_points > 0


FORM_FIELDS = ("referrer_points", "referee_points", "min_amount", "monthly_cap")


def get_rules(*, session: Session) -> ReferralRules:
    rows = session.exec(select(Setting).where(col(Setting.key).startswith(PREFIX))).all()
    stored = {row.key.removeprefix(PREFIX): json.loads(row.value) for row in rows}
    base = ReferralRules()
    return ReferralRules(
        referrer_points=int(stored.get("referrer_points", base.referrer_points)),
        referee_points=int(stored.get("referee_points", base.referee_points)),
        min_amount_minor=int(stored.get("min_amount_minor", base.min_amount_minor)),
        monthly_cap=int(stored.get("monthly_cap", base.monthly_cap)),
    )


def form_values(rules: ReferralRules, *, exponent: int) -> dict[str, str]:
    """The rules as the settings form shows them (the minimum as money, blank when off)."""
    return {
        "referrer_points": str(rules.referrer_points),
        "referee_points": str(rules.referee_points),
        "min_amount": format_plain(rules.min_amount_minor, exponent)
        if rules.min_amount_minor
        else "",
        "monthly_cap": str(rules.monthly_cap) if rules.monthly_cap else "",
    }


def _whole(typed: str, *, limit: int, blank_ok: bool) -> int | str:
    text = typed.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return 0 if blank_ok else "Type a whole number, e.g. 100 (0 gives nothing)"
    if not text.isascii() or not text.isdigit():
        return "Use a whole number of 0 or more, e.g. 100"
    if len(text) > 9 or int(text) > limit:
        return f"At most {limit:,}"
    return int(text)


def check_rules(
    values: dict[str, str], *, exponent: int, symbol: str | None
) -> ReferralRules | Problems:
    """Either the rules typed, or every problem field by field. Pure: cheap per keystroke."""
    errors: dict[str, str] = {}
    parsed: dict[str, int] = {}
    for name in ("referrer_points", "referee_points"):
        result = _whole(values.get(name, ""), limit=MAX_POINTS, blank_ok=False)
        if isinstance(result, str):
            errors[name] = result
        else:
            parsed[name] = result
    cap = _whole(values.get("monthly_cap", ""), limit=MAX_CAP, blank_ok=True)
    if isinstance(cap, str):
        errors["monthly_cap"] = cap.replace("(0 gives nothing)", "")
    else:
        parsed["monthly_cap"] = cap
    minimum_typed = values.get("min_amount", "").strip()
    parsed["min_amount_minor"] = 0
    if set(minimum_typed) - set("0.,  "):  # blank or zero: no minimum
        try:
            parsed["min_amount_minor"] = parse_amount(
                minimum_typed, exponent=exponent, symbol=symbol
            )
        except AmountError as exc:
            errors["min_amount"] = str(exc)
    if errors:
        return Problems(errors)
    return ReferralRules(**parsed)


def save_rules(*, session: Session, rules: ReferralRules) -> ReferralRules:
    stored = {
        "referrer_points": rules.referrer_points,
        "referee_points": rules.referee_points,
        "min_amount_minor": rules.min_amount_minor,
        "monthly_cap": rules.monthly_cap,
    }
    for name, value in stored.items():
        key = PREFIX + name
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=json.dumps(value)))
        else:
            row.value = json.dumps(value)
            session.add(row)
    session.flush()
    return get_rules(session=session)
