"""The tables. Screens never see these rows: services turn them into plain dataclasses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from crmtui.db.types import UTCDateTime


class Setting(SQLModel, table=True):
    """One shop setting; the value is JSON text."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class Contact(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("points_balance >= 0", name="ck_contact_balance_not_negative"),
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


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"
    __table_args__ = (Index("ix_contact_tag_tag", "tag", "contact_id"),)

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=40)


class Sale(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_sale_amount_positive"),
        Index("ix_sale_contact_time", "contact_id", "occurred_at"),
        Index("ix_sale_time", "occurred_at", "contact_id", "amount_minor"),
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


class PointsEntry(SQLModel, table=True):
    """Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "points_entry"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="ck_points_entry_delta_nonzero"),
        CheckConstraint(
            "kind IN ('earn','redeem','bonus','referral','adjust','expire','reverse')",
            name="ck_points_entry_kind",
        ),
        Index("ix_points_entry_contact", "contact_id", "id"),
        Index("ix_points_entry_sale", "sale_id"),
        # A sale earns once; partial indexes keep later refunds (several reversals) possible.
        Index(
            "uq_points_entry_earn_per_sale",
            "sale_id",
            unique=True,
            sqlite_where=text("kind = 'earn'"),
            postgresql_where=text("kind = 'earn'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str = Field(max_length=16)
    delta: int
    reason: str
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
