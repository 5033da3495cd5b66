"""Country knowledge: names, alternative spellings and demonyms mapped to ISO 3166-1 alpha-3 codes.

One home for it, so the rules baseline (recognising *Estonian* or *Ghana's* in front of an office) and the
matching of descriptions (*the Estonian defence minister*) agree. The data comes from the maintained
`countryinfo` package (names, alternative spellings, demonyms, population) rather than a hand list; where a
demonym is shared (*American*, *Chinese*, *Indian*), the most populous country that has it wins, which is the
reading a news text means.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

__all__ = ["country_code", "country_names", "demonyms"]


def _clean(word: str) -> str:
    return " ".join(word.split())


@lru_cache(maxsize=1)
def _tables() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """(demonym -> code, name -> code), built once from countryinfo (about 20 ms)."""
    import countryinfo  # deferred: only commands that need country words pay for loading the data
    import pycountry

    by_demonym: dict[str, tuple[int, str]] = {}
    by_name: dict[str, tuple[int, str]] = {}

    def keep(table: dict[str, tuple[int, str]], key: str, population: int, code: str) -> None:
        key = _clean(key)
        # a word of two letters or fewer is a code or an abbreviation, too easily a false match in running text
        if len(key) <= 2 or not key[0].isupper():
            return
        if key not in table or table[key][0] < population:
            table[key] = (population, code)

    for country in countryinfo.all_countries():
        iso = country.iso() or {}
        code = iso.get("alpha3")
        # withdrawn codes (the Netherlands Antilles, Serbia and Montenegro) are not codes the validator accepts
        if not isinstance(code, str) or pycountry.countries.get(alpha_3=code) is None:
            continue
        population = country.population() or 0
        for demonym in (country.demonym() or "").split(","):
            keep(by_demonym, demonym, population, code)
        keep(by_name, country.name() or "", population, code)
        for spelling in country.alt_spellings() or []:
            if not spelling.isupper():  # "US", "UK", "USA": codes, not words of a sentence
                keep(by_name, spelling, population, code)
    return (
        MappingProxyType({k: v[1] for k, v in by_demonym.items()}),
        MappingProxyType({k: v[1] for k, v in by_name.items()}),
    )


def demonyms() -> Mapping[str, str]:
    """Every demonym (*Estonian*, *Ghanaian*, *South Korean*) with its country's alpha-3 code."""
    return _tables()[0]


def country_names() -> Mapping[str, str]:
    """Every country name and alternative spelling (*Estonia*, *Republic of Estonia*) with its alpha-3 code."""
    return _tables()[1]


def country_code(word: str) -> str | None:
    """The alpha-3 code a demonym, a country name or its possessive (*Ghana's*) stands for, or None."""
    word = _clean(word)
    for suffix in ("'s", "’s", "'", "’"):
        if word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)]
            break
    demonym, names = _tables()
    return demonym.get(word) or names.get(word)
