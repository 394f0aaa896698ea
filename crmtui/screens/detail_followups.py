"""The follow-up keys of the customer details screen: new task, log a call or note, record
feedback, and the Timeline tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from crmtui.widgets.timeline import TimelineTable

if TYPE_CHECKING:
    from textual.app import App

    from crmtui.app import CrmApp
    from crmtui.screens.task_dialogs import FeedbackAnswer, LogAnswer
    from crmtui.services.dto import ContactCard
    from crmtui.services.followups.queue import TimelineLine
    from crmtui.services.shop import Shop

TIMELINE_LIMIT = 200
FOLLOWUP_BINDINGS = [
    Binding("3", "show_tab('detail-timeline')", "Timeline", id="detail.timeline", show=False),
    Binding("t", "new_task", "Follow-up", id="detail.new_task"),
    Binding("l", "log", "Log", id="detail.log"),
    Binding("f", "feedback", "Feedback", id="detail.feedback"),
]
FOLLOWUP_ACTIONS = ("new_task", "log", "feedback")


def timeline_tab() -> TimelineTable:
    return TimelineTable(id="detail-timeline-table")


class DetailFollowupKeys:
    """Mixed into ContactDetailScreen, which provides everything declared here."""

    contact_id: int

    if TYPE_CHECKING:
        app: App[None]
        crm: CrmApp
        shop: Shop

        @property
        def card(self) -> ContactCard | None: ...
        def load(self) -> None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def query_one(self, selector: str, expect_type: type[TimelineTable]) -> TimelineTable: ...

    @work(
        thread=True, exclusive=True, group="timeline", exit_on_error=False, description="Timeline"
    )
    def load_timeline(self) -> None:
        lines = self.shop.followups.timeline(self.contact_id, limit=TIMELINE_LIMIT)
        self.app.call_from_thread(self._show_timeline, lines)

    def _show_timeline(self, lines: list[TimelineLine]) -> None:
        self.query_one("#detail-timeline-table", TimelineTable).show(lines, self.shop.format_money)

    def action_new_task(self) -> None:
        if self.card is not None:
            self.crm.open_task_form(self.card.id, self.card.full_name)

    def action_log(self) -> None:
        from crmtui.screens.task_dialogs import LogScreen

        card = self.card
        if card is None:
            return

        def answered(answer: LogAnswer | None) -> None:
            if answer is not None:
                self.save_log(answer)

        self.app.push_screen(LogScreen(card.full_name), answered)

    @work(thread=True, group="change", exit_on_error=False, description="Logging")
    def save_log(self, answer: LogAnswer) -> None:
        self.shop.followups.log(self.contact_id, answer.kind, answer.summary)
        self.app.call_from_thread(self._logged, f"{answer.kind.capitalize()} logged.")

    def action_feedback(self) -> None:
        from crmtui.screens.task_dialogs import FeedbackScreen

        card = self.card
        if card is None:
            return

        def answered(answer: FeedbackAnswer | None) -> None:
            if answer is not None:
                self.save_feedback(answer)

        self.app.push_screen(FeedbackScreen(card.full_name), answered)

    @work(thread=True, group="change", exit_on_error=False, description="Saving feedback")
    def save_feedback(self, answer: FeedbackAnswer) -> None:
        self.shop.followups.record_feedback(self.contact_id, answer.score, answer.comment)
        self.app.call_from_thread(self._logged, f"Feedback {answer.score}/10 recorded.")

    def _logged(self, message: str) -> None:
        self.notify(message)
        self.load()
