"""The fast paths of bench (issue 19) agree with the slow paths they skip: anchored spans with the resolver,
pairs that share no item with the grouped assignment, whole counts added at once with one add each,
attribution matchings over shared facts with :func:`match`, and a prediction line parsed once strictly
with its strict parse."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.annotate.anchor import anchored
from communique.annotate.walk import SpanNode, walk
from communique.bench.counting import _add_filed, _correct_facts, _correct_pairs
from communique.bench.metrics import Tally
from communique.bench.predictions import (
    PredictionStream,
    _anchor,
    _Exact,
    _Placed,
    parse_predictions,
    read_predictions,
)
from communique.compare.annotations import Extent, from_gold, iou, overlap_all, same
from communique.compare.matching import _assign, overlapping
from communique.compare.officials import align_officials
from communique.corpus.store import CorpusStore
from communique.schema.predictions import PredictedDocument

from .conftest import CORPUS, DOC_ID
from .test_bench_properties import GOLD_DATA, GOLD_MODEL, TEXT, predictions

FAST = settings(max_examples=40, deadline=None)


def _span_nodes(data: dict[str, Any]) -> list[SpanNode]:
    return [n for n in walk(PredictedDocument, data) if isinstance(n, SpanNode) and isinstance(n.value, dict)]


@FAST
@given(predictions())
def test_an_anchored_span_is_placed_as_the_resolver_places_it(data: dict[str, Any]):
    # the fast path of bench's span loop: offsets that agree with the text, placed without the resolver
    nodes = _span_nodes(data)
    fast = [n for n in nodes if anchored(TEXT, n.value)]  # type: ignore[arg-type]
    for node in fast:
        span: dict[str, Any] = node.value  # type: ignore[assignment]
        issues: list[Any] = []
        slow = _anchor(_Exact(TEXT), span, node.path, issues)
        assert slow == _Placed(Extent(span["start"], span["end"], span["text"]), "offsets")
        assert issues == []


def test_every_span_of_the_gold_as_a_prediction_takes_the_fast_path():
    # the gold's annotators wrote selectors (occurrence, prefix, suffix) beside offsets: such a span has them
    # checked by the resolver; without them every span of the gold takes the fast path
    selectors = ("occurrence", "prefix", "suffix")
    spans: list[dict[str, Any]] = [n.value for n in _span_nodes(GOLD_DATA)]  # type: ignore[misc]
    assert len(spans) > 100
    assert all(anchored(TEXT, {k: v for k, v in span.items() if k not in selectors}) for span in spans)
    assert not any(anchored(TEXT, span) for span in spans if any(k in span for k in selectors))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 7900), st.integers(1, 30), st.sampled_from(["exact", "leading", "trailing", "both"]))
def test_a_span_with_edge_whitespace_takes_the_resolver(start: int, size: int, edges: str):
    # spans the fast path leaves to the resolver still get their offsets from it, with the same extent type
    end = min(start + size, len(TEXT))
    if edges in ("leading", "both"):
        while start > 0 and not TEXT[start].isspace():
            start -= 1
    if edges in ("trailing", "both"):
        while end < len(TEXT) and not TEXT[end - 1].isspace():
            end += 1
    span = {"start": start, "end": end, "text": TEXT[start:end]}
    edged = TEXT[start].isspace() or TEXT[end - 1].isspace()
    assert anchored(TEXT, span) is (not edged and start < end)
    placed = _anchor(_Exact(TEXT), span, ("x",), [])
    if start < end:
        assert placed == _Placed(Extent(start, end, TEXT[start:end]), "offsets")


def _best(pairs: list[tuple[int, int]], weights: list[float]) -> float:
    """The weight of a maximum-weight matching, by trying every set of pairs (a few pairs only)."""
    best = 0.0
    for size in range(1, len(pairs) + 1):
        for chosen in itertools.combinations(range(len(pairs)), size):
            rows = {pairs[k][0] for k in chosen}
            cols = {pairs[k][1] for k in chosen}
            if len(rows) == len(cols) == size:
                best = max(best, sum(weights[k] for k in chosen if weights[k] > 0))
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from([0.0, 1.0, 2.5, 3.0])),
        max_size=8,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_assignment_with_and_without_shared_items_is_optimal(drawn: list[tuple[int, int, float]]):
    pairs = [(i, j) for i, j, _ in drawn]
    weights = [w for _, _, w in drawn]
    found = _assign(np.array(pairs, dtype=np.int64).reshape(len(pairs), 2), np.array(weights))
    assert len({i for i, _ in found}) == len(found) == len({j for _, j in found})  # one-to-one
    weight_of = dict(zip(pairs, weights))
    assert all(weight_of[p] > 0 for p in found)
    assert sum(weight_of[p] for p in found) == _best(pairs, weights)
    if len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs}):  # the fast path: all positive
        assert sorted(found) == sorted(p for p in pairs if weight_of[p] > 0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["tp", "fn", "fp"]), st.sampled_from(["direct", None])))
)
def test_whole_counts_added_at_once_equal_one_add_each(outcomes: list[tuple[str, str, str | None]]):
    one_by_one, at_once = Tally(), Tally()
    for unit, count, type_ in outcomes:
        one_by_one.add(unit, "attributions.attributed", count, type_=type_)
    _add_filed(at_once, "attributions.attributed", Counter(outcomes))
    assert list(at_once.units) == list(one_by_one.units)  # the units first met in the same order
    assert at_once.units == one_by_one.units


@FAST
@given(predictions())
def test_attribution_matchings_over_shared_facts_are_those_of_match(data: dict[str, Any]):
    pred = parse_predictions([data], CORPUS).documents[DOC_ID]
    gold = from_gold(GOLD_MODEL, TEXT)
    officials = align_officials(gold, pred)
    golds, preds = gold.attributions, pred.attributions
    near = overlapping([g.contents for g in golds], [p.contents for p in preds])

    def source_ok(g: Any, p: Any) -> bool:
        from communique.bench.counting import source_correct

        return source_correct(g, p, officials)

    facts = {
        (i, j): (
            overlap_all(golds[i].contents, preds[j].contents) > 0,
            same(golds[i].contents, preds[j].contents),
            source_ok(golds[i], preds[j]),
            iou(golds[i].contents, preds[j].contents),
        )
        for i, j in near
    }
    criteria = [
        (lambda ov, st_, src: ov and src, lambda g, p: overlap_all(g.contents, p.contents) > 0 and source_ok(g, p)),
        (lambda ov, st_, src: st_ and src, lambda g, p: same(g.contents, p.contents) and source_ok(g, p)),
        (lambda ov, st_, src: st_, lambda g, p: same(g.contents, p.contents)),
        (lambda ov, st_, src: ov, lambda g, p: overlap_all(g.contents, p.contents) > 0),
    ]
    for by_facts, by_items in criteria:
        slow = _correct_pairs(golds, preds, by_items, lambda g, p: iou(g.contents, p.contents), near)
        assert _correct_facts(golds, preds, facts, by_facts) == slow


def test_a_line_parsed_strictly_by_the_scan_reads_as_the_whole_file_does(tmp_path):
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps(GOLD_DATA, ensure_ascii=False) + "\n", encoding="utf-8")
    stream = PredictionStream(path, CorpusStore(CORPUS))
    assert stream.digests.keys() == {DOC_ID}
    read = stream.read(DOC_ID)
    whole = read_predictions(path, CORPUS)
    assert not read.issues and read.documents == whole.documents and DOC_ID in read.documents
    assert read.anchoring == whole.anchoring and sum(read.anchoring.values()) > 0


def test_a_line_changed_after_the_scan_is_parsed_strictly_again(tmp_path):
    # the scan's digest vouches only for the bytes it parsed: a line rewritten in between (here with a
    # duplicate key, which plain json.loads would accept) is refused as the strict parse refuses it
    path = tmp_path / "pred.jsonl"
    line = json.dumps(GOLD_DATA, ensure_ascii=False)
    path.write_text(line + "\n", encoding="utf-8")
    stream = PredictionStream(path, CorpusStore(CORPUS))
    path.write_text('{"annotators": [], "annotators": [], ' + line[1:] + "\n", encoding="utf-8")
    read = stream.read(DOC_ID)
    assert DOC_ID not in read.documents
    assert [i.code for i in read.errors] == ["json-syntax"] and "duplicate key" in read.errors[0].message
