"""Close the holes in the append-only guards.

- INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers, so an
  insert that would replace an existing ledger entry or sale is refused outright.
- A sale's customer and currency are facts like its amount: they cannot be rewritten.
- A voided sale stays voided: clearing voided_at would count it again while its reversal
  stays in the ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GUARDS = {
    "points_entry_no_replace": """
        CREATE TRIGGER points_entry_no_replace BEFORE INSERT ON points_entry
        WHEN EXISTS (SELECT 1 FROM points_entry WHERE id = new.id) BEGIN
            SELECT RAISE(ABORT, 'the points ledger is append-only: entries cannot be replaced');
        END""",
    "sale_no_replace": """
        CREATE TRIGGER sale_no_replace BEFORE INSERT ON sale
        WHEN EXISTS (
            SELECT 1 FROM sale WHERE id = new.id OR idempotency_key = new.idempotency_key
        ) BEGIN
            SELECT RAISE(ABORT, 'a recorded sale cannot be replaced: void or refund it instead');
        END""",
    "sale_facts_fixed": """
        CREATE TRIGGER sale_facts_fixed
        BEFORE UPDATE OF amount_minor, occurred_at, idempotency_key, contact_id, currency
        ON sale BEGIN
            SELECT RAISE(ABORT, 'a recorded sale cannot be rewritten: void or refund it instead');
        END""",
    "sale_void_is_final": """
        CREATE TRIGGER sale_void_is_final BEFORE UPDATE OF voided_at, void_reason ON sale
        WHEN old.voided_at IS NOT NULL BEGIN
            SELECT RAISE(ABORT, 'a voided sale stays voided');
        END""",
}

OLD_SALE_FACTS_FIXED = """
    CREATE TRIGGER sale_facts_fixed
    BEFORE UPDATE OF amount_minor, occurred_at, idempotency_key ON sale BEGIN
        SELECT RAISE(ABORT, 'a recorded sale cannot be rewritten: void or refund it instead');
    END"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS sale_facts_fixed")
    for ddl in GUARDS.values():
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in GUARDS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(OLD_SALE_FACTS_FIXED)
