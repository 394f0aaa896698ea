"""The services as the screens use them: one method per user action, one session each.

Screens hold a Shop and never see a Session, SQL or an ORM row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from crmtui.clock import Clock, system_clock
from crmtui.db.engine import Database
from crmtui.services import contacts, ledger, sales, search, settings
from crmtui.services.dto import (
    ContactCard,
    ContactSummary,
    LedgerLine,
    Page,
    Problems,
    SaleRecord,
    SaleResult,
    ShopSettings,
)
from crmtui.services.money import parse_amount
from crmtui.services.validation import (
    CleanContact,
    ContactError,
    ContactInput,
    check_contact,
    identity_keys,
)

if TYPE_CHECKING:
    from crmtui.services.exchange.desk import ExchangeDesk
    from crmtui.services.followups.desk import FollowupDesk
    from crmtui.services.insights.desk import InsightsDesk
    from crmtui.services.loyalty.desk import LoyaltyDesk
    from crmtui.services.referrals.desk import ReferralDesk


@dataclass
class Shop:
    db: Database
    clock: Clock = system_clock
    _settings: ShopSettings | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, clock: Clock = system_clock) -> Shop:
        """Open an already migrated file (see crmtui.db.migrate)."""
        return cls(db=Database.open(path), clock=clock)

    def close(self) -> None:
        self.db.dispose()

    # -- the pillars: a desk each, built on first use so start-up imports none of them ------
    @cached_property
    def loyalty(self) -> LoyaltyDesk:
        from crmtui.services.loyalty.desk import LoyaltyDesk

        return LoyaltyDesk(self)

    @cached_property
    def followups(self) -> FollowupDesk:
        from crmtui.services.followups.desk import FollowupDesk

        return FollowupDesk(self)

    @cached_property
    def referrals(self) -> ReferralDesk:
        from crmtui.services.referrals.desk import ReferralDesk

        return ReferralDesk(self)

    @cached_property
    def exchange(self) -> ExchangeDesk:
        from crmtui.services.exchange.desk import ExchangeDesk

        return ExchangeDesk(self)

    @cached_property
    def insights(self) -> InsightsDesk:
        from crmtui.services.insights.desk import InsightsDesk

        return InsightsDesk(self)

    def quick_check(self) -> str | None:
        """SQLite's quick integrity check: None when sound, else what it found."""
        rows = self.db.raw_execute("PRAGMA quick_check")
        found = [str(row[0]) for row in rows]
        return None if found == ["ok"] else "; ".join(found[:5])

    # -- settings ---------------------------------------------------------------------------
    @property
    def settings(self) -> ShopSettings:
        if self._settings is None:
            with self.db.read() as session:
                self._settings = settings.get_settings(session=session)
        return self._settings

    def save_settings(self, values: dict[str, str]) -> ShopSettings:
        with self.db.write() as session:
            self._settings = settings.save_settings(session=session, values=values)
        return self._settings

    # -- finding people ---------------------------------------------------------------------
    def search(
        self, query: str, *, limit: int = 20, include_archived: bool = False
    ) -> list[ContactSummary]:
        with self.db.read() as session:
            return search.search_contacts(
                session=session,
                query=query,
                region=self.settings.phone_region,
                limit=limit,
                include_archived=include_archived,
            )

    def list_contacts(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        tag: str | None = None,
        include_archived: bool = False,
        query: str = "",
    ) -> Page:
        with self.db.read() as session:
            only_ids = None
            if query.strip():
                found = search.search_contacts(
                    session=session,
                    query=query,
                    region=self.settings.phone_region,
                    limit=500,
                    include_archived=include_archived,
                )
                only_ids = [c.id for c in found]
            return contacts.list_contacts(
                session=session,
                offset=offset,
                limit=limit,
                tag=tag,
                include_archived=include_archived,
                only_ids=only_ids,
            )

    def tags(self) -> list[tuple[str, int]]:
        with self.db.read() as session:
            return contacts.all_tags(session=session)

    def card(self, contact_id: int) -> ContactCard:
        with self.db.read() as session:
            return contacts.get_card(session=session, contact_id=contact_id)

    def sales_of(self, contact_id: int, limit: int = 50) -> list[SaleRecord]:
        with self.db.read() as session:
            return sales.recent_sales(session=session, contact_id=contact_id, limit=limit)

    def ledger_of(self, contact_id: int, limit: int = 200) -> list[LedgerLine]:
        with self.db.read() as session:
            return ledger.ledger_lines(session=session, contact_id=contact_id, limit=limit)

    # -- editing people ---------------------------------------------------------------------
    def check_contact(self, data: ContactInput) -> CleanContact | Problems:
        """Validate a form without touching the database (cheap enough for every keystroke)."""
        return check_contact(
            data, region=self.settings.phone_region, today=self.clock().astimezone().date()
        )

    def duplicates_as_typed(
        self, *, phone: str, email: str, exclude_id: int | None = None
    ) -> list[tuple[str, ContactSummary]]:
        """Who already has this phone or email, judged field by field, so a known phone is
        flagged while the rest of the form is still empty."""
        phone_key, email_key = identity_keys(
            phone=phone, email=email, region=self.settings.phone_region
        )
        if phone_key is None and email_key is None:
            return []
        with self.db.read() as session:
            return contacts.find_duplicates(
                session=session, phone_e164=phone_key, email=email_key, exclude_id=exclude_id
            )

    def _clean(self, data: ContactInput) -> CleanContact:
        result = self.check_contact(data)
        if isinstance(result, Problems):
            raise ContactError(result)
        return result

    def create_contact(self, data: ContactInput, *, source: str = "counter") -> int:
        clean = self._clean(data)
        now = self.clock()
        with self.db.write() as session:
            contact_id = contacts.create_contact(
                session=session, clean=clean, now=now, source=source
            )
            if data.referred_by.strip():  # in the same transaction: both land or neither
                from crmtui.services.referrals.records import ReferralError, record_typed

                try:
                    record_typed(
                        session=session,
                        referee_id=contact_id,
                        typed=data.referred_by,
                        region=self.settings.phone_region,
                        now=now,
                    )
                except ReferralError as exc:
                    raise ContactError(Problems({"referred_by": str(exc)})) from None
            self.loyalty.grant_signup_bonus(session, contact_id, now)
            return contact_id

    def update_contact(self, contact_id: int, data: ContactInput, *, source: str = "edit") -> None:
        clean = self._clean(data)
        with self.db.write() as session:
            contacts.update_contact(
                session=session,
                contact_id=contact_id,
                clean=clean,
                now=self.clock(),
                source=source,
            )

    def form_of(self, contact_id: int) -> ContactInput:
        """The edit form prefilled with what is stored."""
        card = self.card(contact_id)
        return ContactInput(
            full_name=card.full_name,
            phone=card.phone or "",
            email=card.email or "",
            birthday=card.birthday.as_text() if card.birthday else "",
            tags=", ".join(card.tags),
            notes=card.notes,
            greeting_name=card.greeting_name or "",
            marketing_consent=card.marketing_consent,
        )

    def set_archived(self, contact_id: int, archived: bool) -> None:
        with self.db.write() as session:
            contacts.set_archived(
                session=session, contact_id=contact_id, archived=archived, now=self.clock()
            )

    # -- selling ----------------------------------------------------------------------------
    def parse_amount(self, typed: str) -> int:
        from crmtui.services.money import currency_symbol

        current = self.settings
        return parse_amount(
            typed,
            exponent=current.exponent,
            symbol=currency_symbol(current.currency, current.locale),
        )

    def record_sale(
        self, contact_id: int, amount_minor: int, *, idempotency_key: str, note: str = ""
    ) -> SaleResult:
        with self.db.write() as session:
            return sales.record_sale(
                session=session,
                contact_id=contact_id,
                amount_minor=amount_minor,
                idempotency_key=idempotency_key,
                settings=self.settings,
                now=self.clock(),
                note=note,
                rules=self.loyalty.rules,  # cached: only this process writes them
            )

    def last_sale(self, contact_id: int) -> SaleRecord | None:
        """The sale that undo would void: the customer's latest one still standing."""
        with self.db.read() as session:
            return sales.last_active_sale(session=session, contact_id=contact_id)

    def undo_last_sale(self, contact_id: int) -> SaleResult:
        with self.db.write() as session:
            last = sales.last_active_sale(session=session, contact_id=contact_id)
            if last is None:
                raise sales.SaleError("There is no sale to undo")
            return sales.void_sale(
                session=session, sale_id=last.id, now=self.clock(), reason="undone at the counter"
            )

    def void_sale(self, sale_id: int, *, reason: str) -> SaleResult:
        with self.db.write() as session:
            return sales.void_sale(
                session=session, sale_id=sale_id, now=self.clock(), reason=reason
            )

    def format_money(self, minor: int, currency: str | None = None) -> str:
        """In the shop's currency, or in `currency` for a sale recorded before a change."""
        from crmtui.services.money import format_money

        current = self.settings
        return format_money(minor, currency or current.currency, locale=current.locale)

    # -- settings screen --------------------------------------------------------------------
    def check_settings(self, values: dict[str, str]) -> Problems:
        """Validate a settings form without touching the database (cheap per keystroke)."""
        return settings.validate_settings(values)

    def earning_example(self, values: dict[str, str] | None = None) -> str:
        """`12.50 PLN earns 12 points`: the points rule at work, for the settings screen.

        Uses the currency and rate typed in `values` when those two are valid, else the stored.
        """
        from crmtui.services.money import currency_exponent, format_plain

        currency, rate = self.settings.currency, self.settings.points_per_unit
        if values is not None:
            problems = settings.validate_settings(values).errors
            if "currency" not in problems and "points_per_unit" not in problems:
                currency = values["currency"].strip().upper()
                rate = values["points_per_unit"].strip().replace(",", ".")
        exponent = currency_exponent(currency)
        minor = 1250 * 10 ** (exponent - 2) if exponent >= 2 else 1250
        points = sales.points_for(minor, points_per_unit=rate, exponent=exponent)
        unit = "point" if points == 1 else "points"
        return f"{format_plain(minor, exponent)} {currency} earns {points:,} {unit}"

    def schema_revision(self) -> str | None:
        """The schema revision stamped in the open file, or None if it has none."""
        rows = self.db.raw_execute("SELECT version_num FROM alembic_version")
        return str(rows[0][0]) if rows else None
