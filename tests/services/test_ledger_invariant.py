"""Stateful property test: whatever the counter does, the ledger and the balances agree.

Runs random sequences of new customers, sales (sometimes with a repeated idempotency key),
undos and voids against a real SQLite file, and checks after every step that each cached
balance equals the sum of its ledger entries, is never negative, and equals the points
earned by that customer's sales that are still standing.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from crmtui.db.migrate import upgrade_database
from crmtui.services.ledger import mismatched_balances
from crmtui.services.loyalty.rules import LoyaltyRules, Tier, store_rules
from crmtui.services.sales import SaleError, points_for
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
RATES = ["1", "0.5", "2", "0.25"]


@dataclass
class ModelSale:
    id: int
    contact: int
    amount: int
    key: str
    points: int
    voided: bool = False


@dataclass
class Model:
    sales: list[ModelSale] = field(default_factory=list)

    def active(self, contact: int) -> list[ModelSale]:
        return [s for s in self.sales if s.contact == contact and not s.voided]

    def balance(self, contact: int) -> int:
        return sum(s.points for s in self.active(contact))


class LedgerMachine(RuleBasedStateMachine):
    contacts = Bundle("contacts")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="crmtui-ledger-"))
        self.path = self.folder / "shop.sqlite3"
        upgrade_database(self.path, now=START, backup_dir=self.folder / "backups")
        self.moment = START
        self.shop = Shop.open(self.path, clock=lambda: self.moment)
        self.rate = "1"
        self.shop.save_settings(
            {
                "shop_name": "Test Café",
                "currency": "PLN",
                "phone_region": "PL",
                "points_per_unit": self.rate,
            }
        )
        # One flat tier: this machine is about the counter's ledger; tiers, promotions and
        # bonuses have their own machine in test_loyalty_machine.py.
        with self.shop.db.write() as session:
            store_rules(session=session, rules=LoyaltyRules(tiers=(Tier("Member", 0, "1"),)))
        self.model = Model()
        self.contact_ids: list[int] = []
        self.key_counter = 0

    def teardown(self) -> None:
        self.shop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def tick(self) -> None:
        self.moment += timedelta(minutes=1)

    # -- rules ------------------------------------------------------------------------------

    @rule(target=contacts, name=st.sampled_from(["Anna", "Łukasz", "王伟", "Bob", "Ewa"]))
    def new_contact(self, name: str) -> int:
        self.tick()
        cid = self.shop.create_contact(ContactInput(full_name=name))
        self.contact_ids.append(cid)
        return cid

    @rule(rate=st.sampled_from(RATES))
    def change_rate(self, rate: str) -> None:
        """The rate applies to new sales only; earned points stay as they were."""
        self.rate = rate
        self.shop.save_settings(
            {
                "shop_name": "Test Café",
                "currency": "PLN",
                "phone_region": "PL",
                "points_per_unit": rate,
            }
        )

    @rule(
        contact=contacts,
        amount=st.one_of(st.integers(1, 300), st.integers(1, 1_000_000)),
    )
    def sell(self, contact: int, amount: int) -> None:
        self.tick()
        self.key_counter += 1
        key = f"sale-{self.key_counter}"
        result = self.shop.record_sale(contact, amount, idempotency_key=key)
        expected = points_for(amount, points_per_unit=self.rate, exponent=2)
        assert result.duplicate is False
        assert result.points_delta == expected
        self.model.sales.append(ModelSale(result.sale.id, contact, amount, key, expected))
        assert result.new_balance == self.model.balance(contact)

    @precondition(lambda self: self.model.sales)
    @rule(data=st.data())
    def press_enter_again(self, data: st.DataObject) -> None:
        """The same key again: the same sale back, nothing new written."""
        sale = data.draw(st.sampled_from(self.model.sales))
        result = self.shop.record_sale(sale.contact, sale.amount, idempotency_key=sale.key)
        assert result.duplicate is True
        assert result.sale.id == sale.id
        assert result.points_delta == 0
        assert result.new_balance == self.model.balance(sale.contact)

    @precondition(lambda self: self.model.sales)
    @rule(data=st.data(), delta=st.integers(1, 500))
    def reuse_key_for_another_amount(self, data: st.DataObject, delta: int) -> None:
        sale = data.draw(st.sampled_from(self.model.sales))
        try:
            self.shop.record_sale(sale.contact, sale.amount + delta, idempotency_key=sale.key)
        except SaleError as exc:
            assert "already used" in str(exc)
        else:
            raise AssertionError("a reused key with a different amount was accepted")

    @rule(contact=contacts)
    def undo_last(self, contact: int) -> None:
        self.tick()
        active = self.model.active(contact)
        if not active:
            try:
                self.shop.undo_last_sale(contact)
            except SaleError as exc:
                assert "no sale to undo" in str(exc)
                return
            raise AssertionError("undo with nothing to undo succeeded")
        last = active[-1]
        result = self.shop.undo_last_sale(contact)
        assert result.sale.id == last.id
        assert result.points_delta == -last.points
        last.voided = True
        assert result.new_balance == self.model.balance(contact)

    @precondition(lambda self: self.model.sales)
    @rule(data=st.data())
    def void_any(self, data: st.DataObject) -> None:
        self.tick()
        sale = data.draw(st.sampled_from(self.model.sales))
        if sale.voided:
            try:
                self.shop.void_sale(sale.id, reason="again")
            except SaleError as exc:
                assert "already undone" in str(exc)
                return
            raise AssertionError("a sale was voided twice")
        result = self.shop.void_sale(sale.id, reason="mistake")
        sale.voided = True
        assert result.new_balance == self.model.balance(sale.contact)

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def balances_agree(self) -> None:
        conn = sqlite3.connect(self.path)
        try:
            rows = conn.execute(
                """
                SELECT c.id, c.points_balance,
                       (SELECT coalesce(sum(delta), 0) FROM points_entry e
                         WHERE e.contact_id = c.id),
                       (SELECT coalesce(sum(e.delta), 0) FROM points_entry e
                          JOIN sale s ON s.id = e.sale_id
                         WHERE e.contact_id = c.id AND e.kind = 'earn'
                           AND s.voided_at IS NULL),
                       (SELECT count(*) FROM sale s WHERE s.contact_id = c.id)
                FROM contact c
                """
            ).fetchall()
        finally:
            conn.close()
        assert len(rows) == len(self.contact_ids)
        for cid, cached, ledger_total, standing_earn, sale_count in rows:
            assert cached >= 0
            assert cached == ledger_total, (cid, cached, ledger_total)
            assert cached == standing_earn, (cid, cached, standing_earn)
            assert cached == self.model.balance(cid)
            # Nothing is ever deleted: every sale the model saw is still there.
            assert sale_count == len([s for s in self.model.sales if s.contact == cid])
        with self.shop.db.read() as session:
            assert mismatched_balances(session=session) == []

    @invariant()
    def cards_agree(self) -> None:
        for cid in self.contact_ids:
            card = self.shop.card(cid)
            active = self.model.active(cid)
            assert card.points_balance == self.model.balance(cid)
            assert card.visits == len(active)
            assert card.lifetime_spend_minor == sum(s.amount for s in active)
            lines = self.shop.ledger_of(cid)
            assert (lines[0].running_balance if lines else 0) == card.points_balance


LedgerMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=20, deadline=None)
TestLedgerInvariant = LedgerMachine.TestCase
