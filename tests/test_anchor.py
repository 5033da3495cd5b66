"""Anchoring text-only spans: resolution rules and `communique anchor` writing offsets back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.annotate.anchor import anchored, find_all, resolve
from communique.annotate.locate import nearest, token_places
from communique.annotate.walk import anchor_spans
from communique.cli.main import main
from communique.schema.models import AnnotatedDocument

from .conftest import CORPUS, FIXTURES


def test_find_all_counts_overlapping_matches():
    assert find_all("aaaa", "aa") == [0, 1, 2]
    assert find_all("abc", "d") == []


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ({"text": "Zaheer Ahmad Babar"}, (37, 55)),
        ({"text": "Thursday", "occurrence": 2}, (3669, 3677)),
        ({"text": "he", "prefix": "understandings,” ", "suffix": " stated"}, (6497, 6499)),
        ({"text": "Ashtiani", "suffix": " further noted"}, (1959, 1967)),
    ],
)
def test_text_only_spans_resolve(corpus_text: str, span: dict, expected: tuple[int, int]):
    result = resolve(corpus_text, span, ("x",))
    assert (result.start, result.end) == expected
    assert [i.code for i in result.issues] == ["span-unanchored"]
    assert corpus_text[result.start : result.end] == span["text"]


@pytest.mark.parametrize(
    ("span", "code"),
    [
        ({"text": "Ashtiani"}, "span-ambiguous"),
        ({"text": "Thursday", "occurrence": 3}, "span-not-found"),
        ({"text": "Ashtiyani"}, "span-not-found"),
        ({"text": "ashtiani"}, "span-not-found"),
        ({"text": "Ashtiani", "prefix": "Minister "}, "span-not-found"),
    ],
)
def test_unresolvable_spans_are_errors(corpus_text: str, span: dict, code: str):
    result = resolve(corpus_text, span, ("x",))
    assert result.start is None and [i.code for i in result.issues] == [code]


def test_a_text_only_span_matches_whole_tokens_only():
    text = "The committee will commit to it; the committee said so."
    result = resolve(text, {"text": "commit"}, ("x",))
    assert (result.start, result.end) == (19, 25)  # not inside "committee"
    assert token_places(text, "committee") == [(4, 13), (37, 46)] == [(i, i + 9) for i in find_all(text, "committee")]
    assert [i.code for i in resolve(text, {"text": "ommit"}, ("x",)).issues] == ["span-not-found"]


def test_nearest_takes_the_closest_place_and_refuses_a_tie():
    assert nearest([(0, 4), (50, 54)], [(40, 48)]) == (50, 54)
    assert nearest([(0, 4), (50, 54)], [(40, 48)], siblings=[(48, 60)]) == (0, 4)  # not inside a sibling
    assert nearest([(0, 4), (50, 54)], [(20, 34)]) is None  # 16 code points from each: a real tie
    assert nearest([(0, 4), (50, 54)], []) is None  # nothing placed in the item


def _gold(cues: list[dict], contents: list[dict]) -> dict:
    """An annotation mapping with one attribution, enough for anchoring (not a valid document)."""
    return {"attributions": [{"id": "a1", "cues": cues, "contents": contents}]}


def test_anchoring_places_a_repeated_cue_next_to_its_content_and_never_moves_given_offsets():
    text = "Ali said it rained. Later Reza said: “No rain today.” Then he said more."
    content = text.index("No rain today.")
    given = {"start": 4, "end": 8, "text": "said"}  # the first "said", given: stays where it is
    data = _gold([{"text": "said"}, given], [{"start": content, "end": content + 14, "text": "No rain today."}])
    found = anchor_spans(AnnotatedDocument, data, text)
    assert [(m["text"], s, e) for m, s, e in found.resolved] == [("said", 31, 35)]  # Reza's, not Ali's or his
    assert found.by_proximity == 1 and "unanchored" not in found.unanchored
    assert [i.code for i in found.issues] == ["span-unanchored"] and "nearest" in found.issues[0].message
    assert given == {"start": 4, "end": 8, "text": "said"}


def test_repeated_members_of_one_list_take_distinct_places():
    text = "Rojas met Ito. Rojas said his plan and his budget were ready; Ito said his were not."
    name = {"start": 0, "end": 5, "text": "Rojas"}
    official = {"id": "r", "mentions": [name, {"text": "his"}, {"text": "his"}]}
    found = anchor_spans(AnnotatedDocument, {"officials": [official]}, text)
    first, second = (text.index("his plan"), text.index("his budget"))
    # the first "his" takes the nearest place, the second the nearest one left: never the same place twice
    assert sorted((s, e) for _, s, e in found.resolved) == [(first, first + 3), (second, second + 3)]
    assert found.by_proximity == 2


def test_anchoring_leaves_a_tie_or_a_lone_repeated_span_ambiguous():
    text = "They said and said."
    lone = anchor_spans(AnnotatedDocument, _gold([{"text": "said"}], []), text)
    assert [i.code for i in lone.issues] == ["span-ambiguous"] and not lone.resolved
    middle = text.index("and")  # one code point after the first "said", one before the second
    tie = _gold([{"text": "said"}], [{"start": middle, "end": middle + 3, "text": "and"}])
    found = anchor_spans(AnnotatedDocument, tie, text)
    assert [i.code for i in found.issues] == ["span-ambiguous"] and not found.resolved


def test_wrong_case_gets_a_hint(corpus_text: str):
    (found,) = resolve(corpus_text, {"text": "TOP MILITARY CHIEF"}, ("x",)).issues
    assert found.code == "span-not-found" and "[3425, 3443)" in found.hint


def test_gold_offsets_are_never_moved(corpus_text: str):
    result = resolve(corpus_text, {"start": 20, "end": 56, "text": "Air Chief Marshal Zaheer Ahmad Babar"}, ("x",))
    assert (result.start, result.end) == (20, 56)  # reported, not re-anchored
    assert [i.code for i in result.issues] == ["span-text-mismatch"]


@given(st.integers(0, 7930), st.integers(1, 40))
@settings(max_examples=200, deadline=None)
def test_any_written_span_that_slices_the_text_is_accepted(corpus_text: str, start: int, size: int):
    end = min(start + size, len(corpus_text))
    text = corpus_text[start:end]
    result = resolve(corpus_text, {"start": start, "end": end, "text": text}, ("x",))
    codes = {i.code for i in result.issues}
    assert codes <= {"span-whitespace"} and (result.start, result.end) == (start, end)
    assert ("span-whitespace" in codes) == (text != text.strip())


@given(
    st.integers(-2, 7960),
    st.integers(-2, 40),
    st.sampled_from(["slice", "shifted", "other"]),
    st.sampled_from([{}, {"prefix": "x"}, {"suffix": None}, {"occurrence": 1}, {"occurrence": True}]),
)
@settings(max_examples=300, deadline=None)
def test_the_fast_check_of_anchored_spans_agrees_with_resolve(
    corpus_text: str, start: int, size: int, quoted: str, extra: dict
):
    # anchored() lets validation skip resolve() for a span: only where resolve finds nothing to report or write
    assert anchored(corpus_text, {"start": 37, "end": 55, "text": "Zaheer Ahmad Babar"})
    assert not anchored(corpus_text, {"text": "Zaheer Ahmad Babar"})
    end = start + size
    text = {"slice": corpus_text[max(0, start) : max(0, end)], "shifted": corpus_text[start + 1 : end + 1]}
    span = {"start": start, "end": end, "text": text.get(quoted, "Babar"), **extra}
    if anchored(corpus_text, span):
        result = resolve(corpus_text, span, ("x",))
        assert result is not None and result.written and not result.issues
        assert (result.start, result.end) == (start, end)


@given(st.integers(0, 7930), st.integers(1, 40))
@settings(max_examples=200, deadline=None)
def test_text_plus_enough_context_always_finds_the_place(corpus_text: str, start: int, size: int):
    end = min(start + size, len(corpus_text))
    # a text-only span covers whole tokens: widen the slice to the words it cuts
    while start > 0 and corpus_text[start - 1].isalnum() and corpus_text[start].isalnum():
        start -= 1
    while end < len(corpus_text) and corpus_text[end - 1].isalnum() and corpus_text[end].isalnum():
        end += 1
    span = {"text": corpus_text[start:end], "prefix": corpus_text[max(0, start - 30) : start] or None}
    if span["prefix"] is None:
        del span["prefix"]
    places = [s for s, _ in token_places(corpus_text, span["text"], span.get("prefix"))]
    span["occurrence"] = places.index(start) + 1
    result = resolve(corpus_text, span, ("x",))
    assert (result.start, result.end) == (start, end)


def test_anchor_command_writes_offsets_and_keeps_comments(tmp_path: Path, capsys):
    target = tmp_path / "doc.yaml"
    shutil.copy(FIXTURES / "valid" / "text-only.yaml", target)
    before = target.read_text(encoding="utf-8")
    assert main(["anchor", str(target), "--corpus", str(CORPUS), "--check"]) == 1
    assert target.read_text(encoding="utf-8") == before  # --check writes nothing
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 0
    after = target.read_text(encoding="utf-8")
    assert "# Hand-written spans" in after
    assert "{start: 3561, end: 3591, text: Major General Mohammad Bagheri, form: name}" in after
    assert "occurrence: 3" in after and 'prefix: "understandings,” "' in after
    assert main(["validate", str(target), "--corpus", str(CORPUS), "--strict"]) == 0
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 0
    assert target.read_text(encoding="utf-8") == after  # idempotent
    capsys.readouterr()


def test_anchor_writes_nothing_when_a_span_fails(tmp_path: Path, capsys):
    target = tmp_path / "doc.yaml"
    text = (FIXTURES / "valid" / "text-only.yaml").read_text(encoding="utf-8")
    target.write_text(text.replace("{text: Bagheri, occurrence: 3,", "{text: Bagheri, occurrence: 30,"), "utf-8")
    before = target.read_bytes()
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 1
    assert target.read_bytes() == before
    err = capsys.readouterr().err
    assert "[span-not-found]" in err and "doc.yaml:18:" in err


def test_anchor_places_a_repeated_mention_by_its_officials_other_mentions(tmp_path: Path, capsys):
    # without its occurrence, "Bagheri" takes the place nearest the official's other mentions that is not
    # inside one of them (the first is, in "Major General Mohammad Bagheri"): the second; the command says so
    target, expected = tmp_path / "doc.yaml", tmp_path / "expected.yaml"
    text = (FIXTURES / "valid" / "text-only.yaml").read_text(encoding="utf-8")
    target.write_text(text.replace("{text: Bagheri, occurrence: 3,", "{text: Bagheri,"), encoding="utf-8")
    expected.write_text(text.replace("occurrence: 3,", "occurrence: 2,"), encoding="utf-8")
    assert main(["anchor", str(expected), "--corpus", str(CORPUS)]) == 0
    assert "by proximity" not in capsys.readouterr().err
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 0
    assert "anchored 3 span(s)" in (err := capsys.readouterr().err) and "1 by proximity" in err
    assert target.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8").replace("occurrence: 2, ", "")
