"""Loyalty, referrals, follow-ups, feedback and merges.

- A balance may go below zero (a refund reverses points that were already spent); the
  contact loses its CHECK and gains last_contacted_at, erased_at and merged_into_id.
- The ledger links entries to refunds, rewards, referrals and a transfer counterpart, and
  once-only entries carry an occasion. A new kind, transfer, moves points in a merge.
- New tables: sale_refund, reward, referral, followup_task, interaction, feedback,
  contact_merge.
- A sale may move to another contact (a merge moves it; undo moves it back). Its amount,
  time, key and currency stay fixed.

Rebuilding `contact` and `points_entry` drops their triggers (SQLite drops a table's
triggers with it), so both are recreated here, exactly as 0001 and 0002 wrote them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from crmtui.db.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_initial = importlib.import_module("crmtui.db.migrations.versions.0001_initial")
_guards = importlib.import_module("crmtui.db.migrations.versions.0002_stricter_history_guards")

SEARCH_TRIGGERS = ("contact_search_ai", "contact_search_au", "contact_search_ad")
LEDGER_TRIGGERS = (
    "points_entry_append_only_update",
    "points_entry_append_only_delete",
    "points_entry_no_replace",
)
SALE_FACTS_FIXED = """
    CREATE TRIGGER sale_facts_fixed
    BEFORE UPDATE OF amount_minor, occurred_at, idempotency_key, currency ON sale BEGIN
        SELECT RAISE(ABORT, 'a recorded sale cannot be rewritten: void or refund it instead');
    END"""
APPEND_ONLY = {
    "sale_refund": "refunds are append-only: record another refund instead",
}
KINDS_WITH_TRANSFER = (
    "kind IN ('earn','redeem','bonus','referral','adjust','expire','reverse','transfer')"
)
KINDS_BEFORE = "kind IN ('earn','redeem','bonus','referral','adjust','expire','reverse')"


def _search_ddl() -> list[str]:
    """0001's view and contact triggers (the FTS tables themselves survive the rebuild)."""
    return [ddl for ddl in _initial.SQLITE_SEARCH_DDL if "VIRTUAL TABLE" not in ddl]


def _ledger_guard_ddl() -> list[str]:
    return [ddl for ddl in _initial.SQLITE_GUARD_DDL if "points_entry" in ddl] + [
        _guards.GUARDS["points_entry_no_replace"]
    ]


def _drop_search_and_ledger_guards() -> None:
    for name in SEARCH_TRIGGERS + LEDGER_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP VIEW IF EXISTS contact_search_source")


def _restore_search_and_ledger_guards() -> None:
    for ddl in _search_ddl() + _ledger_guard_ddl():
        op.execute(ddl)


POINTS_DAILY_TRIGGER = """
    CREATE TRIGGER points_daily_ai AFTER INSERT ON points_entry BEGIN
        INSERT INTO points_daily (day, kind, positive, points, entries)
        VALUES (substr(new.created_at, 1, 10), new.kind, new.delta > 0, new.delta, 1)
        ON CONFLICT (day, kind, positive) DO UPDATE
        SET points = points + excluded.points, entries = entries + 1;
    END"""
POINTS_DAILY_FILL = """
    INSERT INTO points_daily (day, kind, positive, points, entries)
    SELECT substr(created_at, 1, 10), kind, delta > 0, sum(delta), count(*)
    FROM points_entry GROUP BY 1, 2, 3"""


def _create_tables() -> None:
    op.create_table(
        "points_daily",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("positive", sa.Boolean(), primary_key=True),
        sa.Column("points", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("entries", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "sale_refund",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id"), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name="ck_sale_refund_amount_positive"),
    )
    op.create_index("ix_sale_refund_sale", "sale_refund", ["sale_id"])
    op.create_index("ix_sale_refund_time", "sale_refund", ["created_at", "sale_id", "amount_minor"])
    op.create_table(
        "reward",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("points_cost", sa.Integer(), nullable=False),
        sa.Column("benefit", sa.String(16), nullable=False),
        sa.Column("benefit_value", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("description", sa.String(), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("points_cost > 0", name="ck_reward_cost_positive"),
        sa.CheckConstraint(
            "benefit IN ('fixed_discount','percent_discount','free_item','store_credit')",
            name="ck_reward_benefit",
        ),
        sa.CheckConstraint("benefit_value >= 0", name="ck_reward_value_not_negative"),
    )
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referrer_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=True),
        sa.Column("referee_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("rejection_reason", sa.String(), nullable=True),
        sa.Column("code_typed", sa.String(16), nullable=True),
        sa.Column("qualifying_sale_id", sa.Integer(), sa.ForeignKey("sale.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("qualified_at", UTCDateTime(), nullable=True),
        sa.Column("rewarded_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','qualified','rewarded','rejected')", name="ck_referral_status"
        ),
    )
    op.create_index("ix_referral_referrer", "referral", ["referrer_id", "status"])
    op.create_index("ix_referral_time", "referral", ["created_at", "status"])
    op.create_index(
        "ix_referral_referee_rejected",
        "referral",
        ["referee_id"],
        sqlite_where=sa.text("status = 'rejected'"),
        postgresql_where=sa.text("status = 'rejected'"),
    )
    op.create_index(
        "uq_referral_referee",
        "referral",
        ["referee_id"],
        unique=True,
        sqlite_where=sa.text("status <> 'rejected'"),
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.create_table(
        "followup_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="call"),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="2"),
        sa.Column("note", sa.String(), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("outcome", sa.String(), nullable=False, server_default=""),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("recurrence", sa.String(8), nullable=True),
        sa.Column("rule", sa.String(32), nullable=True),
        sa.Column("occasion", sa.String(64), nullable=True),
        sa.Column("template", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call','message','email','visit','other')", name="ck_task_kind"
        ),
        sa.CheckConstraint("status IN ('open','done','skipped')", name="ck_task_status"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="ck_task_priority"),
    )
    op.create_index("ix_task_queue", "followup_task", ["status", "due_on", "priority"])
    op.create_index("ix_task_contact", "followup_task", ["contact_id", "status"])
    op.create_index(
        "uq_task_occasion",
        "followup_task",
        ["contact_id", "occasion"],
        unique=True,
        sqlite_where=sa.text("occasion IS NOT NULL"),
        postgresql_where=sa.text("occasion IS NOT NULL"),
    )
    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("summary", sa.String(), nullable=False, server_default=""),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("followup_task.id"), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call','message','email','visit','note','task','feedback','other')",
            name="ck_interaction_kind",
        ),
    )
    op.create_index("ix_interaction_contact", "interaction", ["contact_id", "occurred_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False, server_default=""),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("followup_task.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="ck_feedback_score"),
    )
    op.create_index("ix_feedback_time", "feedback", ["created_at", "contact_id", "score"])
    op.create_index("ix_feedback_contact", "feedback", ["contact_id", "created_at"])
    op.create_table(
        "contact_merge",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survivor_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("merged_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("details", sa.String(), nullable=False, server_default="{}"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_contact_merge_survivor", "contact_merge", ["survivor_id"])


# Insights read every sale of a period, per customer and per week. With amount_minor and
# voided_at in these indexes SQLite answers from the index alone; without them each sale is a
# table lookup (measured on 1M sales: the per-customer pass 1.9 s → about 0.3–0.6 s).
SALE_INDEXES_BEFORE = {
    "ix_sale_contact_time": ["contact_id", "occurred_at"],
    "ix_sale_time": ["occurred_at", "contact_id", "amount_minor"],
}
SALE_INDEXES = {
    "ix_sale_contact_time": ["contact_id", "occurred_at", "amount_minor", "voided_at"],
    "ix_sale_time": ["occurred_at", "contact_id", "amount_minor", "voided_at"],
}


def _set_sale_indexes(indexes: dict[str, list[str]]) -> None:
    for name, columns in indexes.items():
        op.drop_index(name, table_name="sale")
        op.create_index(name, "sale", columns)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_search_and_ledger_guards()
    _create_tables()
    _set_sale_indexes(SALE_INDEXES)
    with op.batch_alter_table("contact", recreate="always") as batch:
        batch.drop_constraint("ck_contact_balance_not_negative", type_="check")
        batch.add_column(sa.Column("last_contacted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("spend_12m_minor", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key("fk_contact_merged_into", "contact", ["merged_into_id"], ["id"])
    with op.batch_alter_table("points_entry", recreate="always") as batch:
        batch.drop_constraint("ck_points_entry_kind", type_="check")
        batch.create_check_constraint("ck_points_entry_kind", KINDS_WITH_TRANSFER)
        batch.add_column(sa.Column("refund_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reward_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("referral_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("counterpart_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("occasion", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_points_entry_refund", "sale_refund", ["refund_id"], ["id"])
        batch.create_foreign_key("fk_points_entry_reward", "reward", ["reward_id"], ["id"])
        batch.create_foreign_key("fk_points_entry_referral", "referral", ["referral_id"], ["id"])
        batch.create_foreign_key(
            "fk_points_entry_counterpart", "contact", ["counterpart_id"], ["id"]
        )
        batch.create_index(
            "uq_points_entry_occasion",
            ["contact_id", "occasion"],
            unique=True,
            sqlite_where=sa.text("occasion IS NOT NULL"),
        )
        batch.create_index("ix_points_entry_time", ["created_at", "kind", "delta"])
        batch.drop_index("ix_points_entry_contact")
        batch.create_index("ix_points_entry_contact", ["contact_id", "id", "delta", "created_at"])
    if sqlite:
        _restore_search_and_ledger_guards()
        op.execute(POINTS_DAILY_FILL)
        op.execute(POINTS_DAILY_TRIGGER)
        op.execute("DROP TRIGGER IF EXISTS sale_facts_fixed")
        op.execute(SALE_FACTS_FIXED)
        for table, message in APPEND_ONLY.items():
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _set_sale_indexes(SALE_INDEXES_BEFORE)
    if sqlite:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{event}")
        op.execute("DROP TRIGGER IF EXISTS sale_facts_fixed")
        op.execute(_guards.GUARDS["sale_facts_fixed"])
        _drop_search_and_ledger_guards()
        op.execute("DROP TRIGGER IF EXISTS points_daily_ai")
    with op.batch_alter_table("points_entry", recreate="always") as batch:
        batch.drop_index("ix_points_entry_contact")
        batch.create_index("ix_points_entry_contact", ["contact_id", "id"])
        batch.drop_index("ix_points_entry_time")
        batch.drop_index("uq_points_entry_occasion")
        for name in ("refund", "reward", "referral", "counterpart"):
            batch.drop_constraint(f"fk_points_entry_{name}", type_="foreignkey")
        for column in ("occasion", "counterpart_id", "referral_id", "reward_id", "refund_id"):
            batch.drop_column(column)
        batch.drop_constraint("ck_points_entry_kind", type_="check")
        batch.create_check_constraint("ck_points_entry_kind", KINDS_BEFORE)
    with op.batch_alter_table("contact", recreate="always") as batch:
        batch.drop_constraint("fk_contact_merged_into", type_="foreignkey")
        for column in ("spend_12m_minor", "merged_into_id", "erased_at", "last_contacted_at"):
            batch.drop_column(column)
        batch.create_check_constraint("ck_contact_balance_not_negative", "points_balance >= 0")
    for table in (
        "contact_merge",
        "feedback",
        "interaction",
        "followup_task",
        "referral",
        "reward",
        "sale_refund",
        "points_daily",
    ):
        op.drop_table(table)
    if sqlite:
        _restore_search_and_ledger_guards()
