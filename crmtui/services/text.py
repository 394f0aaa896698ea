"""Folding text for search, and refusing text that cannot be shown safely."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Bidi controls can make a name display as something else (e.g. "Ann\u202eevil").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+")
_APOSTROPHES = re.compile(r"['’ʼʹ`]")


def _is_cjk_like(char: str) -> bool:
    # Ideographs, kana and hangul transliterate syllable by syllable; keep syllables apart
    # so "王伟" folds to "wang wei" and "wei" is a word prefix too.
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


@lru_cache(maxsize=4096)
def transliterate(text: str) -> str:
    """Latin letters for any script: Łukasz → Lukasz, 王伟 → Wang Wei, Արամ → Aram."""
    parts: list[str] = []
    for char in text:
        if _is_cjk_like(char):
            parts.append(f" {anyascii(char)} ")
        else:
            parts.append(anyascii(char))
    return "".join(parts)


def fold(text: str) -> str:
    """Case-, accent- and script-insensitive form of `text`, words separated by one space."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    latin = _APOSTROPHES.sub("", transliterate(normal)).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", latin)).strip()


def fold_keep_script(text: str) -> str:
    """Casefolded, NFKC text in its own script, so `王` typed as-is still matches."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", normal)).strip()


def _is_unshowable(char: str) -> bool:
    return char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def first_forbidden_char(text: str, *, allow_newlines: bool = False) -> str | None:
    """The first control or bidi-override character in `text`, or None if all are showable."""
    for char in text:
        if allow_newlines and char in "\n\t":
            continue
        if _is_unshowable(char):
            return char
    return None


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name.lower()})"


def visible(text: str) -> str:
    """`text` with controls made visible, for showing values that were stored before validation."""
    out = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif _is_unshowable(char):
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)
