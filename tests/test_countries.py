"""Country knowledge from countryinfo: demonyms, names and possessives resolve to alpha-3 codes."""

from __future__ import annotations

import pycountry
import pytest

from communique.annotate.countries import country_code, country_names, demonyms


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Estonian", "EST"),
        ("Ghanaian", "GHA"),
        ("Portuguese", "PRT"),
        ("Chilean", "CHL"),
        ("Iranian", "IRN"),
        ("South Korean", "KOR"),
        ("American", "USA"),  # shared demonym: the most populous country that has it
        ("Chinese", "CHN"),
        ("Ghana's", "GHA"),
        ("Estonia", "EST"),
        ("Pakistan’s", "PAK"),
        ("Republic of Estonia", "EST"),
    ],
)
def test_words_resolve_to_their_country(word: str, code: str) -> None:
    assert country_code(word) == code


@pytest.mark.parametrize("word", ["Defence", "minister", "US", "the", "", "'s"])
def test_other_words_are_no_country(word: str) -> None:
    assert country_code(word) is None


def test_every_code_is_an_iso_country() -> None:
    codes = set(demonyms().values()) | set(country_names().values())
    assert len(demonyms()) > 150 and len(country_names()) > 200
    unknown = {c for c in codes if pycountry.countries.get(alpha_3=c) is None}
    # countryinfo keeps a few withdrawn codes (the Netherlands Antilles); the validator would reject them
    assert not unknown
