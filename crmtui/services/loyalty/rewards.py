"""The rewards catalogue: what points can buy. Rewards are retired, never deleted, so past
redemptions keep naming what they bought."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from crmtui.db.models import REWARD_BENEFITS, Reward
from crmtui.services.dto import Problems
from crmtui.services.text import describe_char, first_forbidden_char

MAX_NAME = 80
MAX_DESCRIPTION = 200
MAX_COST = 10_000_000
BENEFIT_LABELS = {
    "fixed_discount": "Fixed discount",
    "percent_discount": "Percentage discount",
    "free_item": "Free item",
    "store_credit": "Store credit",
}


@dataclass(frozen=True)
class RewardSummary:
    id: int
    name: str
    points_cost: int
    benefit: str
    benefit_value: int
    description: str
    active: bool

    def gives(self, money: object) -> str:
        """What the customer gets, in words: `5,00 zł off`, `10% off`, `free: any coffee`."""
        if self.benefit == "percent_discount":
            return f"{self.benefit_value}% off"
        if self.benefit == "free_item":
            return f"free: {self.description}" if self.description else "a free item"
        amount = money(self.benefit_value) if callable(money) else str(self.benefit_value)
        return f"{amount} off" if self.benefit == "fixed_discount" else f"{amount} store credit"


@dataclass(frozen=True)
class RewardInput:
    name: str
    points_cost: str
    benefit: str
    value: str  # money for a discount or credit, a whole percent, empty for a free item
    description: str = ""


def _summary(reward: Reward) -> RewardSummary:
    assert reward.id is not None
    return RewardSummary(
        id=reward.id,
        name=reward.name,
        points_cost=reward.points_cost,
        benefit=reward.benefit,
        benefit_value=reward.benefit_value,
        description=reward.description,
        active=reward.active,
    )


def list_rewards(*, session: Session, include_retired: bool = True) -> list[RewardSummary]:
    query = select(Reward).order_by(
        col(Reward.active).desc(), col(Reward.points_cost), col(Reward.id)
    )
    if not include_retired:
        query = query.where(col(Reward.active).is_(True))
    return [_summary(reward) for reward in session.exec(query).all()]


def check_reward(data: RewardInput, *, parse_money: object) -> tuple[dict[str, object], Problems]:
    """Clean values and the problems, field by field (cheap enough for every keystroke)."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "A reward needs a name, e.g. Free coffee"
    elif len(name) > MAX_NAME:
        errors["name"] = f"At most {MAX_NAME} characters ({len(name)} typed)"
    elif (bad := first_forbidden_char(name)) is not None:
        errors["name"] = f"Contains a control character {describe_char(bad)}"
    cost = 0
    try:
        cost = int(data.points_cost.strip().replace(" ", "").replace(",", ""))
        if not 0 < cost <= MAX_COST:
            raise ValueError
    except ValueError:
        errors["points_cost"] = f"Whole points from 1 to {MAX_COST:,}"
    value = 0
    if data.benefit not in REWARD_BENEFITS:
        errors["benefit"] = "Choose what the reward gives"
    elif data.benefit == "percent_discount":
        try:
            value = int(data.value.strip().rstrip("%").strip())
            if not 1 <= value <= 100:
                raise ValueError
        except ValueError:
            errors["value"] = "A whole percent from 1 to 100"
    elif data.benefit in ("fixed_discount", "store_credit"):
        try:
            value = parse_money(data.value)  # type: ignore[operator]
        except ValueError as exc:
            errors["value"] = str(exc) or "Type an amount, e.g. 5"
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"At most {MAX_DESCRIPTION} characters"
    elif (bad := first_forbidden_char(description)) is not None:
        errors["description"] = f"Contains a control character {describe_char(bad)}"
    elif data.benefit == "free_item" and not description:
        errors["description"] = "Say which item is free, e.g. any coffee"
    clean = {
        "name": name,
        "points_cost": cost,
        "benefit": data.benefit,
        "benefit_value": value,
        "description": description,
    }
    return clean, Problems(errors)


class RewardError(ValueError):
    def __init__(self, problems: Problems) -> None:
        super().__init__("; ".join(problems.errors.values()))
        self.problems = problems


def save_reward(
    *,
    session: Session,
    data: RewardInput,
    parse_money: object,
    now: datetime,
    reward_id: int | None = None,
) -> RewardSummary:
    clean, problems = check_reward(data, parse_money=parse_money)
    if problems:
        raise RewardError(problems)
    if reward_id is None:
        reward = Reward(created_at=now, updated_at=now, **clean)  # type: ignore[arg-type]
    else:
        found = session.get(Reward, reward_id)
        if found is None:
            raise RewardError(Problems({"name": f"No reward with id {reward_id}"}))
        reward = found
        for key, value in clean.items():
            setattr(reward, key, value)
        reward.updated_at = now
    session.add(reward)
    session.flush()
    return _summary(reward)


def set_active(*, session: Session, reward_id: int, active: bool, now: datetime) -> RewardSummary:
    reward = session.get(Reward, reward_id)
    if reward is None:
        raise RewardError(Problems({"name": f"No reward with id {reward_id}"}))
    reward.active = active
    reward.updated_at = now
    session.add(reward)
    session.flush()
    return _summary(reward)
