"""Reading a CSV file as people actually save them: any of the usual encodings and dialects.

Handles a BOM, CRLF, `;` or tab as the delimiter, quoted newlines, UTF-8, UTF-16 and a
legacy single-byte fallback (cp1250, the Central European Windows code page). Anything that
still cannot be read raises ImportFileError with a sentence for the owner.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 200
FALLBACK_ENCODING = "cp1250"
_DELIMITERS = (",", ";", "\t", "|")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the owner."""


@dataclass(frozen=True)
class RawTable:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # The line in the file where each row starts (the header is line 1), for error reports.
    line_numbers: tuple[int, ...]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for the bytes of a text file."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise ImportFileError(f"The file says it is {name} but is not: {exc}") from exc
    sample = data[:4096]
    # UTF-16 without a BOM: every other byte of ASCII text is zero.
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        for name in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text, name
    if b"\x00" in data:
        raise ImportFileError("This is not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is neither UTF-8, UTF-16 nor {FALLBACK_ENCODING}: byte "
            f"0x{data[exc.start]:02x} at offset {exc.start} means nothing in any of them"
        ) from None


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_text(text: str, *, encoding: str = "utf-8") -> RawTable:
    """Parse CSV text: the first row is the header."""
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[str, ...]] = []
    starts: list[int] = []
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportFileError("The file is empty: there is no header row")
        if len(header) > MAX_COLUMNS:
            raise ImportFileError(f"The file has {len(header)} columns; at most {MAX_COLUMNS}")
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append(tuple(record))
                starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}"
        ) from None
    headers = tuple(h.strip() for h in header)
    return RawTable(
        headers=headers,
        rows=tuple(rows),
        line_numbers=tuple(starts),
        encoding=encoding,
        delimiter=delimiter,
    )


def read_csv(path: Path) -> RawTable:
    """Read and parse the CSV file at `path` (ImportFileError if it cannot be)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(f"The file is {size >> 20} MB; at most {MAX_FILE_BYTES >> 20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"There is no file at {path}") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise ImportFileError(f"crmtui may not read {path}") from None
    except OSError as exc:
        raise ImportFileError(f"{path} cannot be read: {exc.strerror}") from None
    text, encoding = decode(data)
    return read_text(text, encoding=encoding)
