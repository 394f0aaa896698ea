"""The demo café's referral history: who brought whom, the rewards their first sales paid,
and a few attempts the program refused, so F6, the leaderboard, the tree, the "referred by"
line and the Insights conversion tile have something true to show.

Everything here is what the real services would have written had the shop lived that year:

- a referral is recorded as the referee joins (the new-customer form does it in the same
  transaction), so its `created_at` is theirs, before any sale of theirs, and the referrer
  is an earlier customer who had already bought something;
- the referee's first sale qualifies it and pays both sides at that sale's time, exactly as
  referrals.hooks.on_sale_recorded does (kind, points, reason, occasion, referral link);
- a refused attempt is stored as `rejected` with the reason worded as referrals.records does.

Three steps, all inside generate_demo's one transaction, because the ledger must read in
time order (ids follow time, as at a real till): `plan_referrals` writes the referral rows,
as the pending rows they first were, and returns the reward entries; write_till gives those
entries the ids right after their sale's earn entry; `finish_referrals`, after the loyalty
step, marks the rewarded ones and moves the cached balances. The loyalty step thus sees the
balances it always saw and draws the same redemptions.

It draws from its own generator (seeded from the demo's seed), so none of the customers',
sales' or redemptions' draws change.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, SQLModel, select

from crmtui.db.models import Contact
from crmtui.services.demo.common import DAY, YEAR_DAYS, utc
from crmtui.services.demo.till import Till
from crmtui.services.referrals.hooks import reward_occasion, reward_reason
from crmtui.services.referrals.records import ALREADY_BOUGHT, ALREADY_REFERRED, SELF_REFERRAL
from crmtui.services.referrals.rules import ReferralRules, get_rules

REFERRED_SHARE = 0.08  # of the customers: brought in by an earlier customer
NEVER_BOUGHT_SHARE = 0.2  # of those: still pending, the friend never came back to buy
CODE_SHARE = 0.7  # recorded by the friend's code; the rest by searching their name
HUB_SHARE = (0.35, 0.15)  # the café's two keenest ambassadors
CHAIN_SHARE = 0.2  # a referee who then brings a friend of their own
SOON_DAYS = 60  # a referred friend who buys comes within weeks of joining


@dataclass
class ReferralPlan:
    """What plan_referrals wrote and what the later steps still owe."""

    # Sale position in the till roll → the reward entries that sale paid (for write_till).
    paid_with: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # (referral id, qualifying sale id, that sale's time): pending until finish_referrals.
    qualified: list[tuple[int, int, int]] = field(default_factory=list)
    points: dict[int, int] = field(default_factory=dict)  # contact id → referral points
    status: dict[str, int] = field(default_factory=dict)  # final status → how many
    pays: bool = True


@dataclass
class _Shop:
    """What the plan needs to know of every customer, by the generator's person index."""

    ids: list[int]
    created: list[int]
    first_bought: list[int]  # time of the first sale that stands (0: none)
    # Till position of the first sale that reaches the rules' minimum (-1: none): the one
    # that qualifies a pending referral.
    qualifying: list[int]
    # People whose qualifying sale was voided: the hooks would have paid, taken back and paid
    # again on the next sale. The demo refers none of them, so each reward is paid once.
    spoiled: set[int]
    archived: set[int]
    names: dict[int, str]  # contact id → full name
    codes: dict[int, str]  # contact id → referral code


def _read_shop(
    session: Session, ids: list[int], created: list[int], till: Till, rules: ReferralRules
) -> _Shop:
    people = len(ids)
    first_bought, qualifying = [0] * people, [-1] * people
    spoiled: set[int] = set()
    stride, voided, amounts = till.stride, till.voided, till.amounts
    for position, key in enumerate(till.keys):  # in time order
        index = key % stride
        if not first_bought[index] and position not in voided:
            first_bought[index] = key // stride
        if qualifying[index] < 0 and amounts[position] >= rules.min_amount_minor:
            qualifying[index] = position
            if position in voided:
                spoiled.add(index)
    by_id = {contact_id: index for index, contact_id in enumerate(ids)}
    archived: set[int] = set()
    names: dict[int, str] = {}
    codes: dict[int, str] = {}
    for contact_id, name, code, archived_at in session.exec(
        select(Contact.id, Contact.full_name, Contact.referral_code, Contact.archived_at)
    ).all():
        assert contact_id is not None
        names[contact_id], codes[contact_id] = name, code
        if archived_at is not None:
            archived.add(by_id[contact_id])
    return _Shop(ids, created, first_bought, qualifying, spoiled, archived, names, codes)


def _choose_referees(rng: random.Random, shop: _Shop, order: list[int], now_ts: int) -> list[int]:
    """About REFERRED_SHARE of the customers, in the order they joined: people who joined in
    the year the till roll covers (so their friend's purchases are on file too), and who
    either came to buy within weeks or never bought at all (still pending)."""
    since = now_ts - YEAR_DAYS * DAY
    joined = [i for i in order[3:] if shop.created[i] >= since]
    buyers = [
        i
        for i in joined
        if shop.qualifying[i] >= 0
        and i not in shop.spoiled
        and shop.first_bought[i] - shop.created[i] < SOON_DAYS * DAY
    ]
    never = [i for i in joined if shop.qualifying[i] < 0 and not shop.first_bought[i]]
    wanted = round(len(order) * REFERRED_SHARE)
    pending = min(len(never), round(wanted * NEVER_BOUGHT_SHARE))
    chosen = rng.sample(never, pending) + rng.sample(buyers, min(len(buyers), wanted - pending))
    return sorted(chosen, key=lambda i: (shop.created[i], i))


def _choose_referrers(
    rng: random.Random, shop: _Shop, order: list[int], referees: list[int]
) -> dict[int, int]:
    """referee → referrer: a customer who is not archived and had bought before the friend
    joined. Two ambassadors (among the first to buy) bring many; some friends bring friends
    of their own, so the tree has depth."""
    joined = [shop.created[i] for i in order]

    def eligible(index: int, at: int) -> bool:
        return index not in shop.archived and 0 < shop.first_bought[index] < at - DAY

    first_buyers = sorted(
        (i for i in order if shop.first_bought[i] and i not in shop.archived),
        key=lambda i: (shop.first_bought[i], i),
    )
    keenest = first_buyers[: max(2, len(first_buyers) // 10)]
    hubs = rng.sample(keenest, min(2, len(keenest)))
    leader = hubs[0] if hubs else -1  # the top one, whose tree grows deepest
    brought: dict[int, int] = {}
    for referee in referees:
        at, roll, referrer = shop.created[referee], rng.random(), None
        for hub, share in zip(hubs, HUB_SHARE, strict=False):
            roll -= share
            if roll < 0:
                referrer = hub if eligible(hub, at) else None
                break
        else:
            if roll < CHAIN_SHARE:  # a friend of a friend, most often on the top hub's branch
                friends = [r for r in brought if eligible(r, at)]
                top = [r for r in friends if brought[r] in brought or brought[r] == leader]
                if friends:
                    referrer = rng.choice(top if top and rng.random() < 0.7 else friends)
        earlier = bisect.bisect_left(joined, at - DAY)
        for _ in range(0 if referrer is not None or not earlier else 100):
            candidate = order[rng.randrange(earlier)]  # anyone who bought before they joined
            if eligible(candidate, at):
                referrer = candidate
                break
        if referrer is not None:
            brought[referee] = referrer
    return brought


def _deepen(shop: _Shop, brought: dict[int, int]) -> None:
    """Whoever tops the leaderboard (most rewarded referrals) gets a friend who brought a
    friend: a friend of another referrer who joined after that friend had bought is
    credited to them instead. The top referrers keep their counts."""
    rewarded = Counter(brought[e] for e in brought if shop.qualifying[e] >= 0)
    best = max(rewarded.values(), default=0)
    tops = sorted(r for r, n in rewarded.items() if n == best)
    for top in tops if best >= 2 else ():
        children = sorted(
            (
                e
                for e, r in brought.items()
                if r == top and shop.first_bought[e] and e not in shop.archived
            ),
            key=lambda e: (shop.first_bought[e], e),
        )
        if any(r in children for r in brought.values()):
            continue  # already a tree of depth two
        for child in children:
            movable = [
                e
                for e, r in brought.items()
                if r not in tops
                and e not in children
                and shop.created[e] > shop.first_bought[child] + DAY
            ]
            if movable:
                brought[min(movable, key=lambda e: (shop.created[e], e))] = child
                break


def _rejected(
    rng: random.Random, shop: _Shop, brought: dict[int, int], now_ts: int
) -> list[dict[str, Any]]:
    """Three refused attempts, each as records.refusal words it: a customer typing their own
    code, a second friend claimed for someone already referred, and a customer "referred"
    weeks after their first purchase."""
    ids = shop.ids
    involved = set(brought) | set(brought.values())
    bystanders = [
        i
        for i in range(len(ids))
        if i not in shop.archived and shop.first_bought[i] and i not in involved
    ]
    if len(bystanders) < 3:
        return []

    def at_counter(ts: int) -> int:
        return min(now_ts - 60, ts + rng.randint(60, 900))

    def row(referee: int, referrer: int, at: int, reason: str, by_code: bool) -> dict[str, Any]:
        return {
            "referrer_id": ids[referrer],
            "referee_id": ids[referee],
            "status": "rejected",
            "rejection_reason": reason,
            "code_typed": shop.codes[ids[referrer]] if by_code else None,
            "created_at": at,
        }

    # `other` is nobody's referee: no loop can run through them, so the guards before
    # "already bought" let the third attempt through to it.
    bystanders.sort(key=lambda i: (shop.created[i], i))
    other = rng.choice(bystanders[: max(1, len(bystanders) // 4)])  # a long-time customer
    own = rng.choice([i for i in bystanders if i != other])
    months = [
        i for i in bystanders if i not in (other, own) and shop.first_bought[i] < now_ts - 150 * DAY
    ]
    claimer = rng.choice(months) if months else own
    rows = [row(own, own, at_counter(shop.first_bought[own]), SELF_REFERRAL, True)]
    rewarded = [r for r in brought if shop.first_bought[r]]
    if rewarded:
        friend = rng.choice(rewarded)
        at = at_counter(shop.first_bought[friend])
        if shop.created[other] < at:
            reason = ALREADY_REFERRED.format(name=shop.names[ids[brought[friend]]])
            rows.append(row(friend, other, at, reason, False))
    at = at_counter(shop.first_bought[claimer] + rng.randint(30, 120) * DAY)
    if claimer != own and shop.created[other] < at:
        rows.append(row(claimer, other, at, ALREADY_BOUGHT, True))
    return rows


def _reward_entries(
    referral_id: int, referrer_id: int, referee_id: int, sale_id: int, ts: int, rules: ReferralRules
) -> list[dict[str, Any]]:
    """The ledger entries referrals.hooks.on_sale_recorded adds for a qualifying sale."""
    entries = []
    for who, points, role, other in (
        (referrer_id, rules.referrer_points, "referrer", referee_id),
        (referee_id, rules.referee_points, "referee", referrer_id),
    ):
        if points <= 0:
            continue
        entries.append(
            {
                "contact_id": who,
                "kind": "referral",
                "delta": points,
                "reason": reward_reason(role, other, sale_id),
                "referral_id": referral_id,
                "occasion": reward_occasion(referral_id, role, sale_id),
                "created_at": utc(ts),
            }
        )
    return entries


def plan_referrals(
    session: Session,
    *,
    seed: int,
    ids: list[int],
    created: list[int],
    order: list[int],
    till: Till,
    now: datetime,
) -> ReferralPlan:
    """Write the referral rows (the rewarded ones still pending, as they first were) and
    return the reward entries for write_till. Call after the contacts, before the sales."""
    rng = random.Random(seed * 7907 + 3)
    rules = get_rules(session=session)
    shop = _read_shop(session, ids, created, till, rules)
    plan = ReferralPlan(pays=rules.pays_anything)
    if len(order) < 10:
        return plan
    referees = _choose_referees(rng, shop, order, int(now.timestamp()))
    brought = _choose_referrers(rng, shop, order, referees)
    _deepen(shop, brought)
    rows = [
        {
            "referrer_id": ids[referrer],
            "referee_id": ids[referee],
            "status": "pending",
            "rejection_reason": None,
            "code_typed": shop.codes[ids[referrer]] if rng.random() < CODE_SHARE else None,
            "created_at": shop.created[referee],
        }
        for referee, referrer in sorted(brought.items(), key=lambda kv: shop.created[kv[0]])
    ]
    rows += _rejected(rng, shop, brought, int(now.timestamp()))
    rows.sort(key=lambda r: (r["created_at"], r["referee_id"]))  # ids follow time
    index_of = {contact_id: index for index, contact_id in enumerate(ids)}
    for number, row in enumerate(rows, start=1):
        row["id"] = number
        row["created_at"] = utc(row["created_at"])
        position = shop.qualifying[index_of[row["referee_id"]]]
        if row["status"] != "pending" or position < 0:
            continue
        # The file was empty, so write_till numbers the sales by their place in the roll.
        sale_id, ts = position + 1, till.keys[position] // till.stride
        entries = _reward_entries(number, row["referrer_id"], row["referee_id"], sale_id, ts, rules)
        plan.paid_with[position] = entries
        plan.qualified.append((number, sale_id, ts))
        for entry in entries:
            who = entry["contact_id"]
            plan.points[who] = plan.points.get(who, 0) + entry["delta"]
    for row in rows:
        plan.status[row["status"]] = plan.status.get(row["status"], 0) + 1
    if plan.qualified:
        plan.status["pending"] -= len(plan.qualified)
        final = "rewarded" if plan.pays else "qualified"
        plan.status[final] = len(plan.qualified)
    if rows:
        session.connection().execute(insert(SQLModel.metadata.tables["referral"]), rows)
    return plan


def finish_referrals(session: Session, plan: ReferralPlan) -> None:
    """After the sales and the loyalty step: each qualifying sale qualified (and rewarded) its
    referral, and the rewards move the cached balances."""
    session.flush()
    connection = session.connection()
    table = SQLModel.metadata.tables["referral"]
    if plan.qualified:
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(
                status=bindparam("status"),
                qualifying_sale_id=bindparam("sale"),
                qualified_at=bindparam("at"),
                rewarded_at=bindparam("paid"),
            ),
            [
                {
                    "rid": rid,
                    "status": "rewarded" if plan.pays else "qualified",
                    "sale": sale_id,
                    "at": utc(ts),
                    "paid": utc(ts) if plan.pays else None,
                }
                for rid, sale_id, ts in plan.qualified
            ],
        )
    if plan.points:
        contacts = Contact.__table__  # type: ignore[attr-defined]
        connection.execute(
            update(contacts)
            .where(contacts.c.id == bindparam("cid"))
            .values(points_balance=contacts.c.points_balance + bindparam("points")),
            [{"cid": cid, "points": points} for cid, points in sorted(plan.points.items())],
        )
    session.expire_all()  # ORM copies of those contacts now hold old balances
