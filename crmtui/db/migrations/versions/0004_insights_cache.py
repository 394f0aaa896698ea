"""Per-customer Insights rows kept up to date instead of recomputed from every sale.

- insights_customer: one row per preset period (30, 90, 365 days) and customer, with the
  customer's RFM scores and segment; services/insights/cache.py fills and refreshes it.
- insights_cache_state: the period each preset's rows describe, the quintile cuts used and
  the sums of the rows the KPI tiles read.
- insights_dirty: customers whose sales changed since the last refresh. SQLite triggers on
  sale (a new sale, a void, a merge moving it) and sale_refund (a new refund) add them, for
  every preset that has rows, so no code path that writes sales can leave the rows stale.
  Other databases get the tables but no triggers, and the app computes from the sales there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crmtui.db.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_MARK = "INSERT OR IGNORE INTO insights_dirty (days, contact_id) SELECT days, {who} FROM " + (
    "insights_cache_state"
)
TRIGGERS = {
    "insights_sale_added": f"""
        CREATE TRIGGER insights_sale_added AFTER INSERT ON sale BEGIN
            {_MARK.format(who="new.contact_id")};
        END""",
    "insights_sale_voided": f"""
        CREATE TRIGGER insights_sale_voided AFTER UPDATE OF voided_at ON sale BEGIN
            {_MARK.format(who="new.contact_id")};
        END""",
    "insights_sale_moved": f"""
        CREATE TRIGGER insights_sale_moved AFTER UPDATE OF contact_id ON sale BEGIN
            {_MARK.format(who="old.contact_id")};
            {_MARK.format(who="new.contact_id")};
        END""",
    "insights_refund_added": """
        CREATE TRIGGER insights_refund_added AFTER INSERT ON sale_refund BEGIN
            INSERT OR IGNORE INTO insights_dirty (days, contact_id)
            SELECT state.days, sale.contact_id FROM insights_cache_state AS state, sale
            WHERE sale.id = new.sale_id;
        END""",
}


CUSTOMER_INDEXES = {
    "ix_insights_customer_last": ["days", "last_at"],
    "ix_insights_customer_sales": ["days", "sales_now"],
    "ix_insights_customer_monetary": ["days", "monetary"],
    "ix_insights_customer_first": ["days", "first_at"],
    "ix_insights_customer_segment": ["days", "segment", "monetary"],
}


def upgrade() -> None:
    op.create_table(
        "insights_customer",
        sa.Column("days", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), primary_key=True),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("last_before_start", UTCDateTime(), nullable=True),
        sa.Column("sales_ever", sa.Integer(), nullable=False),
        sa.Column("sales_now", sa.Integer(), nullable=False),
        sa.Column("gross_now", sa.Integer(), nullable=False),
        sa.Column("sales_before", sa.Integer(), nullable=False),
        sa.Column("gross_before", sa.Integer(), nullable=False),
        sa.Column("sales_two_back", sa.Integer(), nullable=False),
        sa.Column("refunded_now", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Integer(), nullable=True),
        sa.Column("lifespan_seconds", sa.Integer(), nullable=False),
        sa.Column("lifespan_before_seconds", sa.Integer(), nullable=False),
        sa.Column("r", sa.Integer(), nullable=True),
        sa.Column("f", sa.Integer(), nullable=True),
        sa.Column("m", sa.Integer(), nullable=True),
        sa.Column("segment", sa.String(24), nullable=True),
        sqlite_with_rowid=False,
    )
    for name, columns in CUSTOMER_INDEXES.items():
        op.create_index(name, "insights_customer", columns)
    op.create_table(
        "insights_cache_state",
        sa.Column("days", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("period_prev2", UTCDateTime(), nullable=False),
        sa.Column("period_prev", UTCDateTime(), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("cuts", sa.String(), nullable=False),
        sa.Column("sums", sa.String(), nullable=False),
    )
    op.create_table(
        "insights_dirty",
        sa.Column("days", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), primary_key=True),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        for ddl in TRIGGERS.values():
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("insights_dirty")
    op.drop_table("insights_cache_state")
    for name in CUSTOMER_INDEXES:
        op.drop_index(name, table_name="insights_customer")
    op.drop_table("insights_customer")
