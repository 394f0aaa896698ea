"""Stateful property test of the referral program against a real SQLite file.

Random sequences of adding customers (some with a referrer's code), recording a referrer
later, selling, voiding, and refunding in part or in full. A model predicts every referral's
status and every guard; after each step the ledger must agree: each rewarded referral holds
exactly its two rewards, every other referral holds nothing, rewards were paid exactly once
per qualification, and each cached balance equals its ledger sum.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func
from sqlmodel import col, select

from crmtui.db.migrate import upgrade_database
from crmtui.db.models import PointsEntry, Referral
from crmtui.services.ledger import mismatched_balances
from crmtui.services.loyalty.refunds import refund_sale
from crmtui.services.shop import Shop
from crmtui.services.validation import ContactInput

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REFERRER_POINTS, REFEREE_POINTS, MINIMUM = 100, 50, 500


@dataclass
class ModelSale:
    id: int
    contact: int
    amount: int
    refunded: int = 0
    voided: bool = False

    @property
    def standing(self) -> bool:
        return not self.voided and self.refunded < self.amount


@dataclass
class ModelReferral:
    referrer: int
    referee: int
    status: str
    qualifying_sale: int | None = None
    qualifications: int = 0


@dataclass
class Model:
    sales: list[ModelSale] = field(default_factory=list)
    referrals: list[ModelReferral] = field(default_factory=list)

    def live_referral_of(self, referee: int) -> ModelReferral | None:
        return next(
            (r for r in self.referrals if r.referee == referee and r.status != "rejected"), None
        )

    def chain_up(self, contact: int) -> list[int]:
        chain = [contact]
        while (up := self.live_referral_of(chain[-1])) is not None and up.referrer not in chain:
            chain.append(up.referrer)
        return chain

    def expected_status(self, referrer: int, referee: int) -> str:
        if referrer == referee or self.live_referral_of(referee) is not None:
            return "rejected"
        if referee in self.chain_up(referrer):
            return "rejected"
        if any(s.contact == referee and not s.voided for s in self.sales):
            return "rejected"
        return "pending"


class ReferralMachine(RuleBasedStateMachine):
    contacts = Bundle("contacts")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="crmtui-referrals-"))
        path = self.folder / "shop.sqlite3"
        upgrade_database(path, now=START, backup_dir=self.folder / "backups")
        self.moment = START
        self.shop = Shop.open(path, clock=lambda: self.moment)
        self.shop.save_settings(
            {"shop_name": "T", "currency": "PLN", "phone_region": "PL", "points_per_unit": "1"}
        )
        self.shop.referrals.save_rules(
            {
                "referrer_points": str(REFERRER_POINTS),
                "referee_points": str(REFEREE_POINTS),
                "min_amount": "5",
                "monthly_cap": "",
            }
        )
        self.model = Model()
        self.codes: dict[int, str] = {}
        self.keys = 0

    def teardown(self) -> None:
        self.shop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def tick(self) -> None:
        self.moment += timedelta(minutes=7)

    def _recorded(self, referrer: int, referee: int) -> None:
        status = self.model.expected_status(referrer, referee)
        self.model.referrals.append(ModelReferral(referrer, referee, status))

    # -- rules ------------------------------------------------------------------------------
    @rule(target=contacts)
    def add_customer(self) -> int:
        self.tick()
        cid = self.shop.create_contact(ContactInput(full_name=f"Person {len(self.codes)}"))
        self.codes[cid] = self.shop.card(cid).referral_code
        return cid

    @rule(target=contacts, referrer=contacts)
    def add_referred_customer(self, referrer: int) -> int:
        self.tick()
        typed = self.codes[referrer].lower()
        cid = self.shop.create_contact(
            ContactInput(full_name=f"Person {len(self.codes)}", referred_by=typed)
        )
        self.codes[cid] = self.shop.card(cid).referral_code
        self._recorded(referrer, cid)
        return cid

    @rule(referee=contacts, referrer=contacts)
    def refer_later(self, referee: int, referrer: int) -> None:
        self.tick()
        expected = self.model.expected_status(referrer, referee)
        outcome = self.shop.referrals.record(referee, self.codes[referrer])
        assert outcome.status == expected, outcome.reason
        self._recorded(referrer, referee)

    @rule(contact=contacts, amount=st.sampled_from([100, 499, 500, 2000, 12345]))
    def sell(self, contact: int, amount: int) -> None:
        self.tick()
        self.keys += 1
        result = self.shop.record_sale(contact, amount, idempotency_key=f"k{self.keys}")
        self.model.sales.append(ModelSale(result.sale.id, contact, amount))
        pending = self.model.live_referral_of(contact)
        if pending is not None and pending.status == "pending" and amount >= MINIMUM:
            pending.status, pending.qualifying_sale = "rewarded", result.sale.id
            pending.qualifications += 1

    def _reversed(self, sale: ModelSale) -> None:
        for referral in self.model.referrals:
            if referral.qualifying_sale == sale.id and referral.status == "rewarded":
                referral.status, referral.qualifying_sale = "pending", None

    @precondition(lambda self: any(s.standing for s in self.model.sales))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        self.tick()
        sale = data.draw(st.sampled_from([s for s in self.model.sales if not s.voided]))
        self.shop.void_sale(sale.id, reason="property")
        sale.voided = True
        self._reversed(sale)

    @precondition(lambda self: any(s.standing for s in self.model.sales))
    @rule(data=st.data(), full=st.booleans())
    def refund(self, data: st.DataObject, full: bool) -> None:
        self.tick()
        sale = data.draw(st.sampled_from([s for s in self.model.sales if s.standing]))
        left = sale.amount - sale.refunded
        amount = left if full else max(1, left // 3)
        with self.shop.db.write() as session:
            refund_sale(
                session=session, sale_id=sale.id, amount_minor=amount, reason="", now=self.moment
            )
        sale.refunded += amount
        if sale.refunded == sale.amount:
            self._reversed(sale)

    # -- invariants -------------------------------------------------------------------------
    @invariant()
    def statuses_and_ledger_agree(self) -> None:
        with self.shop.db.read() as session:
            stored = session.exec(select(Referral).order_by(col(Referral.id))).all()
            assert [(r.referrer_id, r.referee_id, r.status) for r in stored] == [
                (m.referrer, m.referee, m.status) for m in self.model.referrals
            ]
            for row, model in zip(stored, self.model.referrals, strict=True):
                held = dict(
                    session.exec(
                        select(PointsEntry.contact_id, func.sum(PointsEntry.delta))
                        .where(PointsEntry.referral_id == row.id)
                        .group_by(col(PointsEntry.contact_id))
                    ).all()
                )
                paid = session.exec(
                    select(func.count())
                    .select_from(PointsEntry)
                    .where(PointsEntry.referral_id == row.id, PointsEntry.kind == "referral")
                ).one()
                assert paid == 2 * model.qualifications  # exactly once per qualification
                if row.status == "rewarded":
                    assert row.qualifying_sale_id == model.qualifying_sale
                    assert held == {
                        row.referrer_id: REFERRER_POINTS,
                        row.referee_id: REFEREE_POINTS,
                    }
                else:
                    assert all(v == 0 for v in held.values()), held
            assert mismatched_balances(session=session) == []


ReferralMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_referral_program = ReferralMachine.TestCase
