"""The tables. Screens never see these rows: services turn them into plain dataclasses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from crmtui.db.derived import InsightsCacheState as InsightsCacheState  # re-exported
from crmtui.db.derived import InsightsCustomer as InsightsCustomer
from crmtui.db.derived import InsightsDirty as InsightsDirty
from crmtui.db.types import UTCDateTime


class Setting(SQLModel, table=True):
    """One shop setting; the value is JSON text."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class Contact(SQLModel, table=True):
    # points_balance may go below zero: a refund reverses the points a sale earned even when
    # they were spent, and redemption is then refused until the balance is positive again.
    __table_args__ = (
        Index("ix_contact_sort_name", "sort_name"),
        Index("ix_contact_phone_e164", "phone_e164"),
        Index("ix_contact_email", "email"),
        Index("ix_contact_last_sale_at", "last_sale_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    full_name: str
    greeting_name: str | None = None
    phone_raw: str | None = None
    phone_e164: str | None = None
    email: str | None = None
    birthday_year: int | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    notes: str = ""
    marketing_consent: bool = False
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_source: str | None = None
    referral_code: str = Field(unique=True, max_length=8)
    # Folded name (casefold, accents and scripts transliterated): the sort key and prefix key.
    sort_name: str = ""
    # Everything search can match: folded name, transliteration, phone digits, email.
    search_text: str = ""
    points_balance: int = 0  # cache of the ledger sum, kept in the same transaction
    last_sale_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Latest logged interaction (task done, call, note, feedback): the "last contacted" date.
    last_contacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the person asked to be forgotten: personal fields are blanked, rows stay.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set on the duplicate that a merge folded into another contact (archived with it).
    merged_into_id: int | None = Field(default=None, foreign_key="contact.id")
    # Spend over the rolling 12 months, refreshed with each sale, refund and void and by the
    # daily loyalty run: the Loyalty overview counts tiers from it without summing a year of
    # sales. Earning and the card always compute the exact figure (loyalty.earning).
    spend_12m_minor: int = 0


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"
    __table_args__ = (Index("ix_contact_tag_tag", "tag", "contact_id"),)

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=40)


class Sale(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_sale_amount_positive"),
        # Covering for the insights passes over a period's sales (voided_at included, so
        # "not voided" is answered from the index too); see migration 0003.
        Index("ix_sale_contact_time", "contact_id", "occurred_at", "amount_minor", "voided_at"),
        Index("ix_sale_time", "occurred_at", "contact_id", "amount_minor", "voided_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    amount_minor: int
    currency: str = Field(max_length=3)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    note: str = ""
    idempotency_key: str = Field(unique=True, max_length=64)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = None


class SaleRefund(SQLModel, table=True):
    """Part or all of a sale given back. Append-only like the ledger; the sum of a sale's
    refunds never exceeds its amount (checked by the service in the writing transaction)."""

    __tablename__ = "sale_refund"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_sale_refund_amount_positive"),
        Index("ix_sale_refund_sale", "sale_id"),
        Index("ix_sale_refund_time", "created_at", "sale_id", "amount_minor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id")
    amount_minor: int
    reason: str = ""
    created_at: datetime = Field(sa_type=UTCDateTime)


REWARD_BENEFITS = ("fixed_discount", "percent_discount", "free_item", "store_credit")


class Reward(SQLModel, table=True):
    """An item of the rewards catalogue. Retired rewards stay, so old redemptions still name
    what they bought."""

    __table_args__ = (
        CheckConstraint("points_cost > 0", name="ck_reward_cost_positive"),
        CheckConstraint(
            "benefit IN ('fixed_discount','percent_discount','free_item','store_credit')",
            name="ck_reward_benefit",
        ),
        CheckConstraint("benefit_value >= 0", name="ck_reward_value_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    points_cost: int
    benefit: str = Field(max_length=16)
    # Minor units for a discount or store credit, whole percent for a percentage, 0 otherwise.
    benefit_value: int = 0
    description: str = ""  # e.g. the free item: "any coffee"
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PointsEntry(SQLModel, table=True):
    """Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "points_entry"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="ck_points_entry_delta_nonzero"),
        CheckConstraint(
            "kind IN ('earn','redeem','bonus','referral','adjust','expire','reverse','transfer')",
            name="ck_points_entry_kind",
        ),
        # delta and created_at make balances, running balances and FIFO expiry index-only.
        Index("ix_points_entry_contact", "contact_id", "id", "delta", "created_at"),
        Index("ix_points_entry_sale", "sale_id"),
        # A sale earns once; partial indexes keep later refunds (several reversals) possible.
        Index(
            "uq_points_entry_earn_per_sale",
            "sale_id",
            unique=True,
            sqlite_where=text("kind = 'earn'"),
            postgresql_where=text("kind = 'earn'"),
        ),
        # Once-only entries (signup bonus, birthday bonus per year, referral rewards) carry an
        # occasion; the index makes a second run of the same rule a no-op, not a double pay.
        Index(
            "uq_points_entry_occasion",
            "contact_id",
            "occasion",
            unique=True,
            sqlite_where=text("occasion IS NOT NULL"),
            postgresql_where=text("occasion IS NOT NULL"),
        ),
        Index("ix_points_entry_time", "created_at", "kind", "delta"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str = Field(max_length=16)
    delta: int
    reason: str
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    refund_id: int | None = Field(default=None, foreign_key="sale_refund.id")
    reward_id: int | None = Field(default=None, foreign_key="reward.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id")
    # The contact on the other side of a transfer (a merge moves points this way).
    counterpart_id: int | None = Field(default=None, foreign_key="contact.id")
    occasion: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PointsDaily(SQLModel, table=True):
    """The ledger summed per UTC day, kind and direction, kept by a trigger on every ledger
    insert (SQLite; see migration 0003). Flows over a year read a few thousand rows instead
    of a million entries; `crmtui doctor` checks it reconciles with the ledger."""

    __tablename__ = "points_daily"

    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD, UTC
    kind: str = Field(primary_key=True, max_length=16)
    positive: bool = Field(primary_key=True)
    points: int = 0
    entries: int = 0


REFERRAL_STATUSES = ("pending", "qualified", "rewarded", "rejected")


class Referral(SQLModel, table=True):
    """Who brought whom. A person is referred at most once (rejected attempts aside)."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','qualified','rewarded','rejected')", name="ck_referral_status"
        ),
        Index("ix_referral_referrer", "referrer_id", "status"),
        Index("ix_referral_time", "created_at", "status"),
        # A person's rejected attempts (detail view, timeline); the unique index below holds
        # the rest. Partial on purpose: a full referee index lures the planner into driving
        # the leaderboard from a year of sales (0.18 s → 1.5 s on the benchmark shop).
        Index(
            "ix_referral_referee_rejected",
            "referee_id",
            sqlite_where=text("status = 'rejected'"),
            postgresql_where=text("status = 'rejected'"),
        ),
        Index(
            "uq_referral_referee",
            "referee_id",
            unique=True,
            sqlite_where=text("status <> 'rejected'"),
            postgresql_where=text("status <> 'rejected'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    referrer_id: int | None = Field(default=None, foreign_key="contact.id")
    referee_id: int = Field(foreign_key="contact.id")
    status: str = Field(default="pending", max_length=16)
    rejection_reason: str | None = None
    code_typed: str | None = Field(default=None, max_length=16)
    qualifying_sale_id: int | None = Field(default=None, foreign_key="sale.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    qualified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rewarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


TASK_KINDS = ("call", "message", "email", "visit", "other")
TASK_STATUSES = ("open", "done", "skipped")


class FollowupTask(SQLModel, table=True):
    """One thing to do for one customer on a local calendar date."""

    __tablename__ = "followup_task"
    __table_args__ = (
        CheckConstraint("kind IN ('call','message','email','visit','other')", name="ck_task_kind"),
        CheckConstraint("status IN ('open','done','skipped')", name="ck_task_status"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="ck_task_priority"),
        Index("ix_task_queue", "status", "due_on", "priority"),
        Index("ix_task_contact", "contact_id", "status"),
        # A rule's task for one occasion ("winback:2026-11-23") exists once, whatever its
        # status, so a done or skipped task is never generated again.
        Index(
            "uq_task_occasion",
            "contact_id",
            "occasion",
            unique=True,
            sqlite_where=text("occasion IS NOT NULL"),
            postgresql_where=text("occasion IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    title: str = Field(max_length=200)
    kind: str = Field(default="call", max_length=16)
    due_on: date
    priority: int = 2  # 1 high, 2 normal, 3 low
    note: str = ""
    status: str = Field(default="open", max_length=16)
    outcome: str = ""
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "3d", "2w", "1m", "1y": completing the task creates the next one that far on.
    recurrence: str | None = Field(default=None, max_length=8)
    rule: str | None = Field(default=None, max_length=32)  # the automatic rule that made it
    occasion: str | None = Field(default=None, max_length=64)
    template: str | None = Field(default=None, max_length=32)  # message template key
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


INTERACTION_KINDS = ("call", "message", "email", "visit", "note", "task", "feedback", "other")


class Interaction(SQLModel, table=True):
    """A line on the contact's timeline that is not a sale or a ledger entry."""

    __table_args__ = (
        CheckConstraint(
            "kind IN ('call','message','email','visit','note','task','feedback','other')",
            name="ck_interaction_kind",
        ),
        Index("ix_interaction_contact", "contact_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str = Field(max_length=16)
    summary: str = ""
    task_id: int | None = Field(default=None, foreign_key="followup_task.id")
    occurred_at: datetime = Field(sa_type=UTCDateTime)


class Feedback(SQLModel, table=True):
    """A 0–10 answer to "how likely are you to recommend us?", and what they said."""

    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="ck_feedback_score"),
        Index("ix_feedback_time", "created_at", "contact_id", "score"),
        Index("ix_feedback_contact", "contact_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    score: int
    comment: str = ""
    task_id: int | None = Field(default=None, foreign_key="followup_task.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class ContactMerge(SQLModel, table=True):
    """A merge of `merged_id` into `survivor_id`, with what it moved, so it can be undone."""

    __tablename__ = "contact_merge"
    __table_args__ = (Index("ix_contact_merge_survivor", "survivor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = Field(foreign_key="contact.id")
    merged_id: int = Field(foreign_key="contact.id")
    # JSON: the survivor's fields before, and the ids of the rows the merge moved.
    details: str = "{}"
    created_at: datetime = Field(sa_type=UTCDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
