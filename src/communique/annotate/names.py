"""Matching officials by name, for predictions that name a speaker instead of pointing at an official.

Two names match when the words of one are all among the words of the other (case-insensitive; ``the``,
``of``, ``a``, ``an``, ``and`` and possessive ``'s`` ignored): *Bagheri* matches *Mohammad Bagheri* and
*Major General Mohammad Bagheri*, *the defense minister* matches *Defense Minister*. The score of a match
is the Jaccard similarity of the two word sets, so the closest name wins; names that do not nest score 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["MATCH_RULE", "name_score", "name_words", "normalise_name"]

MATCH_RULE = (
    "word containment, case-insensitive, ignoring the/of/a/an/and/'s; score = Jaccard similarity of the word sets"
)
_IGNORED = frozenset({"the", "of", "a", "an", "and", "s"})
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1 << 14)
def name_words(name: str) -> frozenset[str]:
    """The words a name is compared by (cached: the same keys are compared with every official)."""
    return frozenset(w for w in _WORD.findall(name.casefold()) if w not in _IGNORED)


def normalise_name(name: str) -> str:
    """A canonical spelling: one name-only official per canonical spelling."""
    return " ".join(w for w in _WORD.findall(name.casefold()) if w not in _IGNORED)


def name_score(name: str, keys: Iterable[str]) -> float:
    """How well ``name`` matches the best of ``keys`` (0 when no key nests with it)."""
    words = name_words(name)
    best = 0.0
    for key in keys:
        other = name_words(key)
        if words and other and (words <= other or other <= words):
            best = max(best, len(words & other) / len(words | other))
    return best


#: Personal and possessive pronouns (lower case): a mention made of one of them has the form ``pronoun``.
PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "we",
        "us",
        "our",
        "ours",
        "they",
        "them",
        "their",
        "theirs",
    ]
)
