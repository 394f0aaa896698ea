"""What every crmtui screen shares: access to the shop once it is open, and worker errors."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual import events, work
from textual.screen import ModalScreen, Screen
from textual.types import NoActiveAppError
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from crmtui.app import CrmApp
    from crmtui.screens.contact_form import ContactFormResult
    from crmtui.services.shop import Shop
    from crmtui.services.validation import ContactInput

FormClosed = Callable[["ContactFormResult | None"], None]


def report_failed_worker(screen: Screen[object], worker: Worker[object]) -> None:
    """Tell the owner when background work failed, in words, instead of failing silently."""
    if worker.state == WorkerState.ERROR and worker.error is not None:
        what = worker.description or worker.name or "That action"
        screen.notify(
            f"{what} failed: {worker.error}", title="Something went wrong", severity="error"
        )


def shop_of(screen: Screen[object]) -> Shop:
    """The open shop; screens that need it are only reachable once it is open."""
    shop = cast("CrmApp", screen.app).shop
    if shop is None:
        raise RuntimeError("the shop is not open yet")
    return shop


ResultType = TypeVar("ResultType")


class ShopModal(ModalScreen[ResultType]):
    """A dialog that works on the shop, and says so when its background work fails."""

    @property
    def shop(self) -> Shop:
        return shop_of(self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event.worker)


class ShopScreen(Screen[None]):
    """A screen that needs the shop. `shop_ready` runs once the database is open."""

    @property
    def crm(self) -> CrmApp:
        return cast("CrmApp", self.app)

    @property
    def shop(self) -> Shop:
        return shop_of(self)

    # Textual runs every on_mount in the class hierarchy, so subclasses need not call this.
    # A screen that lays itself out after the first frame sets this and calls connect_shop.
    DEFER_SHOP_READY: ClassVar[bool] = False

    def on_mount(self) -> None:
        if not self.DEFER_SHOP_READY:
            self.connect_shop()

    def connect_shop(self) -> None:
        """Run `shop_ready` now if the shop is open, else once it opens. Only once."""
        if getattr(self, "_shop_connected", False):
            return
        self._shop_connected = True
        if self.crm.shop is not None:
            self.shop_ready()
        else:
            self.crm.shop_opened.subscribe(self, lambda _shop: self.shop_ready())

    def shop_ready(self) -> None:
        """Load this screen's data. Called once the database is open."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event.worker)

    # -- the customer form, shared by every screen that adds or edits people ---------------
    def open_new_customer_form(self, typed: str, on_close: FormClosed) -> None:
        """A new-customer form prefilled from search text: digits → phone, letters → name."""
        from crmtui.screens.contact_form import ContactFormScreen
        from crmtui.services.validation import split_search_text

        self.app.push_screen(ContactFormScreen(split_search_text(typed)), on_close)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False, description="Edit")
    def open_edit_form(self, contact_id: int, on_close: FormClosed) -> None:
        """Load what is stored (off the event loop), then show it in the form."""
        initial = self.shop.form_of(contact_id)
        self.app.call_from_thread(self._push_edit_form, contact_id, initial, on_close)

    def _push_edit_form(self, contact_id: int, initial: ContactInput, on_close: FormClosed) -> None:
        from crmtui.screens.contact_form import ContactFormScreen

        self.app.push_screen(ContactFormScreen(initial, contact_id=contact_id), on_close)


class ModeScreen(ShopScreen):
    """The screen behind an F-key (an app mode), built the first time its key is pressed.

    Textual treats such a screen as never styled: opening it re-parsed every stylesheet and
    restyled every node of the app twice, then restyled the new screen once for each of the two
    resume events the opening sends, although the screen had been styled as it was built a
    moment before. On the first F7 that was ~50 ms. Once the screen has been left, resuming it
    restyles it as usual.
    """

    def __init__(self) -> None:
        super().__init__()
        self._left_once = False
        with suppress(NoActiveAppError):  # built outside a running app: nothing to skip
            self._css_update_count = self.app._css_update_count

    def on_screen_suspend(self) -> None:
        self._left_once = True

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler, which reads the flag.
        if not self._left_once:
            event.refresh_styles = False
