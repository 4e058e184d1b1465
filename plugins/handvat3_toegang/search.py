"""Dutch full-text search over regelingen and services.

PostgreSQL: `to_tsvector('dutch', …)` with a GIN index and `plainto_tsquery('dutch', …)`.
SQLite: an FTS5 table over the same text, stemmed in Python with the same Snowball Dutch
stemmer and stop words that PostgreSQL's `dutch` configuration uses. The database finds the
matches; the order is computed here the same way for both (query words in the title count
more than in the body), so both give the same top results.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import select, text

from plugins.handvat3_toegang.models import SearchDocument

# Snowball's Dutch stop words (PostgreSQL's dutch.stop).
STOP_WORDS = frozenset(
    """de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat
    mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want nog
    zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan hun dus alles onder
    ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest
    andere""".split()
)
WORD = re.compile(r"[0-9a-zà-ÿ]+")
# "dutch_porter" is the Snowball algorithm of PostgreSQL's dutch_stem (Snowball 3 renamed it;
# its new "dutch" stems differently). A test compares the two on the whole catalogue.
_stemmer = snowballstemmer.stemmer("dutch_porter")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def stems(value: str) -> list[str]:
    return [_stem(word) for word in WORD.findall(value.lower()) if word not in STOP_WORDS]


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
