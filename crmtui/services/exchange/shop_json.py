"""The whole shop as one JSON document, and back into an empty database, row for row.

Every table the models define is written in id order with its columns exactly as stored
(times as SQLite holds them), so a restore followed by a second export gives the same bytes.
The search index and other trigger-kept tables are not written: the triggers rebuild them
while restoring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel

import crmtui.db.models  # noqa: F401 - registers every table on SQLModel.metadata
from crmtui.db.schema import HEAD_REVISION
from crmtui.services.exchange.files import private_text_file

FORMAT = "crmtui-shop"
FORMAT_VERSION = 1


class RestoreError(ValueError):
    """The JSON cannot be restored here; the message says why."""


# Derived from other tables, so not written: points_daily (the ledger per day) is rebuilt row
# for row by its trigger as the restore inserts the ledger; the insights_* rows are built
# afresh the first time Insights is opened on the restored shop.
DERIVED_TABLES = frozenset(
    {"points_daily", "insights_customer", "insights_cache_state", "insights_dirty"}
)


def _tables() -> list[Any]:
    return [  # parents before children
        t for t in SQLModel.metadata.sorted_tables if t.name not in DERIVED_TABLES
    ]


def shop_document(session: Session) -> dict[str, Any]:
    connection = session.connection()
    tables: dict[str, Any] = {}
    for table in _tables():
        columns = [c.name for c in table.columns]
        order = ", ".join(c.name for c in table.primary_key.columns)
        result = connection.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {order}"
        )
        tables[table.name] = {"columns": columns, "rows": [list(r) for r in result.fetchall()]}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": HEAD_REVISION,
        "tables": tables,
    }


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def export_shop_json(*, session: Session, path: Path) -> int:
    """Write the whole shop to `path` (mode 0600); returns how many rows were written."""
    document = shop_document(session)
    with private_text_file(Path(path)) as handle:
        handle.write(dump(document))
    return sum(len(t["rows"]) for t in document["tables"].values())


def load_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RestoreError(f"{path} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RestoreError(f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError(f"{path} is not a crmtui shop export")
    if document.get("format_version") != FORMAT_VERSION:
        raise RestoreError(f"{path} has format version {document.get('format_version')}")
    if document.get("schema") != HEAD_REVISION:
        raise RestoreError(
            f"{path} was written by schema {document.get('schema')}; this crmtui has "
            f"{HEAD_REVISION}. Restore it with the crmtui version that wrote it."
        )
    return document


def restore_shop_json(*, session: Session, document: dict[str, Any]) -> int:
    """Load `document` into an empty shop inside the caller's transaction; rows restored.

    Settings are replaced (an empty shop has defaults); any contact, sale or ledger row
    already present refuses the restore, so nothing is ever mixed.
    """
    connection = session.connection()
    known = {t.name: t for t in _tables()}
    for name in ("contact", "sale", "points_entry", "reward"):
        if connection.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first():
            raise RestoreError(f"This database is not empty (it has {name} rows)")
    # A merged contact may point at a later id: check foreign keys at commit, not per row.
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    connection.exec_driver_sql("DELETE FROM setting")
    restored = 0
    tables = document.get("tables", {})
    unknown = set(tables) - set(known) - DERIVED_TABLES
    if unknown:
        raise RestoreError(f"Unknown tables in the export: {', '.join(sorted(unknown))}")
    for table in _tables():
        content = tables.get(table.name)
        if not content or not content["rows"]:
            continue
        columns = content["columns"]
        missing = set(columns) - {c.name for c in table.columns}
        if missing:
            raise RestoreError(f"{table.name} has unknown columns {', '.join(sorted(missing))}")
        placeholders = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})",
            [tuple(r) for r in content["rows"]],
        )
        restored += len(content["rows"])
    return restored
