"""Anchoring text-only spans: resolution rules and `communique anchor` writing offsets back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.annotate.anchor import anchored, find_all, resolve
from communique.cli.main import main

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
    span = {"text": corpus_text[start:end], "prefix": corpus_text[max(0, start - 30) : start] or None}
    if span["prefix"] is None:
        del span["prefix"]
    places = [s for s in find_all(corpus_text, span["text"]) if corpus_text[:s].endswith(span.get("prefix", ""))]
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
    target.write_text(text.replace("{text: Bagheri, occurrence: 3,", "{text: Bagheri,"), encoding="utf-8")
    before = target.read_bytes()
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 1
    assert target.read_bytes() == before
    err = capsys.readouterr().err
    assert "[span-ambiguous]" in err and "doc.yaml:18:" in err
