"""Matching officials by name, for predictions that name a speaker instead of pointing at an official.

Two names match when the words of one are all among the words of the other (case-insensitive; ``the``,
``of``, ``a``, ``an``, ``and`` and possessive ``'s`` ignored): *Bagheri* matches *Mohammad Bagheri* and
*Major General Mohammad Bagheri*, *the defense minister* matches *Defense Minister*. The score of a match
is the Jaccard similarity of the two word sets, so the closest name wins; names that do not nest score 0.

A description (*the Estonian defence minister*) is matched by every word it holds
(:func:`description_score`): the country it names (a demonym, a country name or its possessive, from
:mod:`communique.annotate.countries`) must be the official's country, and the remaining words (the office)
are matched against the official's name, title and mentions, so that of two defence ministers the Estonian
one is chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["MATCH_RULE", "countries_named", "description_score", "name_score", "name_words", "normalise_name"]

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


_TOKEN = re.compile(r"\w+(?:['’]s)?")


@lru_cache(maxsize=1 << 12)
def countries_named(name: str) -> tuple[frozenset[str], str]:
    """The alpha-3 codes of the countries ``name`` names (*Estonian*, *Ghana's*, *South Korean*: capitalised
    words, two-word names first), and ``name`` without those words (*the defence minister*)."""
    from communique.annotate.countries import country_code

    tokens = _TOKEN.findall(name)
    codes: set[str] = set()
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2]) if i + 1 < len(tokens) else ""
        if pair and tokens[i][:1].isupper() and (code := country_code(pair)):
            codes.add(code)
            i += 2
            continue
        if tokens[i][:1].isupper() and (code := country_code(tokens[i])):
            codes.add(code)
        else:
            rest.append(tokens[i])
        i += 1
    return frozenset(codes), " ".join(rest)


def description_score(name: str, keys: Iterable[str], country: str | None) -> float:
    """How well ``name``, a name or a description, matches an official known by ``keys`` (name, title,
    mentions) who serves ``country`` (alpha-3, or None when unknown); 0 when it does not.

    Without a country word this is :func:`name_score`. With one, an official of another country does not match
    (unless the word is part of a key: a surname); the office words (the description without its country words)
    match as a name does, fully for an official of that country, at half the score for one whose country is unknown
    (the whole description, country word included, may still match one of its mentions fully)."""
    keys = tuple(keys)
    whole = name_score(name, keys)
    codes, office = countries_named(name)
    if not codes:
        return whole
    if country is not None and country not in codes:
        # a country word that is part of the official's own name (*Jordan*, *Georgia*) is no nationality
        return whole if any(name_words(name) <= name_words(k) for k in keys) else 0.0
    by_office = name_score(office, keys) if office else 0.0
    return max(whole, by_office if country in codes else by_office / 2)


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
