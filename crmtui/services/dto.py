"""Plain, frozen data the screens receive. No live ORM rows leave the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ShopSettings:
    shop_name: str
    currency: str
    phone_region: str
    points_per_unit: str  # a decimal as text: "1", "0.5", "2"
    locale: str

    @property
    def exponent(self) -> int:
        from crmtui.services.money import currency_exponent

        return currency_exponent(self.currency)


@dataclass(frozen=True)
class Birthday:
    month: int
    day: int
    year: int | None = None

    def as_text(self) -> str:
        """ISO form; an unknown year is written `--MM-DD` as in ISO 8601 and vCard."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return date(self.year, self.month, self.day).isoformat()

    def for_people(self) -> str:
        """`24 December 1990`, or `24 December` when the year is not known."""
        day_month = f"{self.day} {date(2000, self.month, 1).strftime('%B')}"
        return f"{day_month} {self.year}" if self.year is not None else day_month


@dataclass(frozen=True)
class ContactSummary:
    """One row of a list or of search results."""

    id: int
    full_name: str
    phone: str | None
    email: str | None
    points_balance: int
    last_sale_at: datetime | None
    archived: bool
    tags: tuple[str, ...] = ()
    last_contacted_at: datetime | None = None  # the latest logged call, note, task or feedback


@dataclass(frozen=True)
class ContactCard:
    """Everything the counter card and the detail view show about one person."""

    id: int
    full_name: str
    greeting_name: str | None
    phone: str | None
    phone_e164: str | None
    email: str | None
    birthday: Birthday | None
    tags: tuple[str, ...]
    notes: str
    marketing_consent: bool
    referral_code: str
    points_balance: int
    lifetime_spend_minor: int
    visits: int
    last_sale_at: datetime | None
    created_at: datetime
    archived_at: datetime | None
    last_contacted_at: datetime | None = None  # the latest logged call, note, task or feedback
    open_tasks: int = 0  # open follow-ups, whatever their due date


@dataclass(frozen=True)
class SaleRecord:
    id: int
    contact_id: int
    amount_minor: int
    currency: str
    occurred_at: datetime
    note: str
    voided_at: datetime | None
    points_earned: int
    refunded_minor: int = 0


@dataclass(frozen=True)
class SaleResult:
    """What recording (or undoing) a sale did, for the card and the notification."""

    sale: SaleRecord
    points_delta: int
    new_balance: int
    duplicate: bool = False  # the same idempotency key was seen: nothing new was written
    welcome: int = 0  # referral points this sale paid the customer (their qualifying sale)


@dataclass(frozen=True)
class LedgerLine:
    id: int
    kind: str
    delta: int
    running_balance: int
    reason: str
    sale_id: int | None
    created_at: datetime
    refund_id: int | None = None
    reward_id: int | None = None
    referral_id: int | None = None
    counterpart_id: int | None = None

    @property
    def source(self) -> str:
        """Where the entry came from, for the ledger view: `refund #3 of sale #12`."""
        if self.refund_id is not None:
            return f"refund #{self.refund_id} of sale #{self.sale_id}"
        if self.sale_id is not None:
            return f"sale #{self.sale_id}"
        if self.reward_id is not None:
            return f"reward #{self.reward_id}"
        if self.referral_id is not None:
            return f"referral #{self.referral_id}"
        if self.counterpart_id is not None:
            return f"customer #{self.counterpart_id}"
        return ""


@dataclass(frozen=True)
class Page:
    """One window of a long list, paged in SQL."""

    rows: tuple[ContactSummary, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True)
class Problems:
    """Validation results: field name → what is wrong, in words for the owner."""

    errors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.errors)
