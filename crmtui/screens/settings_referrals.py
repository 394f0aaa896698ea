"""The Referrals tab of Settings: the two rewards, the minimum first purchase, the monthly cap."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from crmtui.screens.settings_pane import FormPane
from crmtui.services.dto import Problems

if TYPE_CHECKING:
    from crmtui.services.referrals.rules import ReferralRules

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("referrer_points", "Points to referrer", "when their friend's first purchase qualifies"),
    ("referee_points", "Points to new customer", "on their own first purchase"),
    ("min_amount", "Minimum first purchase", "blank: any amount qualifies, e.g. 30.00"),
    ("monthly_cap", "Monthly cap", "rewarded referrals per referrer per month; blank: none"),
)


class ReferralSettingsPane(FormPane):
    FIELDS: ClassVar[tuple[tuple[str, str, str], ...]] = FIELDS
    ID_PREFIX = "ref-"
    HEADING = "Referral program"
    SAVED_MESSAGE = "Referral settings saved."

    def read_stored(self) -> dict[str, str]:
        return self.shop.referrals.form_values()

    def problems(self, values: dict[str, str]) -> dict[str, str]:
        checked = self.shop.referrals.check_rules(values)
        return checked.errors if isinstance(checked, Problems) else {}

    def write(self, values: dict[str, str]) -> dict[str, str]:
        self.shop.referrals.save_rules(values)
        return self.shop.referrals.form_values()

    def explain(self, values: dict[str, str]) -> str:
        checked = self.shop.referrals.check_rules(values)
        return "" if isinstance(checked, Problems) else self.describe(checked)

    def describe(self, rules: ReferralRules) -> str:
        """The rules in one sentence, so the owner sees what the numbers mean."""
        minimum = (
            f"a first purchase of at least {self.shop.format_money(rules.min_amount_minor)}"
            if rules.min_amount_minor
            else "any first purchase"
        )
        cap = (
            f"at most {rules.monthly_cap} rewarded referral(s) per referrer each month"
            if rules.monthly_cap
            else "no monthly cap"
        )
        return (
            f"On {minimum}, the referrer gets {rules.referrer_points:,} points and the new "
            f"customer {rules.referee_points:,}; {cap}."
        )
