"""Dutch words as full-text search sees them, the same on both databases.

PostgreSQL's `dutch` text-search configuration stems with Snowball's Dutch (Porter)
algorithm and drops its stop words. On SQLite a module indexes these stems itself (an FTS5
table over `dutch_stems(text)`), so a query finds the same documents on both. Modules use
this through `core.plugin` (handvat 3's catalogue, handvat 4's practice library)."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# Snowball's Dutch stop words (PostgreSQL's dutch.stop).
DUTCH_STOP_WORDS = frozenset(
    """de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat
    mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want nog
    zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan hun dus alles onder
    ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest
    andere""".split()
)
_WORD = re.compile(r"[0-9a-zà-ÿ]+")
# "dutch_porter" is the Snowball algorithm of PostgreSQL's dutch_stem (Snowball 3 renamed it;
# its new "dutch" stems differently). handvat 3's tests compare the two on its catalogue.
_stemmer = snowballstemmer.stemmer("dutch_porter")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def dutch_stems(value: str) -> list[str]:
    """The stems of the words of `value` that are not stop words, in order."""
    return [_stem(word) for word in _WORD.findall(value.lower()) if word not in DUTCH_STOP_WORDS]
