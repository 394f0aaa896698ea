"""Tables derived from the others, for the Insights screen: never edited by hand, rebuilt
from the sales when in doubt, and left out of the JSON export. db/models.py re-exports them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crmtui.db.types import UTCDateTime


class InsightsCustomer(SQLModel, table=True):
    """Derived, never edited by hand: one row per customer with a sale before the end of a
    preset Insights period (30, 90 or 365 days ending today), kept current by
    services/insights/cache.py so the screen never re-reads a million sales. Scores and the
    segment are NULL for a customer without a sale in the period (monetary is NULL too)."""

    __tablename__ = "insights_customer"
    __table_args__ = (
        Index("ix_insights_customer_last", "days", "last_at"),
        Index("ix_insights_customer_sales", "days", "sales_now"),
        Index("ix_insights_customer_monetary", "days", "monetary"),
        Index("ix_insights_customer_first", "days", "first_at"),
        Index("ix_insights_customer_segment", "days", "segment", "monetary"),
        {"sqlite_with_rowid": False},
    )

    days: int = Field(primary_key=True)
    contact_id: int = Field(primary_key=True)
    first_at: datetime = Field(sa_type=UTCDateTime)
    last_at: datetime = Field(sa_type=UTCDateTime)
    last_before_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sales_ever: int
    sales_now: int
    gross_now: int
    sales_before: int
    gross_before: int
    sales_two_back: int  # sales in the period before the previous one (its retention needs it)
    refunded_now: int
    monetary: int | None = None
    lifespan_seconds: int = 0
    lifespan_before_seconds: int = 0
    r: int | None = None
    f: int | None = None
    m: int | None = None
    segment: str | None = Field(default=None, max_length=24)


class InsightsCacheState(SQLModel, table=True):
    """Which period the rows of one preset describe, the quintile cuts they were scored with
    and the sums of their columns the KPI tiles need (both JSON, kept with the rows).
    `ready` is false while the rows are being built."""

    __tablename__ = "insights_cache_state"

    days: int = Field(primary_key=True)
    ready: bool = False
    period_prev2: datetime = Field(sa_type=UTCDateTime)
    period_prev: datetime = Field(sa_type=UTCDateTime)
    period_start: datetime = Field(sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime)
    cuts: str = ""
    sums: str = ""


class InsightsDirty(SQLModel, table=True):
    """Customers whose sales changed since their preset's rows were last brought up to date;
    filled by triggers on sale and sale_refund (migration 0004), emptied by the refresh."""

    __tablename__ = "insights_dirty"
    __table_args__ = ({"sqlite_with_rowid": False},)

    days: int = Field(primary_key=True)
    contact_id: int = Field(primary_key=True)
