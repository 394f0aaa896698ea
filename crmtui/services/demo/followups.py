"""The demo café's follow-up history: feedback scores (the NPS data) with their timeline lines,
and a few tasks by hand, so Follow-ups, the timeline and Insights have something to show.

It draws from its own generator (seeded from the demo's seed), so adding it changed none of
the draws of the customers and sales before it. The automatic rules add the rest (thank-yous,
check-ins, birthdays, win-backs) when the app first opens the shop.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from crmtui.db.models import Contact, Feedback, FollowupTask, Interaction

FEEDBACK_SHARE = 0.2  # of the customers who bought something
# Scores a café hears: mostly promoters, some passives, a few detractors.
SCORES = (10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 7, 7, 6, 5, 3)
COMMENTS = (
    "",
    "",
    "",
    "Great coffee",
    "Friendly staff",
    "A bit slow at lunch",
    "Love the pastries",
    "Too noisy",
    "Best flat white in town",
)
TASKS = (
    ("Call about the birthday cake order", "call", -2, ""),
    ("Send the new autumn menu", "message", -1, ""),
    ("Ask about catering for the office", "call", 0, "They asked last week"),
    ("Invite to the tasting evening", "message", 0, ""),
    ("Check the loyalty card was received", "email", 3, ""),
    ("Visit to set up the coffee subscription", "visit", 6, ""),
)


def write_followups(session: Session, *, seed: int, now: datetime) -> int:
    """Feedback for about one buyer in five, and six open tasks. Returns the feedback count."""
    rng = random.Random(seed * 7919 + 5)
    buyers = list(
        session.exec(
            select(Contact.id, Contact.last_sale_at)
            .where(col(Contact.last_sale_at).is_not(None), col(Contact.archived_at).is_(None))
            .order_by(col(Contact.id))
        ).all()
    )
    chosen = sorted(rng.sample(buyers, int(len(buyers) * FEEDBACK_SHARE)))
    feedback, lines, touched = [], [], []
    for contact_id, last_sale in chosen:
        assert contact_id is not None and last_sale is not None
        # Asked up to three weeks after their latest visit, and always before `now`.
        at = last_sale + timedelta(minutes=rng.randint(30, 30 * 24 * 60))
        if at >= now:
            at = last_sale + (now - last_sale) * rng.random()
        score, comment = rng.choice(SCORES), rng.choice(COMMENTS)
        feedback.append(
            {"contact_id": contact_id, "score": score, "comment": comment, "created_at": at}
        )
        summary = f"Feedback {score}/10" + (f": {comment}" if comment else "")
        lines.append(
            {"contact_id": contact_id, "kind": "feedback", "summary": summary, "occurred_at": at}
        )
        touched.append((contact_id, at))
    if feedback:
        session.connection().execute(insert(Feedback.__table__), feedback)  # type: ignore[attr-defined]
        session.connection().execute(insert(Interaction.__table__), lines)  # type: ignore[attr-defined]
    if touched:  # the cached last-contacted date, as logging the feedback would set it
        table = Contact.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(last_contacted_at=bindparam("at")),
            [{"cid": cid, "at": at} for cid, at in touched],
        )
    for number, (title, kind, days, note) in enumerate(TASKS):
        if number >= len(buyers):
            break
        contact_id = buyers[rng.randrange(len(buyers))][0]
        session.add(
            FollowupTask(
                contact_id=contact_id,
                title=title,
                kind=kind,
                note=note,
                due_on=(now + timedelta(days=days)).astimezone().date(),
                priority=1 if days < 0 else 2,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return len(feedback)
