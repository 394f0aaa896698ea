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

# -- search (SQLite only; crmtui.services.search is the one module that queries this) --------
#
# The FTS rows are keyed by a *search key*, not by contact.id, so that an index walked in
# key order meets the most recent customers first and a search can stop after `limit` rows
# instead of ranking every match (typing "07" matches most of a shop):
#
#     search key = ±(recency in whole seconds * 2**28 + contact id)
#
# recency is coalesce(last_sale_at, created_at); the sign is - for archived contacts, so the
# people search shows by default are exactly the positive keys. The id in the low bits keeps
# keys unique and orders ties the way the ranking does (newest id first).
#
# A later migration that rebuilds `contact` (Alembic batch mode copies it to a new table) must
# drop the view and the three triggers below first and create them again afterwards: SQLite
# drops a table's triggers with it, and refuses to rename a table a view still points at.
SEARCH_KEY_ID_BITS = 28  # crmtui.services.search reads the id back with the same width


def _search_key(row: str) -> str:
    recency = f"coalesce({row}.last_sale_at, {row}.created_at)"
    seconds = f"max(0, CAST(strftime('%s', {recency}) AS INTEGER))"
    sign = f"CASE WHEN {row}.archived_at IS NULL THEN 1 ELSE -1 END"
    return f"({sign} * ({seconds} * {1 << SEARCH_KEY_ID_BITS} + {row}.id))"


# Where unicode61 would start a new word inside search_text: folding keeps "_", and email
# addresses (the rest of search_text is letters, digits and single spaces) may hold these.
_WORD_SEPARATORS = "_.@-+'!#$%&*/=?^`{|}~"


def _word_starts(value: str) -> str:
    """search_text with every word start marked by two spaces: "  anna  k  example  com".

    A word prefix of one or two characters then becomes a trigram phrase ("  k", "  an"),
    so every query word, short or long, is answered by the one trigram index.
    """
    for char in _WORD_SEPARATORS:
        literal = "'" + char.replace("'", "''") + "'"
        value = f"replace({value}, {literal}, ' ')"
    return f"('  ' || replace({value}, ' ', '  '))"


def _index(row: str) -> list[str]:
    key = _search_key(row)
    return [
        f"""INSERT INTO contact_trigram(rowid, search_text, word_starts)
            VALUES ({key}, {row}.search_text, {_word_starts(row + ".search_text")})""",
        f"INSERT INTO contact_words(rowid, sort_name) VALUES ({key}, {row}.sort_name)",
    ]


def _unindex(row: str) -> list[str]:
    key = _search_key(row)
    return [
        f"""INSERT INTO contact_trigram(contact_trigram, rowid, search_text, word_starts)
            VALUES ('delete', {key}, {row}.search_text, {_word_starts(row + ".search_text")})""",
        f"""INSERT INTO contact_words(contact_words, rowid, sort_name)
            VALUES ('delete', {key}, {row}.sort_name)""",
    ]


def _trigger(name: str, event: str, statements: list[str], when: str = "") -> str:
    body = ";\n        ".join(statements)
    return f"CREATE TRIGGER {name} {event} ON contact {when} BEGIN\n        {body};\n    END"


SQLITE_SEARCH_DDL = [
    # What the indexes hold, row by row: their external content ('rebuild', integrity-check).
    f"""CREATE VIEW contact_search_source AS
        SELECT {_search_key("contact")} AS search_key, search_text,
               {_word_starts("search_text")} AS word_starts, sort_name
        FROM contact""",
    # Every query word: three or more characters as any substring of search_text (phone
    # fragments, "ukas"), one or two as the start of a word ("  k" in word_starts).
    """CREATE VIRTUAL TABLE contact_trigram USING fts5(
        search_text, word_starts, content='contact_search_source', content_rowid='search_key',
        tokenize='trigram')""",
    # The words of the folded name, to find names that start with the query: ^"anna k"*.
    # sort_name is ASCII letters, digits, "_" and single spaces, so these tokens are exactly
    # its words; prefix indexes keep short prefixes to one doclist walked in key order.
    """CREATE VIRTUAL TABLE contact_words USING fts5(
        sort_name, content='contact_search_source', content_rowid='search_key',
        tokenize="unicode61 tokenchars '_'", prefix='1 2 3 4')""",
    _trigger("contact_search_ai", "AFTER INSERT", _index("new")),
    _trigger(
        "contact_search_au",
        "AFTER UPDATE OF search_text, sort_name, last_sale_at, created_at, archived_at, id",
        _unindex("old") + _index("new"),
        when=(
            "WHEN old.search_text IS NOT new.search_text OR old.sort_name IS NOT new.sort_name"
            f" OR {_search_key('old')} IS NOT {_search_key('new')}"
        ),
    ),
    _trigger("contact_search_ad", "AFTER DELETE", _unindex("old")),
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
        op.execute("DROP VIEW IF EXISTS contact_search_source")
    for table in ("points_entry", "sale", "contact_tag", "contact", "setting"):
        op.drop_table(table)
