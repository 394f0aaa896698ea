"""CrmApp: wiring only. Screens, keys, the command palette, and the shop it is given."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.signal import Signal

from crmtui.clock import Clock, system_clock
from crmtui.commands import ActionsProvider, CustomerProvider, FollowupProvider
from crmtui.screens.counter import CounterScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from crmtui.services.shop import Shop


RULES_DATE_CHECK_SECONDS = 60  # how soon after midnight the day's follow-up rules run
BACKUP_CHECK_SECONDS = 3600  # while running, a daily automatic backup is looked for hourly
# The kept Insights rows take in the sales every ten minutes: a few dozen milliseconds of
# write lock each time, so opening Insights never has a whole day of sales to catch up on.
INSIGHTS_KEEP_UP_SECONDS = 600
BACKUP_WAITS_FOR_RULES_SECONDS = 60


def _contacts_screen() -> Screen[None]:
    from crmtui.screens.contacts import ContactsScreen  # imported on first use: start-up stays lean

    return ContactsScreen()


def _settings_screen() -> Screen[None]:
    from crmtui.screens.settings import SettingsScreen

    return SettingsScreen()


def _followups_screen() -> Screen[None]:
    from crmtui.screens.followups import FollowupsScreen

    return FollowupsScreen()


def _loyalty_screen() -> Screen[None]:
    from crmtui.screens.loyalty import LoyaltyScreen

    return LoyaltyScreen()


def _referrals_screen() -> Screen[None]:
    from crmtui.screens.referrals import ReferralsScreen

    return ReferralsScreen()


def _insights_screen() -> Screen[None]:
    from crmtui.screens.insights import InsightsScreen

    return InsightsScreen()


def stylesheet_path() -> Path:
    """Inside the wheel the stylesheet sits in the package; in a checkout, at the top level."""
    packaged = Path(__file__).with_name("screens.tcss")
    return packaged if packaged.exists() else Path(__file__).parent.parent / "screens.tcss"


class CrmApp(App[None]):
    TITLE = "crmtui"
    CSS_PATH = stylesheet_path()
    MODES: ClassVar[dict[str, str | type]] = {  # type: ignore[assignment]
        "counter": CounterScreen,
        "contacts": _contacts_screen,
        "followups": _followups_screen,
        "loyalty": _loyalty_screen,
        "referrals": _referrals_screen,
        "insights": _insights_screen,
        "settings": _settings_screen,
    }
    DEFAULT_MODE = "counter"
    # Not in the footer: the NavBar under every header shows these, the footer the screen's own.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "switch_mode('counter')", "Counter", id="app.counter", show=False),
        Binding("f3", "switch_mode('contacts')", "Contacts", id="app.contacts", show=False),
        Binding("f4", "switch_mode('followups')", "Follow-ups", id="app.followups", show=False),
        Binding("f5", "switch_mode('loyalty')", "Loyalty", id="app.loyalty", show=False),
        Binding("f6", "switch_mode('referrals')", "Referrals", id="app.referrals", show=False),
        Binding("f7", "switch_mode('insights')", "Insights", id="app.insights", show=False),
        Binding("f8", "switch_mode('settings')", "Settings", id="app.settings", show=False),
        Binding("f1", "help", "Help", id="app.help", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
    ]
    COMMANDS = App.COMMANDS | {ActionsProvider, CustomerProvider, FollowupProvider}

    def __init__(
        self,
        *,
        shop: Shop | None = None,
        db_path: Path | None = None,
        clock: Clock = system_clock,
    ) -> None:
        """Give it an open `shop` (tests), or a migrated `db_path` to open after first paint."""
        super().__init__()
        if shop is None and db_path is None:
            raise ValueError("CrmApp needs a shop or a db_path")
        self.shop: Shop | None = shop
        self.db_path = db_path if db_path is not None else shop.db.path  # type: ignore[union-attr]
        self.clock = clock
        self.shop_opened: Signal[Shop] = Signal(self, "shop-opened")

    def on_mount(self) -> None:
        self.sub_title = self.db_path.name
        if self.shop is None:
            # After the first paint: importing SQLAlchemy holds the GIL for ~0.3 s.
            self.call_after_refresh(self.open_shop)
        else:
            self.call_after_refresh(self.start_followup_rules)

    @work(thread=True, exit_on_error=False, description="Opening the shop")
    def open_shop(self) -> None:
        # Imported here, off the event loop: SQLAlchemy and friends are most of start-up time.
        from crmtui.services.shop import Shop

        shop = Shop.open(self.db_path, self.clock)
        shop.settings  # noqa: B018  (warm the cache before the first search)
        self.call_from_thread(self._shop_opened, shop)
        problem = shop.quick_check()
        if problem:
            self.call_from_thread(
                self.notify,
                f"The database reported a problem: {problem}. Run `crmtui doctor`.",
                title="Integrity check",
                severity="error",
                timeout=30,
            )

    def _shop_opened(self, shop: Shop) -> None:
        self.shop = shop
        self.shop_opened.publish(shop)
        self.start_followup_rules()
        # Only a shop the app opened itself is backed up (tests inject theirs).
        self.run_auto_backup()
        self.set_interval(BACKUP_CHECK_SECONDS, self._backup_if_due)
        self.set_interval(INSIGHTS_KEEP_UP_SECONDS, self.keep_insights_up)

    @work(thread=True, exclusive=True, exit_on_error=False, group="insights-rows")
    def keep_insights_up(self) -> None:
        if self.shop is None:
            return
        try:
            self.shop.insights.keep_up()
        except Exception as exc:  # said, never fatal: the screen computes what it needs itself
            self.call_from_thread(
                self.notify, f"Insights figures failed: {exc}", title="Insights", severity="error"
            )

    def on_unmount(self) -> None:
        if self.shop is not None:
            self.shop.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications often quote customers' names, so they are never read as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help(self) -> None:
        from crmtui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_contact(self, contact_id: int) -> None:
        """Show one customer's details (from the counter, the palette or a list)."""
        from crmtui.screens.contact_detail import ContactDetailScreen

        self.push_screen(ContactDetailScreen(contact_id))

    # -- follow-ups: the rules run in a worker at start and whenever the local date changes ---
    def start_followup_rules(self) -> None:
        self.followup_rules_date: date | None = None
        self.run_followup_rules()
        self.set_interval(RULES_DATE_CHECK_SECONDS, self._check_date_for_rules)

    def _check_date_for_rules(self) -> None:
        if self.shop is not None and self.shop.clock().astimezone().date() != getattr(
            self, "followup_rules_date", None
        ):
            self.run_followup_rules()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="followup-rules",
        description="Follow-up rules",
    )
    def run_followup_rules(self, announce: bool = False) -> None:
        shop = self.shop
        if shop is None:
            return
        day = shop.clock().astimezone().date()
        # Loyalty first (expiry, birthday bonuses): the expiring-points rule reads its result.
        # A failure there is reported, and the follow-up rules still run.
        try:
            expired, birthdays = shop.loyalty.run_daily()
        except Exception as exc:
            self.call_from_thread(
                self.notify,
                f"The daily loyalty run failed: {exc}. Run `crmtui doctor`.",
                title="Loyalty",
                severity="error",
            )
        else:
            if expired.points or birthdays:
                self.call_from_thread(
                    self.notify,
                    f"Loyalty: {birthdays} birthday bonus(es); {expired.points:,} points "
                    f"expired for {expired.contacts} customer(s).",
                    title="Loyalty",
                )
        try:
            result = shop.followups.run_rules()
        except Exception as exc:  # say so: a silent failure would mean a silently empty queue
            self.call_from_thread(
                self.notify, f"Follow-up rules failed: {exc}", title="Follow-ups", severity="error"
            )
            raise
        self.call_from_thread(self._followup_rules_ran, day, result.total, announce)
        # Last, as it takes seconds on a big shop: the year's Insights figures, stored so
        # F7 opens with them. A failure is reported and stops nothing else.
        try:
            year = shop.insights.last_days(365)
            cached = shop.insights.cached_overview(year)
            if cached is None or cached[1].astimezone().date() != day:  # once a day is enough
                shop.insights.overview(year)
        except Exception as exc:
            self.call_from_thread(
                self.notify, f"Insights figures failed: {exc}", title="Insights", severity="error"
            )

    def _followup_rules_ran(self, day: date, created: int, announce: bool) -> None:
        self.followup_rules_date = day
        # Silent when automatic: a toast at the counter would distract while a customer
        # waits; the Follow-ups header shows what is due.
        if announce:
            self.notify(f"Follow-up rules: {created} new task(s).", title="Follow-ups")
        reload = getattr(self.screen, "rules_ran", None)
        if callable(reload):
            reload()

    # -- automatic backups: at start if anything changed, then daily while running -------------
    def _backup_if_due(self) -> None:
        if self.shop is not None and self.shop.exchange.backup_due():
            self.run_auto_backup()

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup", description="Backup")
    def run_auto_backup(self) -> None:
        if self.shop is None:
            return
        # After the day's rules have run, so their changes are in this backup and the next
        # start does not see "something changed" and back up again.
        for _ in range(BACKUP_WAITS_FOR_RULES_SECONDS * 10):
            if getattr(self, "followup_rules_date", None) is not None:
                break
            time.sleep(0.1)
        try:
            self.shop.exchange.auto_backup()
        except Exception as exc:  # a failed backup must be said, and never stop the app
            self.call_from_thread(
                self.notify, f"Automatic backup failed: {exc}", title="Backup", severity="error"
            )

    def open_task_form(self, contact_id: int, contact_name: str, **options: Any) -> None:
        """The follow-up form for one customer, from any screen (`task=` edits a task)."""
        from crmtui.screens.task_form import TaskFormScreen

        def closed(task_id: int | None) -> None:
            if task_id is not None:
                self.notify("Follow-up saved.", title="Follow-ups")

        self.push_screen(TaskFormScreen(contact_id, contact_name, **options), closed)

    def show_customer_at_counter(self, contact_id: int) -> None:
        self.switch_mode("counter")
        screen = self.screen
        if isinstance(screen, CounterScreen):
            screen.choose(contact_id)
