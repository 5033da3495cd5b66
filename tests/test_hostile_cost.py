"""Bounded cost on hostile input (issue 17): every replacement of a quadratic path gives exactly what the old
one gave (checked against the old code, kept in ``before_i17.py``, on generated input), and the families of
the issue end in a correct result or a located, coded error at small sizes. Nothing here times anything: the
big sizes, with CPU seconds and peak memory, are in ``benchmarks/hostile.py``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from communique import load_annotations
from communique.bench.counting import mention_measures
from communique.cli.main import main
from communique.compare.annotations import Extent, MentionItem, iou, same
from communique.compare.matching import (
    candidate_groups,
    match,
    match_in_groups,
    match_values_in_groups,
    ordered_pairs,
    overlapping,
)
from communique.corpus import segment as segment_module
from communique.corpus.build import document_json, make_document, normalise, same_content, serialise
from communique.corpus.segment import segment
from communique.formats.brat import import_brat
from communique.formats.html import PALETTE, Unit, annotation_units, marked_outcomes, marked_text
from communique.io.parse import MAX_DEPTH, Locator, ParseFailure, check_yaml_events, dump_round_trip, parse_yaml
from communique.io.write import write_atomic
from communique.schema.models import SeedMetadata, Span

from . import before_i17 as before
from .conftest import CORPUS, write_corpus_document

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------ overlap matching


@st.composite
def extents(draw: st.DrawFn, size: int = 60) -> list[list[Extent]]:
    """Items of one or two extents, many overlapping each other; some empty or unanchored."""
    items = []
    for _ in range(draw(st.integers(0, 14))):
        parts = []
        for _ in range(draw(st.integers(1, 2))):
            if draw(st.integers(0, 9)) == 0:
                parts.append(Extent.unanchored("x"))
                continue
            start = draw(st.integers(0, size))
            parts.append(Extent(start, start + draw(st.integers(0, 25)), "x"))
        items.append(parts)
    return items


def plain_overlapping(gold: list[list[Extent]], pred: list[list[Extent]]) -> set[tuple[int, int]]:
    """Every pair of items sharing a character, by comparing every pair of extents."""
    return {
        (i, j)
        for i, g in enumerate(gold)
        for j, p in enumerate(pred)
        if any(a.anchored and b.anchored and min(a.end, b.end) > max(a.start, b.start) for a in g for b in p)
    }


@FAST
@given(extents(), extents())
def test_overlap_sweep_finds_exactly_the_overlapping_pairs(gold, pred):
    assert overlapping(gold, pred) == plain_overlapping(gold, pred)


def test_overlap_sweep_of_predictions_all_overlapping_each_other():
    """The hostile shape: thousands of predictions over one point and a few gold extents."""
    gold = [[Extent(s, s + 3, "x")] for s in range(0, 40, 4)]
    pred = [[Extent(20 - a, 21 + b, "x")] for a in range(30) for b in range(30)]
    found = overlapping(gold, pred)
    assert found == plain_overlapping(gold, pred)
    assert len(found) > 2000


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[int, int, dict[tuple[int, int], tuple[float, float, float]], set]:
    """A random matching problem: sizes, tiers per pair (whole numbers above, a fraction last), candidates."""
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    pairs = [(i, j) for i in range(rows) for j in range(cols)]
    candidates = set(draw(st.lists(st.sampled_from(pairs), max_size=20)))
    table = {
        pair: (
            float(draw(st.integers(0, 1))),
            float(draw(st.integers(0, 2))),
            draw(st.sampled_from([0.0, 0.25, 0.5, 1 / 3, 0.75, 1.0])),
        )
        for pair in pairs
    }
    return rows, cols, table, candidates


@settings(max_examples=300, deadline=None)
@given(tier_tables())
def test_matching_is_the_old_matching(problem):
    rows, cols, table, candidates = problem

    def tiers(i: int, j: int) -> tuple[float, float, float]:
        return table[i, j]

    gold, pred = list(range(rows)), list(range(cols))
    assert match(gold, pred, tiers, candidates) == before.match(gold, pred, tiers, candidates)
    assert match(gold, pred, tiers) == before.match(gold, pred, tiers)
    # every candidate weighs something (the contract of match_in_groups): give each a positive middle tier
    positive = {pair: (t[0], t[1] + 1, t[2]) for pair, t in table.items()}

    def some(i: int, j: int) -> tuple[float, float, float]:
        return positive[i, j]

    groups = candidate_groups(candidates)
    assert groups == before.candidate_groups(candidates)
    expected = before.match_in_groups(gold, pred, some, before.candidate_groups(candidates), candidates)
    assert match_in_groups(gold, pred, some, groups, candidates) == expected
    ordered = ordered_pairs(candidates)
    values = np.array([positive[i, j] for i, j in ordered.tolist()]).reshape(len(ordered), 3)
    assert match_values_in_groups(groups, ordered, values) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=300, max_size=400))
def test_large_groups_are_found_as_in_python(edges):
    """Above a few hundred pairs the groups come from scipy's connected components: the same partition."""
    assert candidate_groups(edges) == before.candidate_groups(edges)


@FAST
@given(extents(), extents(), st.lists(st.sampled_from(["name", "title", None]), min_size=14, max_size=14))
def test_mention_tiers_computed_at_once_are_those_pair_by_pair(gold_extents, pred_extents, forms):
    golds = [MentionItem(e[0], forms[i], "g") for i, e in enumerate(gold_extents)]
    preds = [MentionItem(e[0], forms[-1 - i], "p") for i, e in enumerate(pred_extents)]
    pairs = ordered_pairs((i, j) for i in range(len(golds)) for j in range(len(preds)))
    same_extent, same_form, closeness = mention_measures(golds, preds, pairs)
    for k, (i, j) in enumerate(pairs.tolist()):
        g, p = golds[i], preds[j]
        assert same_extent[k] == same([g.extent], [p.extent])
        assert same_form[k] == (g.form == p.form)
        assert closeness[k] == iou([g.extent], [p.extent])  # the same float, not a close one


def _prediction_line(text: str, sha: str, mentions: list[tuple[int, int]]) -> str:
    return json.dumps(
        {
            "document_id": "doc",
            "text_sha256": sha,
            "officials": [
                {
                    "id": "p",
                    "mentions": [{"start": s, "end": e, "text": text[s:e], "form": "name"} for s, e in mentions],
                }
            ],
        }
    )


def test_bench_scores_predictions_that_all_overlap_each_other(tmp_path: Path, capsys):
    """Predicted mentions all over one point of a gold mention: one is matched, the rest are spurious."""
    text = "Mr Babar met the minister in Tehran on Monday.\n"
    write_corpus_document(tmp_path / "corpus", "doc", text)
    sha = hashlib.sha256(text.encode()).hexdigest()
    gold = {
        "schema_version": "2.1",
        "document_id": "doc",
        "text_sha256": sha,
        "guidelines_version": "2.1",
        "annotators": ["t"],
        "officials": [
            {
                "id": "babar",
                "name": "Babar",
                "participation": "mentioned",
                "mentions": [{"start": 3, "end": 8, "text": "Babar", "form": "name"}],
            }
        ],
    }
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "doc.json").write_text(json.dumps(gold), encoding="utf-8")
    # every span covers the "b" of Babar; none has whitespace at an edge (that would be trimmed)
    spans = [(s, e) for s in (3, 4, 5) for e in range(6, 46) if not text[e - 1].isspace()]
    assert (3, 8) in spans and len(spans) > 90
    (tmp_path / "pred.jsonl").write_text(_prediction_line(text, sha, spans) + "\n", encoding="utf-8")
    status = main(
        ["bench", "--predictions", str(tmp_path / "pred.jsonl"), "--gold", str(tmp_path / "gold"),
         "--corpus", str(tmp_path / "corpus"), "--samples", "5", "--format", "json", "--summary-only"]
    )  # fmt: skip
    assert status == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    exact = metrics["mentions.exact"]
    assert (exact["cor"], exact["spu"], exact["mis"]) == (1, len(spans) - 1, 0)  # the exact one is chosen


# ----------------------------------------------------------------------------------------- rendering


def test_review_page_of_the_seed_gold_is_byte_identical_to_before(gold, corpus_doc):
    units = annotation_units(gold)
    colours = {o.id: PALETTE[i % len(PALETTE)] for i, o in enumerate(gold.officials)}
    headings = [(h.start, h.end) for h in corpus_doc.headings]
    page = marked_text(corpus_doc.text, units, colours, headings)
    assert len(units) > 100 and "data-ann=" in page
    assert page == before.marked_text(corpus_doc.text, units, colours, headings)


TEXT = "Mr Babar met José in Tehran.\nHe said <it> was “fine” & left.\n\nHeading\nMore text here.\n"


@st.composite
def units(draw: st.DrawFn) -> tuple[list[Unit], list[tuple[int, int]]]:
    kinds = ["mention", "attribution direct", "cue", "meeting", "place", "commitment"]
    made = []
    for n in range(draw(st.integers(0, 25))):
        spans = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, len(TEXT) - 1))
            end = draw(st.integers(start, min(len(TEXT), start + 20)))
            spans.append(Span.model_construct(start=start, end=end, text=TEXT[start:end]))
        official = draw(st.sampled_from(["a", "b", None]))
        made.append(Unit(f"u:{n}", draw(st.sampled_from(kinds)), tuple(spans), f"label <{n}> & “x”", official))
    heads = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)), max_size=3))
    return made, [(s, s + n) for s, n in heads]


@settings(max_examples=150, deadline=None)
@given(units())
def test_marked_text_is_the_old_one_on_any_annotations(drawn):
    made, headings = drawn
    colours = {"a": PALETTE[0], "b": PALETTE[1]}
    assert marked_text(TEXT, made, colours, headings) == before.marked_text(TEXT, made, colours, headings)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 70),
            st.integers(-5, 25),
            st.sampled_from(["matched", "partial", "missed", "spurious", "wrong_kind"]),
            st.sampled_from(["mentions: missed", "attributions: partial", "mentions: matched"]),
        ),
        max_size=30,
    )
)
def test_bench_page_marks_are_the_old_ones(marks):
    marks = [(s, s + n, outcome, title) for s, n, outcome, title in marks]
    assert marked_outcomes(TEXT, marks) == before.bench_marked(TEXT, marks)


# -------------------------------------------------------------------------------------------- locating

_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    ["\t", "é", "😀", ":", "#", "'", '"', "\\", "\x85", "\u2028", "\r", "\n"]
)
_DATA = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(_CHARS, max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("abxyz_é1 ", min_size=1, max_size=5), inner),
    max_leaves=20,
)
_STYLES = ["json", "json-indent", "json-tabs", "yaml-block", "yaml-flow", "yaml-round-trip", "yaml-aliases"]


def _render(data: Any, style: str) -> tuple[str, Any]:
    if style == "json":
        return json.dumps(data, ensure_ascii=False), data
    if style == "json-indent":
        return json.dumps(data, ensure_ascii=False, indent=2), data
    if style == "json-tabs":
        return json.dumps(data, ensure_ascii=False, indent="\t", separators=(",\t", ":\t")), data
    if style == "yaml-block":
        return yaml.safe_dump(data, allow_unicode=True, default_flow_style=False, sort_keys=False), data
    if style == "yaml-flow":
        return yaml.safe_dump(data, allow_unicode=True, default_flow_style=True, sort_keys=False, width=30), data
    if style == "yaml-round-trip":
        return dump_round_trip(data), data
    shared = {"first": data, "again": data, "deeper": {"x": data}}  # PyYAML writes anchors and aliases
    return yaml.safe_dump(shared, allow_unicode=True, sort_keys=False), shared


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``data``, and one step past the end of each collection (a missing child)."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
        found.append((*prefix, "missing"))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
        found.append((*prefix, len(data)))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.text("abxyz_é1 ", min_size=1, max_size=5), _DATA, min_size=1) | st.lists(_DATA, min_size=1),
    st.sampled_from(_STYLES),
    st.booleans(),
    st.booleans(),
)
def test_locator_gives_the_positions_of_the_round_trip_parse(data, style, bom, crlf):
    """The cheap index agrees with the round-trip parse it replaced, with BOM, CRLF, tabs and non-ASCII."""
    text, data = _render(data, style)
    if crlf:
        text = text.replace("\n", "\r\n")
    if bom:
        text = "\ufeff" + text
    try:
        old = before.Locator(text)
    except ParseFailure:  # the round-trip parse refuses it (`._` reads as a number it cannot build): nothing to compare
        reject()
    new = Locator(text)
    for path in _paths(data):
        assert new.find(path) == old.find(path), (path, text)


@pytest.mark.parametrize(
    ("text", "path", "where"),
    [
        ('\ufeff{"a": 1, "b": [1, "é😀", 3]}', ("b", 2), (1, 25)),
        ('{"a": 1,\r\n\t"b": {"c": null}}', ("b",), (2, 2)),  # a collection: at its key
        ('{"a": 1,\r\n\t"b": {"c": null}}', ("b", "c"), (2, 13)),  # a scalar: the value
        ('{"a": 1,\r\n\t"b": {"c": null}}', ("b", "c", "d"), (2, 13)),  # past a scalar: the scalar
        ("a: 1\r\nb:\r\n  - x\r\n  - 'y\tz'\r\n", ("b", 1), (4, 5)),
        ("\ufeffnom: José\nrôle: « chef »\n", ("rôle",), (2, 7)),
        ('{"a": "\\ud83d\\ude00", "b": 2}', ("b",), (1, 28)),
    ],
)
def test_locator_positions(text: str, path: tuple[Any, ...], where: tuple[int, int]):
    assert Locator(text).find(path) == where


def test_locator_reads_json_of_any_depth_and_any_number():
    deep = '{"a": ' + "[" * 5000 + "7" + "]" * 5000 + ', "b": ' + "9" * 5000 + "}"
    locator = Locator(deep)
    assert locator.find(("a",) + (0,) * 5000) == (1, 5007)
    assert locator.find(("b",)) == (1, deep.index("9") + 1)


def test_locator_of_text_that_is_neither_json_nor_yaml_points_at_the_start():
    assert Locator("{a: [1, 2}\n").find(("a", 0)) == (1, 1)
    assert Locator('{"a": 1} trailing').find(("a",)) == (1, 1)


def test_a_warning_on_a_long_prediction_line_is_located(tmp_path: Path, capsys):
    """A prediction line of many mentions with one bad span at its end: the column of that span."""
    text = "Mr Babar met the minister in Tehran on Monday.\n"
    write_corpus_document(tmp_path / "corpus", "doc", text)
    sha = hashlib.sha256(text.encode()).hexdigest()
    line = json.loads(_prediction_line(text, sha, [(s, s + 2) for s in range(0, 40)] * 50))
    line["attributions"] = [{"speaker_name": "Babar", "contents": [{"text": "words not in the text"}]}]
    raw = json.dumps(line)
    (tmp_path / "pred.jsonl").write_text(raw + "\n", encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "doc.json").write_text(
        json.dumps(
            {"schema_version": "2.1", "document_id": "doc", "text_sha256": sha, "guidelines_version": "2.1",
             "annotators": ["t"], "officials": []}
        ),
        encoding="utf-8",
    )  # fmt: skip
    main(["bench", "--predictions", str(tmp_path / "pred.jsonl"), "--gold", str(gold),
          "--corpus", str(tmp_path / "corpus"), "--samples", "5", "--summary-only"])  # fmt: skip
    err = capsys.readouterr().err
    column = raw.index('"words not in the text"') + 1
    assert f"pred.jsonl:1:{column}: $.attributions[0].contents[0].text: [prediction-span-not-found]" in err


# ---------------------------------------------------------------------------------------- deep YAML


def _nested(depth: int) -> str:
    return "document_id: x\nofficials: " + "[" * depth + "]" * depth + "\n"


def test_nesting_is_refused_on_the_events_beyond_the_limit():
    check_yaml_events(_nested(MAX_DEPTH - 1))  # with the top-level mapping: exactly the limit
    with pytest.raises(ParseFailure) as caught:
        check_yaml_events(_nested(MAX_DEPTH))
    assert (caught.value.issue.code, caught.value.issue.line, caught.value.issue.column) == ("too-deep", 2, 111)


@pytest.mark.parametrize("command", ["migrate", "anchor"])
@pytest.mark.parametrize("shape", ["flow", "mapping", "block"])
def test_migrate_and_anchor_refuse_deep_yaml_with_its_place(tmp_path: Path, capsys, command: str, shape: str):
    if shape == "flow":
        text = _nested(100_000)  # 200 KB, deeper than libyaml's own limit
    elif shape == "mapping":
        text = "document_id: x\nofficials: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n"
    else:
        text = "document_id: x\nofficials:\n" + "".join("  " * (i + 1) + "-\n" for i in range(300)) + "  " * 301 + "1\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    args = [command, str(path)] + (["--corpus", str(CORPUS)] if command == "anchor" else [])
    assert main(args) == 1
    err = capsys.readouterr().err
    line = 2 if shape != "block" else MAX_DEPTH + 2  # where the nesting crosses the limit
    assert f"{path}:{line}:" in err and "[too-deep]" in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == text  # nothing written


# ----------------------------------------------------------------------------------- add: long texts


META = SeedMetadata(id="doc", source_file="doc.txt", source_sha256="0" * 64)
PIECES = ["a", "Z", " ", ".", ",", "“", "”", "’", "—", "é", "e\u0301", "\n", "\n\n", "\t", "\r", "\r\n", "\xa0",
          "U.S. ", "Mr. ", "can't ", "(", ")", "😀", "\ufeff", "\x85", "\u2028", "x" * 30]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_compact_segmentation_is_the_old_one(text: str):
    text = normalise(text.encode())[0]
    seg = segment(text)
    sentences, tokens = [], []
    for start, end in seg.paragraphs:
        found = before.sentences_and_tokens(text[start:end], start)
        sentences += found[0]
        tokens += found[1]
    assert list(seg.sentences) == sentences
    assert list(seg.tokens) == tokens


def _old_segmentation(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    sentences, tokens = [], []
    for start, end in segment(text).paragraphs:
        found = before.sentences_and_tokens(text[start:end], start)
        sentences += found[0]
        tokens += found[1]
    return sentences, tokens


_WORDS = ["Babar", "Mr", "U.S.", "(", ")", ".", "!", "?", ";", ",", "“", "”", "'", "No", "3", "Jan", "I", "II",
          "The", "However", "—", "e.g.", "[", "]", "...", "x", "12a"]  # fmt: skip
_PLAIN = ["babar", "met", "the", "minister", "Ruiz", "talks", "x", "7"]


@st.composite
def long_paragraphs(draw: st.DrawFn) -> str:
    """Runs of plain words (where a paragraph may be cut for syntok) between punctuation-heavy stretches."""
    parts = []
    for _ in range(draw(st.integers(1, 10))):
        size = (100, 400) if draw(st.booleans()) else (1, 40)
        pool = _PLAIN if size[0] == 100 else _WORDS
        parts.append(" ".join(draw(st.lists(st.sampled_from(pool), min_size=size[0], max_size=size[1]))))
        parts.append(draw(st.sampled_from([" ", ". ", "\n", " (", ") "])))
    return "".join(parts)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(long_paragraphs(), st.integers(50, 2000))
def test_a_long_paragraph_in_pieces_segments_as_a_whole(monkeypatch, text: str, piece: int):
    """syntok gets a long paragraph in pieces cut inside runs of plain words: the same sentences and tokens."""
    monkeypatch.setattr(segment_module, "PIECE", piece)
    seg = segment(text)
    assert (list(seg.sentences), list(seg.tokens)) == _old_segmentation(text)


def test_a_sentence_of_many_words_is_cut_and_joined(monkeypatch):
    text = " ".join(["Babar"] * 3000) + ". He left (at once) on Monday. " + " ".join(["Li"] * 2000) + ".\n"
    monkeypatch.setattr(segment_module, "PIECE", 2000)
    assert len(segment_module._cuts(text, 0, len(text) - 1)) > 5
    seg = segment(text)
    assert (list(seg.sentences), list(seg.tokens)) == _old_segmentation(text)
    assert len(seg.sentences) == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=120).map("".join))
def test_the_corpus_document_written_in_pieces_is_the_same_bytes(text: str):
    raw = ("\ufeff" + text).encode()
    if not normalise(raw)[0].strip():
        return
    assert document_json(raw, META) == serialise(make_document(raw, META))


def test_a_long_text_is_written_in_pieces_and_compared_in_pieces(tmp_path: Path, monkeypatch):
    # a paragraph far longer than syntok's piece, at a test's size: segmented in pieces as a long one is
    monkeypatch.setattr(segment_module, "PIECE", 2000)
    words = ("Babar met the minister. " * 2_000).encode()
    assert len(words) > 20 * segment_module.PIECE
    rendered = document_json(words, META)
    assert rendered == serialise(make_document(words, META))
    target = tmp_path / "doc.json"
    pieces = [rendered[i : i + 1000] for i in range(0, len(rendered), 1000)]
    write_atomic(target, iter(pieces))
    assert target.read_text(encoding="utf-8") == rendered
    assert same_content(target, pieces)
    assert not same_content(target, [*pieces[:-1], pieces[-1] + " "])
    assert not same_content(target, pieces[:-1])
    assert not same_content(tmp_path / "missing.json", pieces)


def test_add_of_a_long_text_builds_the_same_corpus_document(tmp_path: Path):
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    source = tmp_path / "long.txt"
    source.write_bytes(("Ruiz met Li in Geneva. He said “fine”.\r\n\r\n" * 3000).encode())
    assert main(["add", str(source), "--seeds", str(seeds), "--corpus", str(corpus)]) == 0
    meta = SeedMetadata.model_validate(yaml.safe_load((seeds / "long.meta.yaml").read_text(encoding="utf-8")))
    written = (corpus / "long.json").read_text(encoding="utf-8")
    assert written == serialise(make_document(source.read_bytes(), meta))
    assert json.loads(written)["normalisations"] == ["crlf"]
    assert main(["corpus", "build", "--check", "--seeds", str(seeds), "--corpus", str(corpus)]) == 0


# ------------------------------------------------------------------------------ duplicate seed texts


FIRST = b"Ruiz met Li.\nThey talked.\n"


@pytest.mark.parametrize(
    "variant",
    [b"\xef\xbb\xbf" + FIRST, FIRST.replace(b"\n", b"\r\n"), FIRST.replace(b"\n", b"\r")],
    ids=["bom", "crlf", "cr"],
)
def test_the_same_text_with_a_bom_crlf_or_cr_is_a_duplicate(tmp_path: Path, capsys, variant: bytes):
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    (tmp_path / "first.txt").write_bytes(FIRST)
    assert main(["add", str(tmp_path / "first.txt"), "--seeds", str(seeds), "--corpus", str(corpus)]) == 0
    (tmp_path / "again.txt").write_bytes(variant)
    capsys.readouterr()
    assert main(["add", str(tmp_path / "again.txt"), "--seeds", str(seeds), "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert "[seed-duplicate-text]" in err and "'first'" in err and "normalised" in err
    assert sorted(p.name for p in seeds.iterdir()) == ["first.meta.yaml", "first.txt"]


def test_an_nfd_spelling_of_a_text_is_a_duplicate_and_another_text_is_not(tmp_path: Path, capsys):
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    (tmp_path / "nfc.txt").write_text("José met Li.\n", encoding="utf-8")
    (tmp_path / "nfd.txt").write_text("Jose\u0301 met Li.\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("José met Wu.\n", encoding="utf-8")
    assert main(["add", str(tmp_path / "nfc.txt"), "--seeds", str(seeds), "--corpus", str(corpus)]) == 0
    assert main(["add", str(tmp_path / "nfd.txt"), "--seeds", str(seeds), "--corpus", str(corpus)]) == 1
    assert "normalised" in capsys.readouterr().err
    assert main(["add", str(tmp_path / "other.txt"), "--seeds", str(seeds), "--corpus", str(corpus)]) == 0


# ------------------------------------------------------------------------------------ brat round trip

_AWKWARD = ["\x85", "\x0c", "\x1c", "\x1d", "\u2028", "\u2029", "\t", "\x0b", "é", "😀", "\x7f", "\x9f"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_AWKWARD), st.sampled_from(_AWKWARD)), min_size=1, max_size=6))
def test_brat_round_trip_is_exact_for_any_character(tmp_path_factory, inserted):
    """Mentions holding control characters, NEL, LS and PS (``add`` accepts them all) come back exact."""
    root = tmp_path_factory.mktemp("brat")
    names = [f"Ana{a}Ruiz{b}Li" for a, b in inserted]
    text = "Talks: " + " and ".join(names) + " met.\n"
    write_corpus_document(root / "corpus", "doc", text)
    at, mentions = 0, []
    for name in names:
        at = text.index(name, at)
        mentions.append({"start": at, "end": at + len(name), "text": name, "form": "name"})
        at += len(name)
    document = {
        "schema_version": "2.1",
        "document_id": "doc",
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "guidelines_version": "2.1",
        "annotators": ["t"],
        "officials": [{"id": "ruiz", "name": "Ana Ruiz", "participation": "mentioned", "mentions": mentions}],
    }
    (root / "gold").mkdir()
    (root / "gold" / "doc.json").write_text(json.dumps(document), encoding="utf-8")
    corpus = root / "corpus"
    assert main(["export", "brat", "--out", str(root / "brat"), "--gold", str(root / "gold"),
                 "--corpus", str(corpus)]) == 0  # fmt: skip
    result = import_brat(root / "brat", corpus)
    assert not result.issues
    assert main(["import", "brat", str(root / "brat"), "--out", str(root / "back"), "--corpus", str(corpus)]) == 0
    (original,) = load_annotations(root / "gold", corpus)
    (back,) = load_annotations(root / "back", corpus)  # the written YAML reads back as what was imported
    assert back == original


@pytest.mark.parametrize("value", ["x\x85y", "a\u2028b", "a\u2029b", "it's \x85 'quoted'", "plain"])
def test_yaml_written_keeps_nel_and_line_separators(value: str):
    written = dump_round_trip({"text": value})
    assert parse_yaml(written) == {"text": value}  # libyaml (YAML 1.1) reads NEL, LS, PS as line breaks
    assert "\x85" not in written and "\u2028" not in written


def test_convert_reads_brat_lines_on_newlines_only(tmp_path: Path, capsys):
    text = "Ruiz met Li in Geneva.\n"
    write_corpus_document(tmp_path / "corpus", "doc", text)
    brat = tmp_path / "brat"
    brat.mkdir()
    (brat / "doc.txt").write_text(text, encoding="utf-8")
    # a text field holding LS and NEL (another tool's export): str.splitlines would cut the line there
    (brat / "doc.ann").write_text("T1\tMention 0 4\tRu\u2028iz\x85\nT2\tMention 9 11\tLi\n", encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    assert main(["convert", "--from", "brat", str(brat), "--corpus", str(tmp_path / "corpus"), "--out", str(out)]) == 0
    (line,) = out.read_text(encoding="utf-8").splitlines()
    mentions = [m for o in json.loads(line)["officials"] for m in o["mentions"]]
    assert sorted((m["start"], m["end"]) for m in mentions) == [(0, 4), (9, 11)]
