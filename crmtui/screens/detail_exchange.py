"""The data keys of the customer details screen: export this person, erase this person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App

    from crmtui.services.dto import ContactCard
    from crmtui.services.shop import Shop

EXCHANGE_BINDINGS = [
    Binding("x", "export_person", "Export person", id="detail.export_person", show=False),
    Binding("E", "erase", "Erase person", id="detail.erase", show=False),
]


class DetailExchangeKeys:
    """Mixed into ContactDetailScreen, which provides everything declared here."""

    contact_id: int

    if TYPE_CHECKING:
        app: App[None]
        shop: Shop

        @property
        def card(self) -> ContactCard | None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def load(self) -> None: ...

    def action_export_person(self) -> None:
        from crmtui.screens.export_dialog import ExportDialog

        today = self.shop.clock().astimezone().date().isoformat()
        self.app.push_screen(ExportDialog(person=self.contact_id, today=today))

    def action_erase(self) -> None:
        from crmtui.screens.erase_dialog import EraseDialog

        card = self.card
        if card is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.erase_person()

        self.app.push_screen(EraseDialog(card.full_name), answered)

    @work(thread=True, group="change", exit_on_error=False, description="Erasing")
    def erase_person(self) -> None:
        erased = self.shop.exchange.erase(self.contact_id)
        self.app.call_from_thread(self._erased, len(erased))

    def _erased(self, count: int) -> None:
        self.notify("Erased." if count == 1 else f"Erased, with {count - 1} merged duplicate(s).")
        self.load()
