"""Initial schema: settings, contacts with tags, sales, the points ledger and the search index.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crmtui.db.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_SEARCH_DDL = [
    # Substrings of three or more characters, in any position (phone fragments, "ukas").
    """CREATE VIRTUAL TABLE contact_trigram USING fts5(
        search_text, content='contact', content_rowid='id', tokenize='trigram')""",
    # Word prefixes of one and two characters ("a", "an k"), which trigrams cannot see.
    """CREATE VIRTUAL TABLE contact_words USING fts5(
        search_text, content='contact', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2', detail='none')""",
    """CREATE TRIGGER contact_search_ai AFTER INSERT ON contact BEGIN
        INSERT INTO contact_trigram(rowid, search_text) VALUES (new.id, new.search_text);
        INSERT INTO contact_words(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER contact_search_au AFTER UPDATE OF search_text ON contact BEGIN
        INSERT INTO contact_trigram(contact_trigram, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        INSERT INTO contact_words(contact_words, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        INSERT INTO contact_trigram(rowid, search_text) VALUES (new.id, new.search_text);
        INSERT INTO contact_words(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER contact_search_ad AFTER DELETE ON contact BEGIN
        INSERT INTO contact_trigram(contact_trigram, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        INSERT INTO contact_words(contact_words, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
    END""",
]

SQLITE_GUARD_DDL = [
    """CREATE TRIGGER points_entry_append_only_update BEFORE UPDATE ON points_entry BEGIN
        SELECT RAISE(ABORT, 'the points ledger is append-only: entries cannot be changed');
    END""",
    """CREATE TRIGGER points_entry_append_only_delete BEFORE DELETE ON points_entry BEGIN
        SELECT RAISE(ABORT, 'the points ledger is append-only: entries cannot be deleted');
    END""",
    """CREATE TRIGGER sale_never_deleted BEFORE DELETE ON sale BEGIN
        SELECT RAISE(ABORT, 'sales are never deleted: void or refund them instead');
    END""",
    """CREATE TRIGGER sale_facts_fixed
        BEFORE UPDATE OF amount_minor, occurred_at, idempotency_key ON sale BEGIN
        SELECT RAISE(ABORT, 'a recorded sale cannot be rewritten: void or refund it instead');
    END""",
]


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("greeting_name", sa.String(), nullable=True),
        sa.Column("phone_raw", sa.String(), nullable=True),
        sa.Column("phone_e164", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("birthday_year", sa.Integer(), nullable=True),
        sa.Column("birthday_month", sa.Integer(), nullable=True),
        sa.Column("birthday_day", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(), nullable=False, server_default=""),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("consent_at", UTCDateTime(), nullable=True),
        sa.Column("consent_source", sa.String(), nullable=True),
        sa.Column("referral_code", sa.String(8), nullable=False, unique=True),
        sa.Column("sort_name", sa.String(), nullable=False, server_default=""),
        sa.Column("search_text", sa.String(), nullable=False, server_default=""),
        sa.Column("points_balance", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_sale_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("points_balance >= 0", name="ck_contact_balance_not_negative"),
    )
    op.create_index("ix_contact_sort_name", "contact", ["sort_name"])
    op.create_index("ix_contact_phone_e164", "contact", ["phone_e164"])
    op.create_index("ix_contact_email", "contact", ["email"])
    op.create_index("ix_contact_last_sale_at", "contact", ["last_sale_at"])
    op.create_table(
        "contact_tag",
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contact.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(40), primary_key=True),
    )
    op.create_index("ix_contact_tag_tag", "contact_tag", ["tag", "contact_id"])
    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.String(), nullable=False, server_default=""),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("void_reason", sa.String(), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name="ck_sale_amount_positive"),
    )
    op.create_index("ix_sale_contact_time", "sale", ["contact_id", "occurred_at"])
    op.create_index("ix_sale_time", "sale", ["occurred_at", "contact_id", "amount_minor"])
    op.create_table(
        "points_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("delta <> 0", name="ck_points_entry_delta_nonzero"),
        sa.CheckConstraint(
            "kind IN ('earn','redeem','bonus','referral','adjust','expire','reverse')",
            name="ck_points_entry_kind",
        ),
    )
    op.create_index("ix_points_entry_contact", "points_entry", ["contact_id", "id"])
    op.create_index("ix_points_entry_sale", "points_entry", ["sale_id"])
    op.create_index(
        "uq_points_entry_earn_per_sale",
        "points_entry",
        ["sale_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'earn'"),
        postgresql_where=sa.text("kind = 'earn'"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for ddl in SQLITE_SEARCH_DDL + SQLITE_GUARD_DDL:
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("contact_words", "contact_trigram"):
            op.execute(f"DROP TABLE IF EXISTS {name}")
    for table in ("points_entry", "sale", "contact_tag", "contact", "setting"):
        op.drop_table(table)
