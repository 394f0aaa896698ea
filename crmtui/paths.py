"""Where crmtui keeps its files: platformdirs defaults, overridden by flag or environment."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV_VAR = "CRMTUI_DB"
DATA_DIR_ENV_VAR = "CRMTUI_DATA_DIR"
DB_FILENAME = "crmtui.sqlite3"
DEMO_DB_FILENAME = "crmtui-demo.sqlite3"


def data_dir() -> Path:
    """The folder for the database and backups (created 0700 by `ensure_private_dir`)."""
    override = os.environ.get(DATA_DIR_ENV_VAR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("crmtui", appauthor=False)


def resolve_db_path(flag: str | os.PathLike[str] | None) -> Path:
    """The database file: `--db` wins, then CRMTUI_DB, then the user data folder."""
    if flag:
        return Path(flag).expanduser().resolve()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return data_dir() / DB_FILENAME


def demo_db_path() -> Path:
    """The demo shop lives beside the real one, never inside it."""
    return data_dir() / DEMO_DB_FILENAME


def backup_dir_for(db_path: Path) -> Path:
    return db_path.parent / "backups"


def ensure_private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) so that only the owner can enter it.

    Folders that already exist are left alone: `--db /tmp/shop.sqlite3` must not lock down /tmp.
    """
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)
        created.chmod(0o700)  # mkdir's mode is filtered by the umask
    return folder
