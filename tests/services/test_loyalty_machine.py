"""Stateful property test of the loyalty program: earn, redeem, refund, adjust, expire, bonus.

Random sequences run against a real SQLite file with the clock moving forward by days. After
every step: each cached balance equals the sum of its ledger entries; no redemption or
manual adjustment left a balance below zero (only refunds may); no sale has had more points
reversed than it earned; and an expiry run straight after another removes nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlmodel import select

from crmtui.clock import fixed_clock
from crmtui.db.migrate import upgrade_database
from crmtui.services.ledger import mismatched_balances
from crmtui.services.loyalty.redeem import RedeemError
from crmtui.services.loyalty.refunds import RefundError
from crmtui.services.loyalty.rules import LoyaltyRules, Promotion, Tier, store_rules
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
RULES = LoyaltyRules(
    tiers=(Tier("Member", 0, "1"), Tier("Silver", 20000, "1.25")),
    signup_bonus=5,
    birthday_bonus=7,
    promotions=(Promotion("Double Tuesday", "2", weekdays=(1,)),),
    expiry_mode="fifo",
    expiry_months=1,
)


class LoyaltyMachine(RuleBasedStateMachine):
    contacts = Bundle("contacts")
    sales = Bundle("sales")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="crmtui-loyalty-"))
        self.path = self.folder / "shop.sqlite3"
        upgrade_database(self.path, now=START, backup_dir=self.folder / "backups")
        self.now = START
        self.last_daily = START
        self.shop = Shop.open(self.path, fixed_clock(START))
        self.shop.save_settings(
            {"shop_name": "M", "currency": "PLN", "phone_region": "PL", "points_per_unit": "1"}
        )
        with self.shop.db.write() as session:
            store_rules(session=session, rules=RULES)

    def teardown(self) -> None:
        self.shop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def rows(self, sql: str, *args: object) -> list[tuple[int, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, args).fetchall()

    def balance(self, contact: int) -> int:
        return self.shop.card(contact).points_balance

    @rule(target=contacts, birthday_today=st.booleans())
    def add_customer(self, birthday_today: bool) -> int:
        day = self.now.astimezone()
        birthday = f"{day.day:02d}.{day.month:02d}" if birthday_today else ""
        return self.shop.create_contact(
            ContactInput(
                full_name=f"C{len(self.rows('SELECT id FROM contact'))}", birthday=birthday
            )
        )

    @rule(target=sales, contact=contacts, amount=st.integers(1, 40000))
    def earn(self, contact: int, amount: int) -> int:
        key = f"k{len(self.rows('SELECT id FROM sale'))}"
        return self.shop.record_sale(contact, amount, idempotency_key=key).sale.id

    @rule(contact=contacts, points=st.integers(1, 400))
    def redeem(self, contact: int, points: int) -> None:
        before = self.balance(contact)
        try:
            self.shop.loyalty.redeem_points(contact, points)
        except RedeemError:
            assert before <= 0 or points > before
            assert self.balance(contact) == before
            return
        assert before > 0 and self.balance(contact) == before - points >= 0

    @rule(sale=sales, share=st.integers(1, 100))
    def refund(self, sale: int, share: int) -> None:
        left = self.shop.loyalty.refundable(sale)
        amount = max(1, left * share // 100)
        try:
            self.shop.loyalty.refund(sale, amount, "")
        except RefundError:
            assert left == 0
            return
        assert left >= amount

    @rule(contact=contacts, delta=st.integers(-300, 300).filter(bool))
    def adjust(self, contact: int, delta: int) -> None:
        before = self.balance(contact)
        try:
            self.shop.loyalty.adjust(contact, delta, "correction")
        except RedeemError:
            assert delta < 0 and before + delta < 0
            return
        assert self.balance(contact) == before + delta

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.shop.clock = fixed_clock(self.now)

    @rule()
    def daily_run(self) -> None:
        self.shop.loyalty.run_daily()
        self.last_daily = self.now
        again, birthdays = self.shop.loyalty.run_daily()
        assert (again.points, birthdays) == (0, 0)  # nothing is removed or paid twice

    @invariant()
    def balances_match_the_ledger(self) -> None:
        with self.shop.db.read() as session:
            assert mismatched_balances(session=session) == []

    @invariant()
    def daily_flows_reconcile_with_the_ledger(self) -> None:
        from crmtui.services.loyalty.overview import daily_flows_mismatch

        with self.shop.db.read() as session:
            assert daily_flows_mismatch(session=session) == []

    @invariant()
    def cached_spend_matches_the_exact_figure(self) -> None:
        from crmtui.db.models import Contact
        from crmtui.services.loyalty.earning import spend_in_window

        with self.shop.db.read() as session:
            for contact in session.exec(select(Contact)).all():
                assert contact.id is not None
                exact = spend_in_window(session=session, contact_id=contact.id, now=self.now)
                if contact.spend_12m_minor != exact:
                    # Only the calendar may have moved sales out since the last daily run.
                    assert contact.spend_12m_minor > exact
                    assert self.now > self.last_daily

    @invariant()
    def no_sale_loses_more_points_than_it_earned(self) -> None:
        over = self.rows(
            "SELECT sale_id FROM points_entry WHERE sale_id IS NOT NULL GROUP BY sale_id"
            " HAVING sum(CASE WHEN kind = 'reverse' THEN -delta ELSE 0 END)"
            " > sum(CASE WHEN kind = 'earn' THEN delta ELSE 0 END)"
        )
        assert over == []

    @invariant()
    def only_reversals_go_below_zero(self) -> None:
        """A negative balance always has a reversal in its history to explain it."""
        negative = self.rows(
            "SELECT c.id FROM contact c WHERE c.points_balance < 0 AND NOT EXISTS ("
            " SELECT 1 FROM points_entry p WHERE p.contact_id = c.id AND p.kind = 'reverse')"
        )
        assert negative == []

    @invariant()
    def expiry_never_exceeds_what_was_issued(self) -> None:
        over = self.rows(
            "SELECT contact_id FROM points_entry GROUP BY contact_id"
            " HAVING sum(CASE WHEN kind = 'expire' THEN -delta ELSE 0 END)"
            " > sum(CASE WHEN delta > 0 THEN delta ELSE 0 END)"
        )
        assert over == []


LoyaltyMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestLoyaltyMachine = LoyaltyMachine.TestCase
