"""The demo café's follow-up history: the app opened every morning of the last two weeks, the
automatic rules ran as it runs them, and the owner worked each day's queue after closing.

Without it the first start ran the rules on a year of sales at once (a 14-day look-back) and
opened on ~150 tasks, most of them overdue: a wall no café owner has. Here the real services
do the work, in generate_demo's one transaction, each with the moment it happened:

- followups.rules.run_rules each morning, looking back one day, as FollowupDesk.run_rules
  does for a shop opened daily; the last run is `now`, and the last-run date is stored, so
  the app's own start-up run finds nothing new (every task's occasion is unique per contact);
- followups.tasks.complete_task (most) or skip_task (a few) that evening for every task due
  by then, with a short outcome: the task's timeline line and the last-contacted date follow,
  exactly as the Follow-ups screen writes them. A feedback check-in done this way leaves no
  score, like pressing "done" without one;
- the last STILL_OPEN_DAYS days' tasks stay open: that is the Today queue the owner meets.

It draws from its own generator (seeded from the demo's seed), so no earlier draw changes.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from crmtui.db.models import FollowupTask
from crmtui.services.followups.config import get_rule_settings, set_last_run
from crmtui.services.followups.rules import CATCH_UP_DAYS, run_rules
from crmtui.services.followups.tasks import complete_task, skip_task

DAYS = CATCH_UP_DAYS  # mornings simulated: as far back as a first run would have looked
STILL_OPEN_DAYS = 2  # tasks that came up in the last two days (and today) are still to do
SKIP_SHARE = 0.08
OPENS = time(7, 30)  # the app is started as the café opens
CLOSES = time(17, 0)  # and the queue is worked after closing, within WORK_MINUTES
WORK_MINUTES = 150

# Short outcomes as an owner types them; "" is a task simply marked done.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "thank_you": ("Sent the thank-you message", "Thanked them at the counter", "Texted", ""),
    "feedback": (
        "Happy with everything",
        "Loved the cake",
        "Wants more oat milk options",
        "Said lunch queue is long",
        "Left a voicemail",
        "",
    ),
    "birthday": ("Sent birthday wishes", "Wished them in person", ""),
    "winback": (
        "Left a message",
        "Moved offices, will pop in on Fridays",
        "Sent the we-miss-you message",
        "Said they'll be back after the holidays",
    ),
    "stay_in_touch": ("Caught up by phone", "Had a chat at the counter", ""),
    "referral_thanks": ("Thanked them for the referral", "Sent thanks and their code", ""),
    "points_expiring": ("Reminded them of their points", ""),
}
SKIP_REASONS = ("No answer twice", "Number no longer works", "Asked not to be called", "")


def _local(day: date, at: time) -> datetime:
    """That local wall-clock time on `day`, as the aware UTC moment the tables store."""
    return datetime.combine(day, at).astimezone().astimezone(UTC)


def work_the_queue(session: Session, *, seed: int, now: datetime) -> tuple[int, int]:
    """Run the rules for each of the last DAYS mornings and work the queue each evening but
    the last few. Returns (tasks done, tasks skipped)."""
    rng = random.Random(seed * 7927 + 11)
    session.flush()
    session.expire_all()  # the bulk writes before this changed rows the session may hold
    settings = get_rule_settings(session=session)
    today = now.astimezone().date()
    done = skipped = 0
    for ago in range(DAYS, -1, -1):
        day = today - timedelta(days=ago)
        morning = now if ago == 0 else _local(day, OPENS)
        # Back one day, as FollowupDesk.run_rules looks after yesterday's run; the first
        # morning looks back none: what fell due before it is history the demo leaves out.
        run_rules(session=session, now=morning, settings=settings, back=int(ago < DAYS))
        if ago <= STILL_OPEN_DAYS:
            continue
        due = session.exec(
            select(FollowupTask.id, FollowupTask.rule)
            .where(
                FollowupTask.status == "open",
                col(FollowupTask.rule).is_not(None),
                col(FollowupTask.due_on) <= day,
            )
            .order_by(col(FollowupTask.due_on), col(FollowupTask.priority), col(FollowupTask.id))
        ).all()
        evening = _local(day, CLOSES)
        gap = max(1, 2 * WORK_MINUTES * 60 // max(len(due), 1))  # all done in about that time
        for task_id, rule in due:
            assert task_id is not None and rule is not None
            evening += timedelta(seconds=rng.randint(1, gap))
            if rng.random() < SKIP_SHARE:
                skip_task(
                    session=session, task_id=task_id, now=evening, reason=rng.choice(SKIP_REASONS)
                )
                skipped += 1
            else:
                outcome = rng.choice(OUTCOMES.get(rule, ("",)))
                complete_task(session=session, task_id=task_id, outcome=outcome, now=evening)
                done += 1
    set_last_run(session=session, day=today)
    return done, skipped
