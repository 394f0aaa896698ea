"""Bring a database file up to this build's schema, after a verified backup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crmtui.db.backup import take_backup
from crmtui.db.schema import HEAD_REVISION, DatabaseError, NewerSchemaError, current_revision

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class MigrationReport:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


def _alembic_config():  # noqa: ANN202  (alembic is imported lazily: it is slow)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {
        script.revision
        for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
    }


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade_database(path: Path, *, now: datetime, backup_dir: Path) -> MigrationReport:
    """Migrate `path` to HEAD. Fast (no Alembic import) when it is already current.

    Raises NewerSchemaError for a file written by a newer crmtui, before touching anything.
    """
    revision = current_revision(path)
    if revision == HEAD_REVISION:
        return MigrationReport(revision, HEAD_REVISION, None)
    if revision is not None and revision not in known_revisions():
        raise NewerSchemaError(
            f"{path} was written by a newer version of crmtui (schema {revision}; "
            f"this version knows up to {HEAD_REVISION}). Upgrade crmtui to open it; "
            "nothing was changed."
        )
    backup = None
    if revision is not None:
        backup = take_backup(path, backup_dir, now=now, label=f"before-{HEAD_REVISION}")
    from alembic import command

    from crmtui.db.engine import Database

    database = Database.open(path, foreign_keys=False)
    try:
        with database.engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:  # rolls the whole upgrade back; the file stays as it was
                raise DatabaseError(
                    f"Upgrading {path} would leave {len(broken)} broken reference(s) "
                    f"(first: {tuple(broken[0])}); nothing was changed."
                )
    finally:
        database.dispose()
    return MigrationReport(revision, HEAD_REVISION, backup)
