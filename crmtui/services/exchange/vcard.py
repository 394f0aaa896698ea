"""vCard 3.0 and 4.0, in and out, many people per file (parsed and written by `vobject`).

A card becomes an ImportRecord with the same fields a CSV row has, so the one import plan,
duplicate matching and transaction serve both. crmtui's own points balance travels as
X-CRMTUI-POINTS so an export imports back whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import vobject
from sqlmodel import Session

from crmtui.services.exchange.csv_export import ExportReport, contact_rows
from crmtui.services.exchange.csv_import import ImportRecord
from crmtui.services.exchange.files import private_text_file
from crmtui.services.exchange.reading import ImportFileError, decode

POINTS_PROPERTY = "x-crmtui-points"
VERSIONS = ("3.0", "4.0")
_PROPERTY = re.compile(r"^(?:[ \t]|$|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?[;:])")
_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE | re.MULTILINE)


def _bday(value: str) -> str:
    """vCard birthdays (`19901224`, `1990-12-24`, `--1224`, `--12-24`) as the form reads them."""
    text = value.strip().split("T", 1)[0]
    if match := re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text):
        return "-".join(match.groups())
    if match := re.fullmatch(r"--(\d{2})-?(\d{2})", text):
        return f"--{match.group(1)}-{match.group(2)}"
    return text


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _preferred(card: Any, name: str) -> str:
    """The first value, preferring one typed CELL or PREF when there are several."""
    found = card.contents.get(name, [])
    if not found:
        return ""
    for item in found:
        types = {t.casefold() for t in item.params.get("TYPE", [])}
        if {"cell", "pref"} & types or item.params.get("PREF"):
            return _text(item.value)
    return _text(found[0].value)


def card_values(card: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    name = _preferred(card, "fn").strip()
    if not name and "n" in card.contents:
        parts = card.contents["n"][0].value
        name = " ".join(p for p in (_text(parts.given), _text(parts.family)) if p.strip())
    values["full_name"] = name
    phone = _preferred(card, "tel")
    values["phone"] = phone[4:] if phone.casefold().startswith("tel:") else phone
    values["email"] = _preferred(card, "email")
    values["birthday"] = _bday(_preferred(card, "bday"))
    values["greeting_name"] = _preferred(card, "nickname")
    values["notes"] = "\n".join(_text(n.value) for n in card.contents.get("note", []))
    tags = [t for c in card.contents.get("categories", []) for t in c.value]
    values["tags"] = ", ".join(tags)
    values["points"] = _preferred(card, POINTS_PROPERTY)
    return {k: v for k, v in values.items() if v.strip()}


def read_vcard_text(text: str) -> list[ImportRecord]:
    lines = [text.count("\n", 0, m.start()) + 1 for m in _BEGIN.finditer(text)]
    records: list[ImportRecord] = []
    try:
        for index, card in enumerate(vobject.readComponents(text)):
            if card.name.upper() != "VCARD":
                continue
            line = lines[index] if index < len(lines) else index + 1
            records.append(ImportRecord(line=line, values=card_values(card)))
    except Exception as exc:  # vobject raises its own and plain ValueErrors on bad input
        # vobject's own line numbers drift; the first line that is no property is the culprit.
        bad = next((n for n, t in enumerate(text.splitlines(), 1) if not _PROPERTY.match(t)), None)
        where = f" near line {bad}" if bad else ""
        raise ImportFileError(f"The file is not a valid vCard{where}: {exc}") from None
    if not records:
        raise ImportFileError("The file holds no vCard (no BEGIN:VCARD … END:VCARD)")
    return records


def read_vcards(path: Path) -> list[ImportRecord]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path} cannot be read: {exc.strerror}") from None
    text, _encoding = decode(data)
    return read_vcard_text(text)


def _card(row: tuple[Any, ...], version: str) -> Any:
    (_cid, name, greeting, phone, email, year, month, day, tag_text, notes, points,
     _consent, _created, _archived) = row  # fmt: skip
    card = vobject.vCard()
    card.add("version").value = version
    card.add("fn").value = name
    card.add("n").value = vobject.vcard.Name(given=name)
    if greeting:
        card.add("nickname").value = greeting
    if phone:
        tel = card.add("tel")
        tel.type_param = "CELL" if version == "3.0" else "cell"
        tel.value = phone
    if email:
        card.add("email").value = email
    if month and day:
        card.add("bday").value = (
            f"{year:04d}{month:02d}{day:02d}" if year else f"--{month:02d}{day:02d}"
        )
    tags = sorted(t for t in (tag_text or "").split(", ") if t)
    if tags:
        card.add("categories").value = tags
    if notes:
        card.add("note").value = notes
    if points:
        card.add(POINTS_PROPERTY).value = str(points)
    return card


def export_vcards(
    *, session: Session, path: Path, contact_ids: Sequence[int] | None, version: str = "3.0"
) -> ExportReport:
    """Every contact (or just `contact_ids`) as one vCard file, mode 0600."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version} is not supported (3.0 or 4.0)")
    written = 0
    with private_text_file(Path(path)) as handle:
        for row in contact_rows(session, contact_ids):
            handle.write(_card(row, version).serialize())
            written += 1
    return ExportReport(path=Path(path), written=written, left_out=0)
