"""The bench anchor: nervaluate against communique's mention scorer on identical inputs.

Both get the same mention spans of every document (gold annotation files and the gold-shaped predictions);
both compute the four SemEval-2013 schemas. Only the scoring is timed, not reading the files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


def _mentions(doc: dict) -> list[tuple[int, int, str]]:
    return sorted((m["start"], m["end"], m["form"]) for o in doc.get("officials", []) for m in o["mentions"])


def load(
    annotations: Path, predictions: Path
) -> tuple[list[list[tuple[int, int, str]]], list[list[tuple[int, int, str]]]]:
    gold = {}
    for path in sorted(annotations.glob("*.json")):
        doc = json.loads(path.read_bytes())
        gold[doc["document_id"]] = _mentions(doc)
    pred = {}
    with predictions.open("rb") as handle:
        for line in handle:
            if line.strip():
                doc = json.loads(line)
                pred[doc["document_id"]] = _mentions(doc)
    ids = sorted(gold)
    return [gold[i] for i in ids], [pred.get(i, []) for i in ids]


def nervaluate_seconds(annotations: Path, predictions: Path) -> float:
    from nervaluate import Evaluator

    gold, pred = load(annotations, predictions)
    # nervaluate's end offsets are inclusive: pass end - 1 for half-open spans
    true = [[{"label": f, "start": s, "end": e - 1} for s, e, f in doc] for doc in gold]
    guess = [[{"label": f, "start": s, "end": e - 1} for s, e, f in doc] for doc in pred]
    start = time.perf_counter()
    Evaluator(true, guess, tags=["name", "nominal", "pronoun"], loader="dict").evaluate()
    return time.perf_counter() - start


def communique_seconds(annotations: Path, predictions: Path) -> float:
    from communique.bench.counting import _mentions as score_mentions
    from communique.bench.metrics import Tally
    from communique.compare.annotations import Annotations, Extent, MentionItem

    gold, pred = load(annotations, predictions)

    def side(doc_id: str, spans: list[tuple[int, int, str]]) -> Annotations:
        return Annotations(doc_id, mentions=[MentionItem(Extent(s, e, ""), f, "x") for s, e, f in spans])

    sides = [(side(str(i), g), side(str(i), p)) for i, (g, p) in enumerate(zip(gold, pred, strict=True))]
    tally = Tally()
    start = time.perf_counter()
    for g, p in sides:
        score_mentions(g, p, lambda _start: "unit", tally)
    return time.perf_counter() - start
