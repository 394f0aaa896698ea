"""Writing export files: private (0600) from the first byte, and replaced whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def private_text_file(path: Path, *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text file at `path`, mode 0600, written beside it first and renamed into place.

    A crash or an error leaves any earlier file at `path` untouched and no half file behind.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.partial-{os.getpid()}")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
