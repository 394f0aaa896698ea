"""Reading the referral program: the list, the leaderboard, conversion, trees, one contact."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from crmtui.db.models import (
    REFERRAL_STATUSES,
    Contact,
    PointsEntry,
    Referral,
    Sale,
    SaleRefund,
)
from crmtui.services.referrals.dto import (
    QUALIFIED,
    ContactReferrals,
    Conversion,
    LeaderRow,
    Person,
    ReferralEvent,
    ReferralPage,
    ReferralRow,
    TreeNode,
)
from crmtui.services.referrals.records import has_purchases, person_of

YEAR = timedelta(days=365)
TREE_DEPTH = 6
TREE_CHILDREN = 50


def list_referrals(
    *, session: Session, status: str | None = None, offset: int = 0, limit: int = 100
) -> ReferralPage:
    """Newest first, filtered by status (None: all); windowed in SQL."""
    if status is not None and status not in REFERRAL_STATUSES:
        raise ValueError(f"unknown referral status {status!r}")
    referrer = aliased(Contact)
    referee = aliased(Contact)
    query = (
        select(Referral, referrer.full_name, referee.full_name)
        .outerjoin(referrer, col(referrer.id) == Referral.referrer_id)
        .join(referee, col(referee.id) == Referral.referee_id)
    )
    count = select(func.count()).select_from(Referral)
    if status is not None:
        query = query.where(Referral.status == status)
        count = count.where(Referral.status == status)
    rows = session.exec(
        query.order_by(col(Referral.created_at).desc(), col(Referral.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    counts = dict(
        session.exec(select(Referral.status, func.count()).group_by(col(Referral.status))).all()
    )
    return ReferralPage(
        rows=tuple(
            ReferralRow(
                id=ref.id or 0,
                referrer_id=ref.referrer_id,
                referrer_name=referrer_name or "(no longer on file)",
                referee_id=ref.referee_id,
                referee_name=referee_name,
                status=ref.status,
                rejection_reason=ref.rejection_reason,
                code_typed=ref.code_typed,
                created_at=ref.created_at,
                qualified_at=ref.qualified_at,
            )
            for ref, referrer_name, referee_name in rows
        ),
        total=int(session.exec(count).one()),
        offset=offset,
        limit=limit,
        counts={s: int(counts.get(s, 0)) for s in REFERRAL_STATUSES},
    )


def leaderboard(*, session: Session, now: datetime, limit: int = 20) -> list[LeaderRow]:
    """Referrers ranked by qualified referrals, then by what their referees spent (sales
    minus refunds, not voided) over the last 12 months."""
    since = now - YEAR
    # CASE rather than summing a boolean: the same statement runs on PostgreSQL.
    qualified = func.sum(case((col(Referral.status).in_(QUALIFIED), 1), else_=0))
    pending = func.sum(case((Referral.status == "pending", 1), else_=0))
    counts = (
        select(
            Referral.referrer_id,
            func.coalesce(qualified, 0).label("qualified"),
            func.coalesce(pending, 0).label("pending"),
        )
        .where(col(Referral.referrer_id).is_not(None), Referral.status != "rejected")
        .group_by(col(Referral.referrer_id))
        .subquery()
    )
    sold = (
        select(Referral.referrer_id, func.sum(Sale.amount_minor).label("sold"))
        .join(Sale, Sale.contact_id == Referral.referee_id)
        .where(
            col(Referral.status).in_(QUALIFIED),
            col(Sale.voided_at).is_(None),
            Sale.occurred_at >= since,
            Sale.occurred_at <= now,
        )
        .group_by(col(Referral.referrer_id))
        .subquery()
    )
    refunded = (
        select(Referral.referrer_id, func.sum(SaleRefund.amount_minor).label("refunded"))
        .join(Sale, Sale.contact_id == Referral.referee_id)
        .join(SaleRefund, SaleRefund.sale_id == Sale.id)
        .where(
            col(Referral.status).in_(QUALIFIED),
            col(Sale.voided_at).is_(None),
            SaleRefund.created_at >= since,
            SaleRefund.created_at <= now,
        )
        .group_by(col(Referral.referrer_id))
        .subquery()
    )
    revenue = func.coalesce(sold.c.sold, 0) - func.coalesce(refunded.c.refunded, 0)
    rows = session.exec(
        select(Contact, counts.c.qualified, counts.c.pending, revenue.label("revenue"))
        .join(counts, counts.c.referrer_id == Contact.id)
        .outerjoin(sold, sold.c.referrer_id == Contact.id)
        .outerjoin(refunded, refunded.c.referrer_id == Contact.id)
        .where(counts.c.qualified > 0)
        .order_by(counts.c.qualified.desc(), revenue.desc(), col(Contact.sort_name))
        .limit(limit)
    ).all()
    return [
        LeaderRow(
            referrer_id=contact.id or 0,
            name=contact.full_name,
            qualified=int(q),
            pending=int(p),
            referee_revenue_minor=int(rev),
        )
        for contact, q, p, rev in rows
    ]


def conversion(*, session: Session, since: datetime, until: datetime) -> Conversion:
    """Qualified ÷ recorded, over referrals recorded in [since, until)."""
    rows = dict(
        session.exec(
            select(Referral.status, func.count())
            .where(Referral.created_at >= since, Referral.created_at < until)
            .group_by(col(Referral.status))
        ).all()
    )
    rejected = int(rows.get("rejected", 0))
    recorded = sum(int(n) for s, n in rows.items() if s != "rejected")
    qualified = sum(int(rows.get(s, 0)) for s in QUALIFIED)
    return Conversion(recorded, qualified, rejected, since, until)


def _people(session: Session, ids: list[int]) -> dict[int, Person]:
    if not ids:
        return {}
    found = session.exec(select(Contact).where(col(Contact.id).in_(ids))).all()
    return {c.id: person_of(c) for c in found if c.id is not None}


def tree(
    *, session: Session, contact_id: int, depth: int = TREE_DEPTH, children: int = TREE_CHILDREN
) -> TreeNode:
    """Whom this contact brought, and whom those people brought, `depth` levels down."""
    root = session.get(Contact, contact_id)
    if root is None:
        raise LookupError(f"No customer with id {contact_id}")
    seen = {contact_id}

    def grow(person: Person, status: str, level: int) -> TreeNode:
        if level >= depth:
            below = session.exec(
                select(func.count())
                .select_from(Referral)
                .where(Referral.referrer_id == person.id, Referral.status != "rejected")
            ).one()
            return TreeNode(person, status, (), int(below))
        found = session.exec(
            select(Referral.referee_id, Referral.status)
            .where(Referral.referrer_id == person.id, Referral.status != "rejected")
            .order_by(col(Referral.created_at), col(Referral.id))
        ).all()
        kept = [(rid, st) for rid, st in found if rid not in seen][:children]
        seen.update(rid for rid, _ in kept)
        people = _people(session, [rid for rid, _ in kept])
        nodes = tuple(grow(people[rid], st, level + 1) for rid, st in kept if rid in people)
        return TreeNode(person, status, nodes, len(found) - len(kept))

    return grow(person_of(root), "", 0)


def of_contact(*, session: Session, contact_id: int, limit: int = 20) -> ContactReferrals:
    up = session.exec(
        select(Referral).where(Referral.referee_id == contact_id, Referral.status != "rejected")
    ).first()
    referred_by = None
    if up is not None and up.referrer_id is not None:
        referrer = session.get(Contact, up.referrer_id)
        referred_by = person_of(referrer) if referrer is not None else None
    down = session.exec(
        select(Referral.referee_id, Referral.status)
        .where(Referral.referrer_id == contact_id, Referral.status != "rejected")
        .order_by(col(Referral.created_at).desc(), col(Referral.id).desc())
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count())
        .select_from(Referral)
        .where(Referral.referrer_id == contact_id, Referral.status != "rejected")
    ).one()
    people = _people(session, [rid for rid, _ in down])
    rejected = session.exec(
        select(Referral.rejection_reason)
        .where(Referral.referee_id == contact_id, Referral.status == "rejected")
        .order_by(col(Referral.id).desc())
        .limit(5)
    ).all()
    contact = session.get(Contact, contact_id)
    erased = contact is not None and contact.erased_at is not None
    return ContactReferrals(
        referred_by=referred_by,
        referred_by_status=up.status if up is not None else None,
        referred=tuple((people[rid], st) for rid, st in down if rid in people),
        referred_total=int(total),
        rejected_attempts=tuple(r or "" for r in rejected),
        can_record_referrer=up is None and not erased and not has_purchases(session, contact_id),
        erased=erased,
    )


def timeline_events(*, session: Session, contact_id: int, limit: int = 50) -> list[ReferralEvent]:
    """Referral events of one contact, newest first: recorded (either side), rejected, and
    every reward paid or taken back (from the ledger, so reversals show too)."""
    names = aliased(Contact)
    rows = session.exec(
        select(Referral, names.full_name)
        .join(
            names,
            col(names.id)
            == case(
                (Referral.referee_id == contact_id, Referral.referrer_id),
                else_=Referral.referee_id,
            ),
        )
        .where(
            # Three plain conditions joined by OR: each has an index SQLite can use for it.
            (Referral.referrer_id == contact_id)
            | ((Referral.referee_id == contact_id) & (Referral.status != "rejected"))
            | ((Referral.referee_id == contact_id) & (Referral.status == "rejected"))
        )
        .order_by(col(Referral.id).desc())
        .limit(limit)
    ).all()
    events: list[ReferralEvent] = []
    for ref, other in rows:
        text = f"Referred by {other}" if ref.referee_id == contact_id else f"Referred {other}"
        if ref.status == "rejected":
            text += f": not accepted ({ref.rejection_reason})"
        events.append(ReferralEvent(ref.created_at, text))
    entries = session.exec(
        select(PointsEntry)
        .where(PointsEntry.contact_id == contact_id, col(PointsEntry.referral_id).is_not(None))
        .order_by(col(PointsEntry.id).desc())
        .limit(limit)
    ).all()
    events.extend(ReferralEvent(e.created_at, e.reason, e.delta) for e in entries)
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]
