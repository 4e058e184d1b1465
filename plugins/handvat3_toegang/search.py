"""Dutch full-text search over regelingen and services.

PostgreSQL: `to_tsvector('dutch', …)` with a GIN index and `plainto_tsquery('dutch', …)`.
SQLite: an FTS5 table over the same text, stemmed in Python with core's `dutch_stems` (the
Snowball Dutch stemmer and stop words that PostgreSQL's `dutch` configuration uses). The database finds the
matches; the order is computed here the same way for both (query words in the title count
more than in the body), so both give the same top results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from core.plugin import DUTCH_STOP_WORDS as STOP_WORDS
from core.plugin import dutch_stems as stems
from plugins.handvat3_toegang.models import SearchDocument

__all__ = ["STOP_WORDS", "Hit", "index_item", "search_documents", "stems"]


@dataclass(frozen=True)
class Hit:
    kind: str
    item_id: uuid.UUID
    score: float


async def index_item(session: Any, kind: str, item_id: uuid.UUID, title: str, body: str, *, public: bool) -> None:
    """Put (or update) an item's searchable text."""
    document = (
        await session.execute(select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.item_id == item_id))
    ).scalar_one_or_none()
    if document is None:
        document = SearchDocument(kind=kind, item_id=item_id, title=title)
        session.add(document)
    document.title, document.body, document.public = title, body, public
    document.stemmed = " ".join(stems(f"{title} {body}"))
    await session.flush()


def _score(document: SearchDocument, query_stems: list[str]) -> float:
    title, body = set(stems(document.title)), stems(document.body)
    return sum(3.0 * (stem in title) + min(body.count(stem), 5) for stem in query_stems)


async def search_documents(session: Any, tenant_id: uuid.UUID, query: str, *, public: bool, limit: int) -> list[Hit]:
    query_stems = list(dict.fromkeys(stems(query)))
    if not query_stems:
        return []
    if session.bind.dialect.name == "postgresql":
        statement = select(SearchDocument).where(
            text("to_tsvector('dutch', toegang_search_documents.title || ' ' || toegang_search_documents.body) @@ plainto_tsquery('dutch', :query)")
        ).params(query=query)
    else:
        # FTS5 finds the rowids; the documents are then read through the ORM (tenant-filtered).
        match = " AND ".join(f'"{stem}"' for stem in query_stems)
        rowids = (
            await session.execute(
                text("SELECT rowid FROM fts_toegang_search WHERE fts_toegang_search MATCH :match AND tenant_id = :tenant"),
                {"match": match, "tenant": tenant_id.hex},
            )
        ).scalars().all()
        if not rowids:
            return []
        statement = select(SearchDocument).where(text("toegang_search_documents.rowid IN (SELECT value FROM json_each(:rowids))")).params(
            rowids="[" + ",".join(str(rowid) for rowid in rowids) + "]"
        )
    if public:
        statement = statement.where(SearchDocument.public.is_(True))
    documents = list((await session.execute(statement)).scalars())
    ranked = sorted(documents, key=lambda document: (-_score(document, query_stems), document.title.lower()))
    return [Hit(document.kind, document.item_id, _score(document, query_stems)) for document in ranked[:limit]]
