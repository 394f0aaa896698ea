"""The exchange services as screens use them: one method per user action, one session each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmtui.services.shop import Shop


class ExchangeDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
