"""Writing the planned demo: contacts, tags, sales and the points ledger.

Rows go in with SQLAlchemy Core bulk inserts on the table objects (so timestamps still pass
through UTCDateTime), in large batches inside the caller's one transaction.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert
from sqlmodel import Session, SQLModel, select

from crmtui.db.models import Contact, Sale
from crmtui.services.contacts import REFERRAL_ALPHABET, REFERRAL_LENGTH
from crmtui.services.demo.common import DemoError, utc
from crmtui.services.demo.people import Person, contact_row
from crmtui.services.demo.till import Till

BATCH = 20_000  # rows per INSERT: large enough to be fast, small enough to keep memory flat
# Why a sale was voided, as the owner would write it at the counter.
_VOID_REASONS = (
    "undone at the counter",
    "rung up twice",
    "wrong amount",
    "customer changed their mind",
    "card payment declined",
)


def _table(name: str) -> Table:
    """The Core table behind a model: its bulk inserts still convert through UTCDateTime."""
    return SQLModel.metadata.tables[name]


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _referral_codes(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` unused codes in the service's alphabet, from the seeded generator, not secrets."""
    codes = []
    while len(codes) < count:
        code = "".join(rng.choices(REFERRAL_ALPHABET, k=REFERRAL_LENGTH))
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes


def refuse_real_shop(session: Session) -> None:
    """Raise DemoError unless the file is empty: a demo never mixes with a real shop."""
    has_contacts = session.exec(select(func.count()).select_from(Contact)).one()
    has_sales = session.exec(select(func.count()).select_from(Sale)).one()
    if has_contacts or has_sales:
        raise DemoError(
            "This shop file already has customers or sales; the demo is written only into "
            "an empty file (use a new file, e.g. crmtui --db demo.sqlite3 demo)."
        )


def write_contacts(
    session: Session,
    rng: random.Random,
    *,
    people: list[Person],
    order: list[int],
    ids: list[int],
    created: list[int],
    till: Till,
    now: datetime,
    report: Callable[[int], None],
) -> dict[str, int]:
    """Insert the contacts and their tags; returns counts for the summary."""
    connection = session.connection()
    taken = set(session.exec(select(Contact.referral_code)).all())
    codes = _referral_codes(rng, len(people), taken)
    phones: set[str] = set()
    emails: set[str] = set()
    counted = {"tags": 0, "archived": 0, "with_phone": 0, "with_email": 0}

    def rows() -> Iterator[dict[str, Any]]:
        for number, index in enumerate(order):
            row = contact_row(
                rng,
                people[index],
                contact_id=ids[index],
                referral_code=codes[number],
                created_ts=created[index],
                last_sale_ts=till.last_sale[index],
                balance=till.balance[index],
                now=now,
                phones_taken=phones,
                emails_taken=emails,
            )
            counted["archived"] += row["archived_at"] is not None
            counted["with_phone"] += row["phone_e164"] is not None
            counted["with_email"] += row["email"] is not None
            yield row

    contact_table = _table("contact")
    for batch in _batches(rows(), BATCH):
        connection.execute(insert(contact_table), batch)
        report(len(batch))

    tag_rows = (
        {"contact_id": ids[index], "tag": tag}
        for index in order
        for tag in sorted(set(people[index].tags))
    )
    tag_table = _table("contact_tag")
    for batch in _batches(tag_rows, BATCH):
        connection.execute(insert(tag_table), batch)
        counted["tags"] += len(batch)
    return counted


def write_till(
    session: Session,
    rng: random.Random,
    *,
    till: Till,
    ids: list[int],
    currency: str,
    seed: int,
    now_ts: int,
    report: Callable[[int], None],
    paid_with: Mapping[int, Sequence[dict[str, Any]]] | None = None,
) -> int:
    """Insert the sales and the ledger, both in time order; returns how many entries.

    `paid_with` maps a sale's position in the till roll to the ledger entries that sale paid
    besides its own points (a referral's rewards): they take the ids right after its earn
    entry, as the sale's one transaction would have given them."""
    connection = session.connection()
    sale_table, entry_table = _table("sale"), _table("points_entry")
    sale_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    paid_rows: list[dict[str, Any]] = []  # other columns than entry_rows: their own INSERT
    paid_with = paid_with or {}
    # Reversals wait here until the till roll reaches their time: (time, sale, contact, points).
    reversals: list[tuple[int, int, int, int, str]] = []
    stride = till.stride
    entries_written = 0

    def entry(contact_id: int, kind: str, delta: int, reason: str, sale_id: int, ts: int) -> None:
        entry_rows.append(
            {
                "id": len(entry_rows) + len(paid_rows) + entries_written + 1,
                "contact_id": contact_id,
                "kind": kind,
                "delta": delta,
                "reason": reason,
                "sale_id": sale_id,
                "created_at": utc(ts),
            }
        )

    def reverse_until(ts: int) -> None:
        while reversals and reversals[0][0] <= ts:
            void_ts, sale_id, contact_id, held, reason = heapq.heappop(reversals)
            entry(
                contact_id, "reverse", -held, f"void of sale #{sale_id}: {reason}", sale_id, void_ts
            )

    for position, key in enumerate(till.keys):
        ts = key // stride
        reverse_until(ts)
        contact_id = ids[key % stride]
        sale_id = position + 1
        amount = till.amounts[position]
        points = till.points[amount]
        voided_at = void_reason = None
        if position in till.voided:
            void_ts = min(now_ts, ts + rng.randint(30, 900))
            void_reason = rng.choice(_VOID_REASONS)
            voided_at = utc(void_ts)
            if points > 0:
                heapq.heappush(reversals, (void_ts, sale_id, contact_id, points, void_reason))
        sale_rows.append(
            {
                "id": sale_id,
                "contact_id": contact_id,
                "amount_minor": amount,
                "currency": currency,
                "occurred_at": utc(ts),
                "note": "",
                "idempotency_key": f"demo-{seed}-{sale_id}",
                "voided_at": voided_at,
                "void_reason": void_reason,
            }
        )
        if points > 0:
            entry(contact_id, "earn", points, f"sale #{sale_id}", sale_id, ts)
        for paid in paid_with.get(position, ()):
            paid_rows.append({**paid, "id": len(entry_rows) + len(paid_rows) + entries_written + 1})
        if len(sale_rows) >= BATCH or position == len(till.keys) - 1:
            if position == len(till.keys) - 1:
                reverse_until(now_ts)
            connection.execute(insert(sale_table), sale_rows)
            report(len(sale_rows))
            sale_rows.clear()
            for rows in (entry_rows, paid_rows):
                if rows:
                    connection.execute(insert(entry_table), rows)
                    entries_written += len(rows)
                    rows.clear()
    return entries_written
