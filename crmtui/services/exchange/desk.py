"""The exchange services as screens and the command line use them: one session per action."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crmtui.services.exchange.csv_export import ExportReport, export_contacts_csv
from crmtui.services.exchange.csv_import import ImportPlan, plan_import, records_from_table
from crmtui.services.exchange.import_writer import ImportReport, Progress, apply_import
from crmtui.services.exchange.mapping import guess_mapping, mapping_problems
from crmtui.services.exchange.reading import ImportFileError, RawTable, read_csv

if TYPE_CHECKING:
    from datetime import date

    from crmtui.services.exchange.duplicates import DuplicatePair
    from crmtui.services.shop import Shop


CHECKPOINT_TRIES = 20


def file_key(path: Path) -> str:
    """A short hash of the file's bytes: the same file imported twice is recognised."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


class ExchangeDesk:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def _today(self) -> date:
        return self.shop.clock().astimezone().date()

    # -- import ---------------------------------------------------------------------------
    def read_csv(self, path: Path) -> tuple[RawTable, tuple[str, ...]]:
        """The parsed file and the guessed mapping (ImportFileError if it cannot be read)."""
        table = read_csv(Path(path))
        return table, guess_mapping(table.headers)

    def plan_csv(
        self, table: RawTable, mapping: Sequence[str], *, progress: Progress | None = None
    ) -> ImportPlan:
        """Check every row and find who is already in the shop; writes nothing."""
        problems = mapping_problems(mapping)
        if problems:
            raise ImportFileError("; ".join(problems))
        with self.shop.db.read() as session:
            return plan_import(
                session=session,
                records=records_from_table(table, mapping),
                region=self.shop.settings.phone_region,
                today=self._today(),
                progress=progress,
            )

    def plan_vcard(self, path: Path, *, progress: Progress | None = None) -> ImportPlan:
        from crmtui.services.exchange.vcard import read_vcards

        records = read_vcards(Path(path))
        with self.shop.db.read() as session:
            return plan_import(
                session=session,
                records=records,
                region=self.shop.settings.phone_region,
                today=self._today(),
                progress=progress,
            )

    def run_import(
        self,
        plan: ImportPlan,
        *,
        update_lines: Collection[int] = (),
        batch_key: str,
        progress: Progress | None = None,
    ) -> ImportReport:
        """All of the plan in one transaction, or nothing."""
        with self.shop.db.write() as session:
            return apply_import(
                session=session,
                plan=plan,
                update_lines=update_lines,
                now=self.shop.clock(),
                batch_key=batch_key,
                progress=progress,
            )

    # -- export ---------------------------------------------------------------------------
    def export_csv(
        self, path: Path, *, contact_ids: Sequence[int] | None = None, marketing_only: bool = False
    ) -> ExportReport:
        with self.shop.db.read() as session:
            return export_contacts_csv(
                session=session, path=Path(path), contact_ids=contact_ids,
                marketing_only=marketing_only,
            )  # fmt: skip

    def ids_tagged(self, tag: str) -> list[int]:
        """The contacts carrying `tag` (the list's filter), for exporting that segment."""
        from crmtui.services.exchange.csv_export import contact_ids_tagged

        with self.shop.db.read() as session:
            return contact_ids_tagged(session=session, tag=tag)

    def export_vcard(
        self, path: Path, *, contact_ids: Sequence[int] | None = None, version: str = "3.0"
    ) -> ExportReport:
        from crmtui.services.exchange.vcard import export_vcards

        with self.shop.db.read() as session:
            return export_vcards(
                session=session, path=Path(path), contact_ids=contact_ids, version=version
            )

    def export_json(self, path: Path) -> int:
        """The whole shop to JSON (mode 0600); returns the number of rows written."""
        from crmtui.services.exchange.shop_json import export_shop_json

        with self.shop.db.read() as session:  # one read transaction: one consistent moment
            return export_shop_json(session=session, path=Path(path))

    def restore_json(self, path: Path) -> int:
        """Load a whole-shop export into this (empty) shop, all or nothing."""
        from crmtui.services.exchange.shop_json import load_document, restore_shop_json

        document = load_document(Path(path))
        with self.shop.db.write() as session:
            restored = restore_shop_json(session=session, document=document)
        self.shop._settings = None  # the restored shop's settings replace the defaults
        return restored

    def export_person(self, contact_id: int, path: Path) -> int:
        from crmtui.services.exchange.person import export_person

        with self.shop.db.read() as session:
            return export_person(session=session, contact_id=contact_id, path=Path(path))

    # -- duplicates and merges --------------------------------------------------------------
    def find_duplicates(self, limit: int = 200) -> list[DuplicatePair]:
        from crmtui.services.exchange.duplicates import find_duplicates

        with self.shop.db.read() as session:
            return find_duplicates(session=session, limit=limit)

    def not_duplicates(self, left_id: int, right_id: int) -> None:
        from crmtui.services.exchange.duplicates import dismiss_pair

        with self.shop.db.write() as session:
            dismiss_pair(session=session, left_id=left_id, right_id=right_id)

    def merge(self, survivor_id: int, merged_id: int, *, take_from_merged: Collection[str]) -> int:
        from crmtui.services.exchange.merge import merge_contacts

        with self.shop.db.write() as session:
            return merge_contacts(
                session=session,
                survivor_id=survivor_id,
                merged_id=merged_id,
                take_from_merged=take_from_merged,
                now=self.shop.clock(),
            )

    def undo_merge(self, merge_id: int) -> None:
        from crmtui.services.exchange.merge import undo_merge

        with self.shop.db.write() as session:
            undo_merge(session=session, merge_id=merge_id, now=self.shop.clock())

    # -- erasure ----------------------------------------------------------------------------
    def erase(self, contact_id: int) -> list[int]:
        """Forget the person; afterwards no old value is readable in the file or its WAL."""
        from crmtui.services.exchange.erase import erase_contact, merge_search_index

        with self.shop.db.write() as session:
            erased = erase_contact(session=session, contact_id=contact_id, now=self.shop.clock())
            merge_search_index(session)
        # A reader still open elsewhere can hold the WAL back for a moment: try again briefly.
        for _ in range(CHECKPOINT_TRIES):
            busy = self.shop.db.raw_execute("PRAGMA wal_checkpoint(TRUNCATE)")[0][0]
            if not busy:
                break
            time.sleep(0.1)
        return erased

    # -- backups ----------------------------------------------------------------------------
    def auto_backup(self) -> Path | None:
        """A verified backup if anything changed since the last automatic one; rotated."""
        from crmtui.db.backup import auto_backup
        from crmtui.paths import backup_dir_for

        path = self.shop.db.path
        return auto_backup(path, backup_dir_for(path), now=self.shop.clock())

    def backup_due(self) -> bool:
        from crmtui.db.backup import backup_due
        from crmtui.paths import backup_dir_for

        path = self.shop.db.path
        return backup_due(path, backup_dir_for(path), now=self.shop.clock())
