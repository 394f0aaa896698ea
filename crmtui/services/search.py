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

from sqlalchemy import Boolean, Integer, String, column, text
from sqlmodel import Session

from crmtui.db.types import UTCDateTime
from crmtui.services.contacts import tags_of
from crmtui.services.dto import ContactSummary
from crmtui.services.phones import phone_or_none
from crmtui.services.text import fold

_PHONE_LIKE = re.compile(r"[+\d][\d\s()\-./]*")

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
    if digits and _PHONE_LIKE.fullmatch(query.strip()):
        words = [digits]  # "601 234" is one phone fragment, not two words
    else:
        words = list(dict.fromkeys(fold(query).split()))[:MAX_QUERY_WORDS]
    phone = None
    if len(digits) >= 6:
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


def build_search_sql(plan: SearchPlan, *, include_archived: bool) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {"name_prefix": plan.name_prefix, "phone": plan.exact_phone or ""}
    filters: list[str] = []
    if plan.trigram_words:
        params["trigram"] = " AND ".join(_fts_phrase(w) for w in plan.trigram_words)
        filters.append(
            "c.id IN (SELECT rowid FROM contact_trigram WHERE contact_trigram MATCH :trigram)"
        )
    if plan.prefix_words:
        params["prefix"] = " AND ".join(_fts_phrase(w) + "*" for w in plan.prefix_words)
        filters.append(
            "c.id IN (SELECT rowid FROM contact_words WHERE contact_words MATCH :prefix)"
        )
    match = " AND ".join(filters) if filters else "0"
    if plan.exact_phone:
        match = f"(c.phone_e164 = :phone OR ({match}))"
    archived = "" if include_archived else "AND c.archived_at IS NULL"
    sql = f"""
        SELECT c.id, c.full_name, c.phone_raw, c.email, c.points_balance, c.last_sale_at,
               c.archived_at IS NOT NULL AS archived
        FROM contact AS c
        WHERE {match} {archived}
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


def search_contacts(
    *, session: Session, query: str, region: str, limit: int = 20, include_archived: bool = False
) -> list[ContactSummary]:
    plan = plan_search(query, region=region)
    if plan.empty:
        return []
    sql, params = build_search_sql(plan, include_archived=include_archived)
    params["limit"] = limit
    statement = text(sql).columns(
        column("id", Integer),
        column("full_name", String),
        column("phone_raw", String),
        column("email", String),
        column("points_balance", Integer),
        column("last_sale_at", UTCDateTime),
        column("archived", Boolean),
    )
    rows = session.connection().execute(statement, params).all()
    tags = tags_of(session, [row.id for row in rows])
    return [
        ContactSummary(
            id=row.id,
            full_name=row.full_name,
            phone=row.phone_raw,
            email=row.email,
            points_balance=row.points_balance,
            last_sale_at=row.last_sale_at,
            archived=bool(row.archived),
            tags=tags.get(row.id, ()),
        )
        for row in rows
    ]
