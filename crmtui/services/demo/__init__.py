"""A living demo shop: a café's settings, customers from many cultures and a year of sales.

`crmtui demo` opens one so a newcomer sees a shop at work at once; the benchmarks use the
same generator at scale (100,000 contacts, 1,000,000 sales). Everything is drawn from one
`random.Random(seed)` and the injected `now`, so the same arguments give the same file.

generate_demo plans the whole shop in memory, then writes it in one transaction: the demo
lands whole or not at all. Its parts:

- cultures: the names, scripts, e-mail domains and home countries customers come from;
- people: each customer, their visiting habit and, when written, the rest of their card;
- phones: valid numbers of a customer's region, typed the many ways people type them;
- till: the menu, the busy hours and every sale, with the points and figures the app caches;
- writer: the bulk inserts of contacts, tags, sales and the points ledger;
- loyalty: the rewards catalogue and a few redemptions;
- referrals: who brought whom, and the rewards their first sales paid, as the hooks pay them;
- followups: feedback scores and a few tasks made by hand;
- history: the automatic follow-up rules of the last two weeks, run and worked day by day;
- common: the café's settings, the clock's units and DemoError, shared by all of them.

The order matters: the customers, sales and redemptions draw from the same generator, so
moving a draw from one step to another changes the whole file. The later parts (referrals,
followups, history) each draw from their own generator seeded from `seed`, so adding them
changed none of those draws.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crmtui.db.engine import Database
from crmtui.services.demo.common import DAY, DEMO_SETTINGS, DemoError
from crmtui.services.demo.cultures import SHOWCASE
from crmtui.services.demo.followups import write_followups
from crmtui.services.demo.history import work_the_queue
from crmtui.services.demo.loyalty import write_loyalty
from crmtui.services.demo.people import new_person
from crmtui.services.demo.referrals import finish_referrals, plan_referrals
from crmtui.services.demo.till import allocate_visits, plan_till, time_of_day_table
from crmtui.services.demo.writer import refuse_real_shop, write_contacts, write_till
from crmtui.services.settings import save_settings

# The public face of the package; the modules behind it are the generator's workings.
__all__ = ["DEMO_SETTINGS", "DemoError", "DemoSummary", "Progress", "generate_demo"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """How much the generator wrote."""

    contacts: int
    sales: int
    voided_sales: int
    points_entries: int
    tags: int
    archived: int
    with_phone: int
    with_email: int
    referrals: int = 0  # recorded, rejected attempts included


def generate_demo(
    db: Database,
    *,
    now: datetime,
    contacts: int = 320,
    sales: int | None = None,
    seed: int = 7,
    progress: Progress | None = None,
    history: bool = True,
) -> DemoSummary:
    """Fill an empty, migrated shop file with a café, its customers and a year of sales.

    `sales=None` draws about a year of the customers' habits (a few thousand sales for 320
    contacts); a number scales those habits to exactly that many sales. `progress` is called
    as (rows written, rows to write), counting contacts and sales. `history=False` leaves out
    the referrals and the worked follow-up queue: the benchmark shop is built that way, so
    its figures stay comparable with those measured before they existed. Raises DemoError if
    the file already holds customers or sales: a demo never mixes with a real shop.
    """
    if now.tzinfo is None:
        raise ValueError("generate_demo needs a timezone-aware `now`")
    if contacts < 0 or (sales is not None and sales < 0):
        raise ValueError("contacts and sales cannot be negative")
    rng = random.Random(seed)
    now_ts = int(now.timestamp())

    # 1. Who the customers are, how often they come, and what they bought.
    people = [new_person(rng, SHOWCASE[i] if i < len(SHOWCASE) else None) for i in range(contacts)]
    counts = allocate_visits(rng, [person.visits_expected for person in people], sales)
    till = plan_till(rng, people, counts, now_ts)

    # 2. When they joined (before their first sale); ids follow that order, as in a real shop.
    times = time_of_day_table(rng)
    created = []
    for index, person in enumerate(people):
        day = now_ts - now_ts % DAY - int(person.created_ago_days) * DAY
        joined = day + times[rng.randrange(len(times))]
        if till.first_sale[index]:
            joined = min(joined, till.first_sale[index] - rng.randint(60, 900))
        created.append(min(joined, now_ts - 60))
    buyers = sorted(
        (i for i in range(contacts) if till.spend[i]), key=lambda i: (-till.spend[i], i)
    )
    for index in buyers[: max(1, len(buyers) // 50)]:
        people[index].tags.append("vip")
    order = sorted(range(contacts), key=lambda i: (created[i], i))
    ids = [0] * contacts
    for number, index in enumerate(order):
        ids[index] = number + 1  # the file is empty (checked below): numbering starts at 1

    total_rows = contacts + len(till.keys)
    written = 0

    def report(rows: int) -> None:
        nonlocal written
        written += rows
        if progress is not None:
            progress(written, total_rows)

    # 3. One transaction: the demo lands whole or not at all.
    with db.write() as session:
        refuse_real_shop(session)
        saved = save_settings(session=session, values=DEMO_SETTINGS)
        report(0)
        counted = write_contacts(
            session,
            rng,
            people=people,
            order=order,
            ids=ids,
            created=created,
            till=till,
            now=now,
            report=report,
        )
        # Referrals are recorded as their referees join; their rewards land with the
        # qualifying sales (write_till), and their statuses and balances after the loyalty
        # step, which so sees the balances it always saw (referrals.py says why).
        referrals = (
            plan_referrals(
                session, seed=seed, ids=ids, created=created, order=order, till=till, now=now
            )
            if history
            else None
        )
        entries = write_till(
            session,
            rng,
            till=till,
            ids=ids,
            currency=saved.currency,
            seed=seed,
            now_ts=now_ts,
            report=report,
            paid_with=referrals.paid_with if referrals else None,
        )
        entries += write_loyalty(session, rng, now=now)
        if referrals:
            finish_referrals(session, referrals)
        write_followups(session, seed=seed, now=now)
        if history:
            work_the_queue(session, seed=seed, now=now)  # the rules' last two weeks, worked
    return DemoSummary(
        contacts=contacts,
        sales=len(till.keys),
        voided_sales=len(till.voided),
        points_entries=entries,
        tags=counted["tags"],
        archived=counted["archived"],
        with_phone=counted["with_phone"],
        with_email=counted["with_email"],
        referrals=sum(referrals.status.values()) if referrals else 0,
    )
