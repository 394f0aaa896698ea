"""The follow-up rules and message templates the owner tunes in Settings.

Stored as JSON in the `setting` table under `followups.rules` and `followups.templates`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session

from crmtui.db.models import Setting
from crmtui.services.text import describe_char, first_forbidden_char

RULES_KEY = "followups.rules"
TEMPLATES_KEY = "followups.templates"
MAX_DAYS = 3650
MAX_TEMPLATE = 2000
PLACEHOLDERS = ("greeting_name", "shop", "points", "next_reward", "tier", "referral_code")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TAG_DAYS = re.compile(r"^\s*([^=:\s][^=:]*?)\s*[=:]\s*([0-9]+)\s*$")


@dataclass(frozen=True)
class RuleSpec:
    """What a rule is; the owner tunes only whether it runs and its number of days."""

    key: str
    label: str
    days_label: str
    default_days: int
    marketing: bool  # needs marketing consent
    kind: str
    title: str


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "thank_you",
        "Thank-you after a first sale",
        "days after",
        1,
        False,
        "message",
        "Thank for the first visit",
    ),
    RuleSpec(
        "feedback",
        "Feedback check-in after a purchase",
        "days after",
        100,
        False,
        "call",
        "Ask how the purchase went",
    ),
    RuleSpec(
        "birthday", "Birthday greeting", "days before", 0, True, "message", "Birthday greeting"
    ),
    RuleSpec(
        "winback",
        "Win-back (2+ visits, then silence)",
        "days without a sale",
        90,
        True,
        "call",
        "Win back: no visit for a while",
    ),
    RuleSpec(
        "stay_in_touch",
        "Stay in touch by tag",
        "(days set per tag below)",
        30,
        True,
        "call",
        "Stay in touch",
    ),
    RuleSpec(
        "referral_thanks",
        "Thank the referrer when a referral qualifies",
        "days after",
        0,
        False,
        "message",
        "Thank for the referral",
    ),
    RuleSpec(
        "points_expiring",
        "Warn of points about to expire",
        "days before",
        14,
        False,
        "message",
        "Points about to expire",
    ),
)
RULE_BY_KEY = {spec.key: spec for spec in RULES}

DEFAULT_TEMPLATES: dict[str, str] = {
    "general": "Hello {greeting_name}, this is {shop}.",
    "thank_you": "Hello {greeting_name}, thank you for visiting {shop}! "
    "You have {points} points already.",
    "feedback": "Hello {greeting_name}, it's {shop}. How are you getting on with your purchase? "
    "How likely are you to recommend us, from 0 to 10?",
    "birthday": "Happy birthday, {greeting_name}! Everyone at {shop} wishes you a lovely day.",
    # No points in it: a lapsed customer often has none, and "0 points waiting" reads badly.
    "winback": "Hello {greeting_name}, we miss you at {shop}! It would be lovely to see you "
    "again soon.",
    "stay_in_touch": "Hello {greeting_name}, just checking in from {shop}. "
    "You are a {tier} member with {points} points.",
    "referral_thanks": "Thank you, {greeting_name}, for recommending {shop}! "
    "Your friends can use your code {referral_code}.",
    "points_expiring": "Hello {greeting_name}, some of your {points} points at {shop} expire "
    "soon. Come and use them!",
}
TEMPLATE_LABELS: dict[str, str] = {
    "general": "General (tasks made by hand)",
    **{spec.key: spec.label for spec in RULES},
}


@dataclass(frozen=True)
class RuleSetting:
    key: str
    enabled: bool
    days: int


@dataclass(frozen=True)
class FollowupSettings:
    rules: tuple[RuleSetting, ...]
    touch_tags: tuple[tuple[str, int], ...]  # stay in touch: (tag, every N days)

    def rule(self, key: str) -> RuleSetting:
        return next(rule for rule in self.rules if rule.key == key)

    def with_rule(self, key: str, **changes: object) -> FollowupSettings:
        rules = tuple(replace(r, **changes) if r.key == key else r for r in self.rules)  # type: ignore[arg-type]
        return replace(self, rules=rules)


def default_rules() -> FollowupSettings:
    return FollowupSettings(
        rules=tuple(RuleSetting(spec.key, True, spec.default_days) for spec in RULES),
        touch_tags=(("vip", 30),),
    )


class FollowupConfigError(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def _load(session: Session, key: str) -> object:
    row = session.get(Setting, key)
    if row is None:
        return None
    try:
        return json.loads(row.value)
    except ValueError:  # a hand-edited file: fall back to the defaults, never crash
        return None


def _store(session: Session, key: str, value: object) -> None:
    encoded = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
        session.add(row)
    session.flush()


# -- rules ------------------------------------------------------------------------------------
def check_days(typed: str) -> int:
    """Days as typed in Settings, or ValueError saying what is wrong."""
    text = typed.strip()
    if not text.isdigit():
        raise ValueError(f"Type a whole number of days from 0 to {MAX_DAYS}")
    days = int(text)
    if days > MAX_DAYS:
        raise ValueError(f"At most {MAX_DAYS} days")
    return days


def parse_touch_tags(typed: str) -> tuple[tuple[str, int], ...]:
    """`vip=30, regular=60` → (("vip", 30), ("regular", 60)); ValueError says what is wrong."""
    found: dict[str, int] = {}
    for part in typed.split(","):
        if not part.strip():
            continue
        match = _TAG_DAYS.match(part)
        if match is None:
            raise ValueError(f"Write tag=days, e.g. vip=30 (not “{part.strip()[:30]}”)")
        tag, days = match.group(1).casefold(), int(match.group(2))
        if (bad := first_forbidden_char(tag)) is not None:
            raise ValueError(f"The tag contains a control character {describe_char(bad)}")
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"{tag}: every 1 to {MAX_DAYS} days")
        found[tag] = days
    return tuple(found.items())


def format_touch_tags(tags: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{tag}={days}" for tag, days in tags)


def get_rule_settings(*, session: Session) -> FollowupSettings:
    stored = _load(session, RULES_KEY)
    settings = default_rules()
    if not isinstance(stored, dict):
        return settings
    for spec in RULES:
        value = stored.get(spec.key)
        if isinstance(value, dict):
            enabled = value.get("enabled", True)
            days = value.get("days", spec.default_days)
            if isinstance(enabled, bool) and isinstance(days, int) and 0 <= days <= MAX_DAYS:
                settings = settings.with_rule(spec.key, enabled=enabled, days=days)
    tags = stored.get("touch_tags")
    if isinstance(tags, list):
        settings = replace(
            settings,
            touch_tags=tuple(
                (str(tag), int(days))
                for tag, days in (t for t in tags if isinstance(t, list) and len(t) == 2)
                if isinstance(days, int) and days > 0
            ),
        )
    return settings


def save_rule_settings(*, session: Session, settings: FollowupSettings) -> FollowupSettings:
    value = {r.key: {"enabled": r.enabled, "days": r.days} for r in settings.rules}
    value["touch_tags"] = [[tag, days] for tag, days in settings.touch_tags]  # type: ignore[assignment]
    _store(session, RULES_KEY, value)
    return get_rule_settings(session=session)


# -- templates --------------------------------------------------------------------------------
def template_problem(text: str) -> str | None:
    """Why a template cannot be saved, or None. Unknown placeholders are caught here, at save
    time, so a message never fails while a customer waits."""
    if len(text) > MAX_TEMPLATE:
        return f"At most {MAX_TEMPLATE} characters ({len(text):,} typed)"
    for char in text:
        if char not in "\n\t" and first_forbidden_char(char) is not None:
            return f"Contains a control character {describe_char(char)}"
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    if unknown:
        shown = ", ".join("{" + name[:30] + "}" for name in dict.fromkeys(unknown))
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        return f"Unknown placeholder {shown}: use {known}"
    return None


def get_templates(*, session: Session) -> dict[str, str]:
    stored = _load(session, TEMPLATES_KEY)
    templates = dict(DEFAULT_TEMPLATES)
    if isinstance(stored, dict):
        for key, text in stored.items():
            if key in templates and isinstance(text, str) and template_problem(text) is None:
                templates[key] = text
    return templates


def save_templates(*, session: Session, templates: dict[str, str]) -> dict[str, str]:
    problems = {
        key: f"{TEMPLATE_LABELS.get(key, key)}: {problem}"
        for key, text in templates.items()
        if (problem := template_problem(text)) is not None
    }
    problems |= {
        key: f"No template called {key[:30]}" for key in templates if key not in DEFAULT_TEMPLATES
    }
    if problems:
        raise FollowupConfigError(problems)
    _store(session, TEMPLATES_KEY, {**get_templates(session=session), **templates})
    return get_templates(session=session)


def render_template(text: str, values: dict[str, str]) -> str:
    """Fill the placeholders; anything else in braces stays as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# -- the last rule run --------------------------------------------------------------------------
LAST_RUN_KEY = "followups.last_run"


def get_last_run(*, session: Session) -> date | None:
    """The local date the rules last ran, so the next run looks back exactly that far."""
    stored = _load(session, LAST_RUN_KEY)
    try:
        return date.fromisoformat(stored) if isinstance(stored, str) else None
    except ValueError:
        return None


def set_last_run(*, session: Session, day: date) -> None:
    _store(session, LAST_RUN_KEY, day.isoformat())
