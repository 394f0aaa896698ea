"""The loyalty services as screens use them: one method per user action, one session each."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from crmtui.services.dto import Problems
from crmtui.services.loyalty import (
    bonuses,
    earning,
    expiry,
    overview,
    redeem,
    refunds,
    rewards,
    rules,
)
from crmtui.services.loyalty.rewards import RewardInput, RewardSummary
from crmtui.services.loyalty.rules import LoyaltyRules
from crmtui.services.loyalty.status import LoyaltyStatus, loyalty_status

if TYPE_CHECKING:
    from crmtui.services.shop import Shop


class LoyaltyDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._rules: LoyaltyRules | None = None

    # -- rules ------------------------------------------------------------------------------
    @property
    def rules(self) -> LoyaltyRules:
        if self._rules is None:
            with self.shop.db.read() as session:
                self._rules = rules.get_rules(session=session, exponent=self.shop.settings.exponent)
        return self._rules

    def rules_form(self) -> dict[str, str]:
        return rules.rules_form(self.rules, exponent=self.shop.settings.exponent)

    def _parse_rules(self, values: dict[str, str]) -> LoyaltyRules | Problems:
        return rules.parse_rules_form(
            values, parse_money=self._parse_threshold, exponent=self.shop.settings.exponent
        )

    def _parse_threshold(self, typed: str) -> int:
        return self.shop.parse_amount(typed)

    def check_rules(self, values: dict[str, str]) -> Problems:
        parsed = self._parse_rules(values)
        return parsed if isinstance(parsed, Problems) else Problems()

    def save_rules(self, values: dict[str, str]) -> LoyaltyRules:
        parsed = self._parse_rules(values)
        if isinstance(parsed, Problems):
            raise rewards.RewardError(parsed)
        with self.shop.db.write() as session:
            self._rules = rules.store_rules(session=session, rules=parsed)
        return parsed

    def grant_signup_bonus(self, session: Session, contact_id: int, now: datetime) -> int:
        """Inside Shop.create_contact's transaction: the bonus lands with the contact."""
        current = rules.get_rules(session=session, exponent=self.shop.settings.exponent)
        return bonuses.grant_signup_bonus(
            session=session, contact_id=contact_id, rules=current, now=now
        )

    # -- one customer -----------------------------------------------------------------------
    def status(self, contact_id: int) -> LoyaltyStatus:
        with self.shop.db.read() as session:
            return loyalty_status(
                session=session, contact_id=contact_id, now=self.shop.clock(), rules=self.rules
            )

    def redeem_reward(self, contact_id: int, reward_id: int) -> redeem.Redemption:
        with self.shop.db.write() as session:
            return redeem.redeem_reward(
                session=session, contact_id=contact_id, reward_id=reward_id, now=self.shop.clock()
            )

    def redeem_points(self, contact_id: int, points: int, reason: str = "") -> redeem.Redemption:
        with self.shop.db.write() as session:
            return redeem.redeem_points(
                session=session,
                contact_id=contact_id,
                points=points,
                reason=reason,
                now=self.shop.clock(),
            )

    def adjust(self, contact_id: int, delta: int, reason: str) -> redeem.Redemption:
        with self.shop.db.write() as session:
            return redeem.adjust_points(
                session=session,
                contact_id=contact_id,
                delta=delta,
                reason=reason,
                now=self.shop.clock(),
            )

    def refundable(self, sale_id: int) -> int:
        """What is left of a sale to refund, in minor units (0 for a voided sale)."""
        with self.shop.db.read() as session:
            from crmtui.db.models import Sale

            sale = session.get(Sale, sale_id)
            if sale is None or sale.voided_at is not None:
                return 0
            return sale.amount_minor - refunds.refunded_so_far(session=session, sale_id=sale_id)

    def refund(self, sale_id: int, amount_minor: int, reason: str) -> refunds.RefundResult:
        with self.shop.db.write() as session:
            return refunds.refund_sale(
                session=session,
                sale_id=sale_id,
                amount_minor=amount_minor,
                reason=reason,
                now=self.shop.clock(),
            )

    # -- the catalogue ----------------------------------------------------------------------
    def rewards(self, *, include_retired: bool = True) -> list[RewardSummary]:
        with self.shop.db.read() as session:
            return rewards.list_rewards(session=session, include_retired=include_retired)

    def check_reward(self, data: RewardInput) -> Problems:
        return rewards.check_reward(data, parse_money=self.shop.parse_amount)[1]

    def save_reward(self, data: RewardInput, reward_id: int | None = None) -> RewardSummary:
        with self.shop.db.write() as session:
            return rewards.save_reward(
                session=session,
                data=data,
                parse_money=self.shop.parse_amount,
                now=self.shop.clock(),
                reward_id=reward_id,
            )

    def set_reward_active(self, reward_id: int, active: bool) -> RewardSummary:
        with self.shop.db.write() as session:
            return rewards.set_active(
                session=session, reward_id=reward_id, active=active, now=self.shop.clock()
            )

    # -- the program ------------------------------------------------------------------------
    def run_daily(self, *, force: bool = False) -> tuple[expiry.ExpiryRun, int]:
        """Expiry, birthday bonuses and the rolling-spend refresh, once per local day: at the
        first start-up of the day and when the date changes. Each part is idempotent, so
        `force` (or a second run) changes nothing already done."""
        now = self.shop.clock()
        today = now.astimezone().date().isoformat()
        with self.shop.db.read() as session:
            if not force and rules.last_daily_run(session=session) == today:
                return expiry.ExpiryRun(0, 0), 0
        with self.shop.db.write() as session:
            current = rules.get_rules(session=session, exponent=self.shop.settings.exponent)
            expired = expiry.run_expiry(session=session, now=now, rules=current)
            birthdays = bonuses.grant_birthday_bonuses(session=session, rules=current, now=now)
        self.refresh_all_spend(now)
        with self.shop.db.write() as session:
            rules.mark_daily_run(session=session, day=today)
        return expired, birthdays

    def refresh_all_spend(self, now: datetime, batch: int = 5000) -> None:
        """Roll every customer's cached 12-month spend forward, a batch per transaction."""
        done: int | None = 0
        while done is not None:
            with self.shop.db.write() as session:
                done = earning.refresh_spend_batch(
                    session=session, now=now, after_id=done, size=batch
                )

    def overview(self) -> overview.LoyaltyOverview:
        with self.shop.db.read() as session:
            return overview.loyalty_overview(
                session=session, rules=self.rules, now=self.shop.clock()
            )
