"""Health checks for `crmtui doctor`: the file, its foreign keys and the points ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtui.services.ledger import mismatched_balances

if TYPE_CHECKING:
    from crmtui.services.shop import Shop


def run_checks(shop: Shop) -> list[str]:
    """Every problem found, in words; an empty list means healthy."""
    problems: list[str] = []
    integrity = [str(r[0]) for r in shop.db.raw_execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems += [f"integrity: {line}" for line in integrity[:20]]
    for table, rowid, parent, _fk in shop.db.raw_execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
    with shop.db.read() as session:
        for contact_id, cached, total in mismatched_balances(session=session):
            problems.append(
                f"balance: contact {contact_id} shows {cached} points "
                f"but the ledger sums to {total}"
            )
    return problems
