"""Finding a customer from a few typed characters, in any script.

The only module that knows SQLite's FTS5. Each query word must match:
three or more characters through the trigram index (any substring, phone fragments too),
one or two characters as a word prefix through the prefix index.
Results rank an exact phone first, then a name that starts with the query, then any
match, with the most recent customer first among equals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Boolean, Integer, String, TextClause, column, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.dto import ContactSummary
from crmtui.services.phones import phone_or_none
from crmtui.services.text import fold

_PHONE_LIKE = re.compile(r"\+?\(?\d[\d\s()\-./]*")

MAX_QUERY_WORDS = 6


@dataclass(frozen=True)
class SearchPlan:
    """The query, folded into what the indexes understand."""

    trigram_words: tuple[str, ...]
    prefix_words: tuple[str, ...]
    name_prefix: str
    exact_phone: str | None

    @property
    def empty(self) -> bool:
        return not (self.trigram_words or self.prefix_words or self.exact_phone)


def plan_search(query: str, *, region: str) -> SearchPlan:
    digits = "".join(ch for ch in query if ch.isdigit())
    phone_like = bool(digits) and _PHONE_LIKE.fullmatch(query.strip()) is not None
    # "601 234" is one phone fragment, not two words.
    words = [digits] if phone_like else list(dict.fromkeys(fold(query).split()))[:MAX_QUERY_WORDS]
    phone = None
    # Only a query that is nothing but a phone number may match a phone exactly; otherwise
    # "anna 601 234 567" would find whoever has that number, whatever their name.
    if phone_like and len(digits) >= 6:
        parsed = phone_or_none(query, region)
        phone = parsed.e164 if parsed else None
    return SearchPlan(
        trigram_words=tuple(w for w in words if len(w) >= 3),
        prefix_words=tuple(w for w in words if len(w) < 3),
        name_prefix=" ".join(words),
        exact_phone=phone,
    )


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


# The FTS rows are keyed by a search key, not by contact id (see migration 0001):
#     key = ±(recency in whole seconds << SEARCH_KEY_ID_BITS | contact id), - when archived
# so walking an index from its highest key meets the most recent customers first, and a
# search stops after `limit` matches instead of ranking every one (typing "07" matches
# most of a shop).
SEARCH_KEY_ID_BITS = 28
_ID_MASK = (1 << SEARCH_KEY_ID_BITS) - 1
_TAG_SEPARATOR = "\x1f"  # a control character: validation keeps it out of tags


def _word_start_phrase(word: str) -> str | None:
    """A one- or two-character word as a word start in `word_starts`: "k" → "  k".

    Like the unicode61 tokenizer, "_" separates words; a word of only "_" matches nothing.
    """
    parts = [part for part in word.split("_") if part]
    return _fts_phrase("  " + "  ".join(parts)) if parts else None


def _newest(table: str, match: str, *, archived: bool) -> str:
    """Ids of the `:limit` most recent rows of `table` that match, walked in key order.

    Keys hold whole seconds, so every match in the same second as the last one taken is
    taken too: the exact ranking (to the microsecond, then id) is applied afterwards.
    """
    found = f"FROM {table} WHERE {table} MATCH {match}"
    if not archived:
        top = f"SELECT rowid {found} AND rowid > 0 ORDER BY rowid DESC LIMIT :limit"
        cutoff = (
            f"(SELECT (min(rowid) >> {SEARCH_KEY_ID_BITS}) << {SEARCH_KEY_ID_BITS} FROM ({top}))"
        )
        return f"SELECT rowid & {_ID_MASK} {found} AND rowid >= max(1, {cutoff})"
    top = f"SELECT rowid {found} AND rowid < 0 ORDER BY rowid LIMIT :limit"
    cutoff = f"(SELECT (-max(rowid) >> {SEARCH_KEY_ID_BITS}) << {SEARCH_KEY_ID_BITS} FROM ({top}))"
    return f"SELECT -rowid & {_ID_MASK} {found} AND rowid <= min(-1, -{cutoff})"


def build_search_sql(plan: SearchPlan, *, include_archived: bool) -> tuple[str, dict[str, object]]:
    """One statement for the plan; the caller adds :limit.

    The candidates are the exact phone, the `limit` most recent people whose name starts with
    the query, and the `limit` most recent people who match every word; the best `limit` of
    all matches are always among them. Those few are then ranked exactly.
    """
    params: dict[str, object] = {"name_prefix": plan.name_prefix, "phone": plan.exact_phone or ""}
    candidates: list[str] = []
    if plan.exact_phone:
        candidates.append("SELECT id FROM contact WHERE phone_e164 = :phone")
    words = [f"search_text : {_fts_phrase(w)}" for w in plan.trigram_words]
    words += [f"word_starts : {_word_start_phrase(w)}" for w in plan.prefix_words]
    if words and "word_starts : None" not in words:
        params["words"] = " AND ".join(words)
        # A name that starts with the query matches every word too, so it needs no check.
        params["name_start"] = "^" + _fts_phrase(plan.name_prefix) + "*"
        for archived in (False, True) if include_archived else (False,):
            candidates.append(_newest("contact_trigram", ":words", archived=archived))
            candidates.append(_newest("contact_words", ":name_start", archived=archived))
    found = " UNION ALL ".join(candidates) if candidates else "SELECT NULL WHERE 0"
    archived_filter = "" if include_archived else "AND c.archived_at IS NULL"
    sql = f"""
        SELECT c.id, c.full_name, c.phone_raw, c.email, c.points_balance, c.last_sale_at,
               c.archived_at IS NOT NULL AS archived,
               (SELECT group_concat(t.tag, char(31)) FROM contact_tag AS t
                WHERE t.contact_id = c.id) AS tags
        FROM contact AS c
        WHERE c.id IN ({found}) {archived_filter}
        ORDER BY
            CASE
                WHEN c.phone_e164 = :phone THEN 0
                WHEN substr(c.sort_name, 1, length(:name_prefix)) = :name_prefix THEN 1
                ELSE 2
            END,
            coalesce(c.last_sale_at, c.created_at) DESC,
            c.id DESC
        LIMIT :limit
    """
    return sql, params


_COLUMNS = (
    column("id", Integer),
    column("full_name", String),
    column("phone_raw", String),
    column("email", String),
    column("points_balance", Integer),
    column("last_sale_at", UTCDateTime),
    column("archived", Boolean),
    column("tags", String),
)


@lru_cache(maxsize=64)
def _statement(sql: str) -> TextClause:
    return text(sql).columns(*_COLUMNS)


def search_contacts(
    *, session: Session, query: str, region: str, limit: int = 20, include_archived: bool = False
) -> list[ContactSummary]:
    plan = plan_search(query, region=region)
    if plan.empty:
        return []
    sql, params = build_search_sql(plan, include_archived=include_archived)
    params["limit"] = limit
    rows = session.connection().execute(_statement(sql), params).all()
    return [
        ContactSummary(
            id=row.id,
            full_name=row.full_name,
            phone=row.phone_raw,
            email=row.email,
            points_balance=row.points_balance,
            last_sale_at=row.last_sale_at,
            archived=bool(row.archived),
            tags=tuple(sorted(row.tags.split(_TAG_SEPARATOR))) if row.tags else (),
        )
        for row in rows
    ]
