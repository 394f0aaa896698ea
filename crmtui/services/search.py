"""Finding a customer from a few typed characters, in any script.

The only module that knows SQLite's FTS5. Each query word must match: three or more
characters as any substring of the contact's search text (phone fragments too), one or two
characters as the start of a word. Results rank an exact phone first, then a name that
starts with the query, then any match, with the most recent customer first among equals.

Both FTS indexes are keyed by recency (see SEARCH_KEY_ID_BITS), so a search reads only the
newest `limit` matches of each kind and ranks those few rows: its cost stays flat however
many people match (typing "07" matches most of a shop).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

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


def _ascii_digits(text: str) -> str:
    """Full-width and other scripts' digits as 0-9: the index stores phones in ASCII."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def plan_search(query: str, *, region: str) -> SearchPlan:
    query = _ascii_digits(query)
    digits = "".join(ch for ch in query if ch.isdecimal())
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
#     key = ±(recency in whole seconds * 2**SEARCH_KEY_ID_BITS + contact id), - if archived
# Walked from the highest key, an index meets the most recent customers first, so a search
# takes the first `limit` matches instead of ranking every one (typing "07" matches most of
# a shop), and its cost no longer grows with the number of matches.
SEARCH_KEY_ID_BITS = 28
_ID_MASK = (1 << SEARCH_KEY_ID_BITS) - 1
_TAG_SEPARATOR = "\x1f"  # a control character, which validation keeps out of tags


def _word_start_phrase(word: str) -> str | None:
    """A one- or two-character word as the start of a word in `word_starts`: "k" → "  k".

    As for the unicode61 tokenizer, "_" separates words; a word of nothing but "_" can
    match nothing (None).
    """
    parts = [part for part in word.split("_") if part]
    return _fts_phrase("  " + "  ".join(parts)) if parts else None


def _words_match(plan: SearchPlan) -> str | None:
    """The FTS5 query for `contact_trigram` that every query word must satisfy."""
    terms = [f"search_text : {_fts_phrase(word)}" for word in plan.trigram_words]
    for word in plan.prefix_words:
        phrase = _word_start_phrase(word)
        if phrase is None:
            return None
        terms.append(f"word_starts : {phrase}")
    return " AND ".join(terms) or None


def _newest(name: str, table: str, match: str, *, archived: bool) -> tuple[str, str]:
    """(CTE, candidate ids): the `:limit` most recent matches in `table`, in key order.

    Keys hold whole seconds, so when `:limit` rows were taken, the other matches from the
    second of the last one are candidates too: a short range of keys, read onwards in the
    same direction (which FTS5 seeks fastest). The ranking afterwards is exact to the
    microsecond.
    """
    found = f"FROM {table} WHERE {table} MATCH {match}"
    full = f"(SELECT count(*) FROM {name}) >= :limit"
    bits = SEARCH_KEY_ID_BITS
    if not archived:
        cte = f"{name}(k) AS (SELECT rowid {found} AND rowid > 0"
        cte += " ORDER BY rowid DESC LIMIT :limit)"
        same_second = (
            f"SELECT rowid {found} AND {full} AND rowid < (SELECT min(k) FROM {name})"
            f" AND rowid >= (SELECT min(k) >> {bits} << {bits} FROM {name}) ORDER BY rowid DESC"
        )
        ids = f"SELECT k & {_ID_MASK} FROM {name} UNION ALL SELECT rowid & {_ID_MASK} FROM ("
        return cte, ids + same_second + ")"
    # Archived contacts have negative keys: the most recent is the most negative.
    cte = f"{name}(k) AS (SELECT rowid {found} AND rowid < 0"
    cte += " ORDER BY rowid LIMIT :limit)"
    same_second = (
        f"SELECT rowid {found} AND {full} AND rowid > (SELECT max(k) FROM {name})"
        f" AND rowid <= -((-(SELECT max(k) FROM {name})) >> {bits} << {bits}) ORDER BY rowid"
    )
    ids = f"SELECT -k & {_ID_MASK} FROM {name} UNION ALL SELECT -rowid & {_ID_MASK} FROM ("
    return cte, ids + same_second + ")"


def build_search_sql(plan: SearchPlan, *, include_archived: bool) -> tuple[str, dict[str, object]]:
    """One SQL statement for the plan, with its parameters; the caller adds :limit.

    The candidates are: whoever has the exact phone; the `limit` most recent people whose
    name starts with the query; the `limit` most recent people matching every word. The best
    `limit` results are always among them, so only these few rows are read and ranked.
    """
    params: dict[str, object] = {"name_prefix": plan.name_prefix, "phone": plan.exact_phone or ""}
    ctes: list[str] = []
    candidates: list[str] = []
    if plan.exact_phone:
        candidates.append("SELECT id FROM contact WHERE phone_e164 = :phone")
    words = _words_match(plan)
    if words is not None:
        params["words"] = words
        # A name that starts with the query matches every word, so it needs no other check.
        params["name_start"] = "^" + _fts_phrase(plan.name_prefix) + "*"
        for archived in (False, True) if include_archived else (False,):
            suffix = "_archived" if archived else ""
            for name, table, match in (
                ("matching", "contact_trigram", ":words"),
                ("named", "contact_words", ":name_start"),
            ):
                cte, ids = _newest(name + suffix, table, match, archived=archived)
                ctes.append(cte)
                candidates.append(ids)
    with_clause = ("WITH " + ",\n".join(ctes)) if ctes else ""
    found = "\nUNION ALL ".join(candidates) if candidates else "SELECT NULL WHERE 0"
    archived_filter = "" if include_archived else "AND c.archived_at IS NULL"
    sql = f"""
        {with_clause}
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


def _utc(stored: str | None) -> datetime | None:
    """A UTCDateTime column as the driver returns it (text in UTC), made aware again."""
    return None if stored is None else datetime.fromisoformat(stored).replace(tzinfo=UTC)


def search_contacts(
    *, session: Session, query: str, region: str, limit: int = 20, include_archived: bool = False
) -> list[ContactSummary]:
    plan = plan_search(query, region=region)
    if plan.empty:
        return []
    sql, params = build_search_sql(plan, include_archived=include_archived)
    params["limit"] = limit
    # Straight to the driver, inside the session's transaction: this runs on every keystroke,
    # and the statement is SQLite's own anyway.
    driver = session.connection().connection.driver_connection
    assert driver is not None
    rows = driver.execute(sql, params).fetchall()
    return [
        ContactSummary(
            id=contact_id,
            full_name=full_name,
            phone=phone_raw,
            email=email,
            points_balance=points_balance,
            last_sale_at=_utc(last_sale_at),
            archived=bool(archived),
            tags=tuple(sorted(tags.split(_TAG_SEPARATOR))) if tags else (),
        )
        for (
            contact_id,
            full_name,
            phone_raw,
            email,
            points_balance,
            last_sale_at,
            archived,
            tags,
        ) in rows
    ]
