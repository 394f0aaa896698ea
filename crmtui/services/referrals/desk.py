"""The referrals services as screens use them: one method per user action, one session each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtui.services.dto import Problems
from crmtui.services.referrals import records, reports, rules
from crmtui.services.referrals.dto import (
    ContactReferrals,
    Conversion,
    LeaderRow,
    Outcome,
    ReferralEvent,
    ReferralPage,
    Resolved,
    TreeNode,
    Unresolved,
)
from crmtui.services.referrals.rules import ReferralRules

if TYPE_CHECKING:
    from crmtui.services.shop import Shop


class ReferralDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    # -- settings ---------------------------------------------------------------------------
    def rules(self) -> ReferralRules:
        with self.shop.db.read() as session:
            return rules.get_rules(session=session)

    def form_values(self) -> dict[str, str]:
        return rules.form_values(self.rules(), exponent=self.shop.settings.exponent)

    def check_rules(self, values: dict[str, str]) -> ReferralRules | Problems:
        """Pure: cheap enough for every keystroke."""
        from crmtui.services.money import currency_symbol

        current = self.shop.settings
        return rules.check_rules(
            values,
            exponent=current.exponent,
            symbol=currency_symbol(current.currency, current.locale),
        )

    def save_rules(self, values: dict[str, str]) -> ReferralRules:
        checked = self.check_rules(values)
        if isinstance(checked, Problems):
            raise ValueError("; ".join(checked.errors.values()))
        with self.shop.db.write() as session:
            return rules.save_rules(session=session, rules=checked)

    # -- recording --------------------------------------------------------------------------
    def preview(
        self, typed: str, *, phone: str = "", email: str = "", referee_id: int | None = None
    ) -> Resolved | Unresolved:
        """Whom a "Referred by" field names, and whether a guard would refuse it."""
        from crmtui.services.validation import identity_keys

        region = self.shop.settings.phone_region
        phone_key, email_key = identity_keys(phone=phone, email=email, region=region)
        with self.shop.db.read() as session:
            return records.preview(
                session=session,
                typed=typed,
                region=region,
                phone_e164=phone_key,
                email=email_key,
                referee_id=referee_id,
            )

    def record(self, referee_id: int, typed: str) -> Outcome:
        """Record a referrer for an existing customer (pending, or rejected with why)."""
        with self.shop.db.write() as session:
            return records.record_typed(
                session=session,
                referee_id=referee_id,
                typed=typed,
                region=self.shop.settings.phone_region,
                now=self.shop.clock(),
            )

    def outcome_for(self, referee_id: int) -> Outcome | None:
        with self.shop.db.read() as session:
            return records.latest_outcome(session=session, referee_id=referee_id)

    # -- reading ----------------------------------------------------------------------------
    def list(self, status: str | None = None, *, offset: int = 0, limit: int = 100) -> ReferralPage:
        with self.shop.db.read() as session:
            return reports.list_referrals(
                session=session, status=status, offset=offset, limit=limit
            )

    def leaderboard(self, limit: int = 20) -> list[LeaderRow]:
        with self.shop.db.read() as session:
            return reports.leaderboard(session=session, now=self.shop.clock(), limit=limit)

    def conversion(self, days: int = 365) -> Conversion:
        from datetime import timedelta

        now = self.shop.clock()
        with self.shop.db.read() as session:
            return reports.conversion(
                session=session, since=now - timedelta(days=days), until=now + timedelta(seconds=1)
            )

    def tree(self, contact_id: int) -> TreeNode:
        with self.shop.db.read() as session:
            return reports.tree(session=session, contact_id=contact_id)

    def timeline(self, contact_id: int) -> list[ReferralEvent]:
        """Referral lines for the contact's timeline (for the timeline's owner to merge)."""
        with self.shop.db.read() as session:
            return reports.timeline_events(session=session, contact_id=contact_id)

    def of_contact(self, contact_id: int) -> ContactReferrals:
        with self.shop.db.read() as session:
            return reports.of_contact(session=session, contact_id=contact_id)
