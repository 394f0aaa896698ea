"""CrmApp: wiring only. Screens, keys, the command palette, and the shop it is given."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.signal import Signal

from crmtui.clock import Clock, system_clock
from crmtui.commands import ActionsProvider, CustomerProvider
from crmtui.screens.counter import CounterScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from crmtui.services.shop import Shop


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "switch_mode('counter')", "Counter", id="app.counter"),
        Binding("f3", "switch_mode('contacts')", "Contacts", id="app.contacts"),
        Binding("f4", "switch_mode('followups')", "Follow-ups", id="app.followups"),
        Binding("f5", "switch_mode('loyalty')", "Loyalty", id="app.loyalty"),
        Binding("f6", "switch_mode('referrals')", "Referrals", id="app.referrals"),
        Binding("f7", "switch_mode('insights')", "Insights", id="app.insights"),
        Binding("f8", "switch_mode('settings')", "Settings", id="app.settings"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]
    COMMANDS = App.COMMANDS | {ActionsProvider, CustomerProvider}

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

    def show_customer_at_counter(self, contact_id: int) -> None:
        self.switch_mode("counter")
        screen = self.screen
        if isinstance(screen, CounterScreen):
            screen.choose(contact_id)
