"""Per-customer Insights rows kept up to date instead of recomputed from every sale.

- insights_customer: one row per preset period (30, 90, 365 days) and customer, with the
  customer's RFM scores and segment; services/insights/cache.py fills and refreshes it.
- insights_cache_state: the period each preset's rows describe, the quintile cuts used and
  the sums of the rows the KPI tiles read.
- insights_dirty: customers whose sales changed since the last refresh. SQLite triggers on
  sale (a new sale, a void, a merge moving it) and sale_refund (a new refund) add them, for
  every preset that has rows, so no code path that writes sales can leave the rows stale.
- sale_bucket: sales (not voided) and refunds summed per UTC quarter hour, kept by SQLite
  triggers and filled here from what is recorded, so a year's weekly trend reads ~35,000 small
  rows instead of a million sales. Every local midnight of every time zone in use falls on a
  quarter hour, so whole local days are whole runs of buckets.
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


def quarter_hour(moment: str) -> str:
    """SQL: the stored UTC timestamp `moment` ('YYYY-MM-DD HH:MM:SS.ffffff') cut down to the
    start of its quarter hour, 'YYYY-MM-DD HH:MM'."""
    minute = f"substr({moment}, 15, 2)"
    return (
        f"substr({moment}, 1, 14) || CASE WHEN {minute} < '15' THEN '00' "
        f"WHEN {minute} < '30' THEN '15' WHEN {minute} < '45' THEN '30' ELSE '45' END"
    )


BUCKET_TRIGGERS = {
    "sale_bucket_added": f"""
        CREATE TRIGGER sale_bucket_added AFTER INSERT ON sale WHEN new.voided_at IS NULL BEGIN
            INSERT INTO sale_bucket (bucket, sales, amount_minor, refunded_minor)
            VALUES ({quarter_hour("new.occurred_at")}, 1, new.amount_minor, 0)
            ON CONFLICT (bucket) DO UPDATE
            SET sales = sales + 1, amount_minor = amount_minor + excluded.amount_minor;
        END""",
    "sale_bucket_voided": f"""
        CREATE TRIGGER sale_bucket_voided AFTER UPDATE OF voided_at ON sale
        WHEN old.voided_at IS NULL AND new.voided_at IS NOT NULL BEGIN
            UPDATE sale_bucket SET sales = sales - 1, amount_minor = amount_minor - new.amount_minor
            WHERE bucket = {quarter_hour("new.occurred_at")};
        END""",
    "sale_bucket_refunded": f"""
        CREATE TRIGGER sale_bucket_refunded AFTER INSERT ON sale_refund BEGIN
            INSERT INTO sale_bucket (bucket, sales, amount_minor, refunded_minor)
            VALUES ({quarter_hour("new.created_at")}, 0, 0, new.amount_minor)
            ON CONFLICT (bucket) DO UPDATE
            SET refunded_minor = refunded_minor + excluded.refunded_minor;
        END""",
}
BUCKETS_FILL = (
    f"""
    INSERT INTO sale_bucket (bucket, sales, amount_minor, refunded_minor)
    SELECT {quarter_hour("occurred_at")}, COUNT(*), SUM(amount_minor), 0
    FROM sale WHERE voided_at IS NULL GROUP BY 1""",
    f"""
    INSERT INTO sale_bucket (bucket, sales, amount_minor, refunded_minor)
    SELECT {quarter_hour("created_at")}, 0, 0, SUM(amount_minor)
    FROM sale_refund WHERE true GROUP BY 1
    ON CONFLICT (bucket) DO UPDATE SET refunded_minor = refunded_minor + excluded.refunded_minor""",
)

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
        "sale_bucket",
        sa.Column("bucket", sa.String(16), primary_key=True),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("refunded_minor", sa.Integer(), nullable=False),
    )
    op.create_table(
        "insights_dirty",
        sa.Column("days", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), primary_key=True),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        for ddl in (*TRIGGERS.values(), *BUCKET_TRIGGERS.values()):
            op.execute(ddl)
        for fill in BUCKETS_FILL:
            op.execute(fill)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (*TRIGGERS, *BUCKET_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("insights_dirty")
    op.drop_table("sale_bucket")
    op.drop_table("insights_cache_state")
    for name in CUSTOMER_INDEXES:
        op.drop_index(name, table_name="insights_customer")
    op.drop_table("insights_customer")
