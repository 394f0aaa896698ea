"""One crmtui per database file: a second one is told so at once instead of hanging."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from crmtui.db.schema import DatabaseError

try:
    import fcntl
except ImportError:  # Windows: SQLite's own locking and busy_timeout still protect the data
    fcntl = None  # type: ignore[assignment]


class AlreadyOpenError(DatabaseError):
    pass


class InstanceLock:
    """An advisory lock held on `<db>.lock` for as long as the app has the file open."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise AlreadyOpenError(
                    f"{self.path.with_suffix('')} is already open in another crmtui window. "
                    "Close that one first (only one crmtui may use a shop file at a time)."
                ) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
