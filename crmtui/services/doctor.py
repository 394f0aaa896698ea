"""Health checks for `crmtui doctor`: the file, its foreign keys, the ledger, and orphans."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtui.services.ledger import mismatched_balances

if TYPE_CHECKING:
    from crmtui.services.shop import Shop

MAX_LISTED = 20  # per check: a broken file can have thousands of the same problem

# (what is wrong, SQL that returns one row per offending id): things foreign keys cannot see.
ORPHAN_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "contact {} is merged into a contact that is itself merged or erased",
        "SELECT c.id FROM contact c JOIN contact s ON s.id = c.merged_into_id "
        "WHERE s.merged_into_id IS NOT NULL",
    ),
    (
        "contact {} is merged into another but not archived",
        "SELECT id FROM contact WHERE merged_into_id IS NOT NULL AND archived_at IS NULL",
    ),
    (
        "contact {} was erased but still holds personal data",
        "SELECT id FROM contact WHERE erased_at IS NOT NULL AND (phone_raw IS NOT NULL "
        "OR phone_e164 IS NOT NULL OR email IS NOT NULL OR notes <> '' OR birthday_month "
        "IS NOT NULL OR greeting_name IS NOT NULL)",
    ),
    (
        "ledger entry {} is a transfer without the contact on its other side",
        "SELECT id FROM points_entry WHERE kind = 'transfer' AND counterpart_id IS NULL",
    ),
    (
        "sale {} has more refunded than it was worth",
        "SELECT s.id FROM sale s JOIN sale_refund r ON r.sale_id = s.id "
        "GROUP BY s.id HAVING sum(r.amount_minor) > s.amount_minor",
    ),
    (
        "contact {} has tags but no contact row",
        "SELECT DISTINCT t.contact_id FROM contact_tag t LEFT JOIN contact c "
        "ON c.id = t.contact_id WHERE c.id IS NULL",
    ),
)


# points_daily (migration 0003) sums the ledger per UTC day, kind and sign, kept by a trigger.
DAILY_MISMATCH = """
    SELECT coalesce(l.day, d.day), coalesce(l.kind, d.kind), coalesce(l.points, 0),
           coalesce(d.points, 0)
    FROM (SELECT substr(created_at, 1, 10) AS day, kind, delta > 0 AS positive,
                 sum(delta) AS points, count(*) AS entries
          FROM points_entry GROUP BY 1, 2, 3) AS l
    FULL OUTER JOIN points_daily AS d
      ON d.day = l.day AND d.kind = l.kind AND d.positive = l.positive
    WHERE l.points IS NOT d.points OR l.entries IS NOT d.entries"""


def _daily_totals_problems(shop: Shop) -> list[str]:
    tables = {r[0] for r in shop.db.raw_execute("SELECT name FROM sqlite_master")}
    if "points_daily" not in tables:
        return []
    return [
        f"ledger: daily totals for {day} {kind} say {stored} but the entries sum to {summed}"
        for day, kind, summed, stored in shop.db.raw_execute(f"{DAILY_MISMATCH} LIMIT {MAX_LISTED}")
    ]


def _search_index_problems(shop: Shop) -> list[str]:
    problems: list[str] = []
    for table in ("contact_trigram", "contact_words"):
        try:
            shop.db.raw_execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        except Exception as exc:  # SQLite reports a corrupt index as an error on this command
            problems.append(f"search index {table}: {exc.__class__.__name__}: {exc}".strip())
    return problems


def run_checks(shop: Shop) -> list[str]:
    """Every problem found, in words; an empty list means healthy."""
    problems: list[str] = []
    integrity = [str(r[0]) for r in shop.db.raw_execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems += [f"integrity: {line}" for line in integrity[:MAX_LISTED]]
        return problems  # the rest would read a damaged file
    for table, rowid, parent, _fk in shop.db.raw_execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign key: {table} row {rowid} points at a missing {parent}")
    with shop.db.read() as session:
        for contact_id, cached, total in mismatched_balances(session=session):
            problems.append(
                f"balance: contact {contact_id} shows {cached} points "
                f"but the ledger sums to {total}"
            )
    transfers = shop.db.raw_execute(
        "SELECT coalesce(sum(delta), 0) FROM points_entry WHERE kind = 'transfer'"
    )[0][0]
    if transfers:
        problems.append(f"ledger: transfers should net to zero but sum to {transfers}")
    for message, sql in ORPHAN_CHECKS:
        for (offender,) in shop.db.raw_execute(f"{sql} LIMIT {MAX_LISTED}"):
            problems.append(f"orphan: {message.format(offender)}")
    problems += _daily_totals_problems(shop)
    problems += shop.insights.check_kept_rows()
    problems += _search_index_problems(shop)
    return problems
