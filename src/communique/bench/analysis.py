"""Scores below the corpus level: per document and per section, and over confidence thresholds.

Only the overall counts of each metric are kept per section (a short vector), and the scores of all
documents and sections are computed at once, one formula call per metric over a matrix of counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np

from communique.bench.metrics import METRICS, OVERALL, compute, main_value
from communique.compare.scores import FAMILIES
from communique.schema.jsontypes import JsonObject

__all__ = ["KEYS", "SWEEP", "overall_vector", "per_document", "sweep_report"]

#: confidence thresholds of the sweep: 0, 0.05, ..., 1
SWEEP: tuple[float, ...] = tuple(round(i * 0.05, 2) for i in range(21))
#: the overall count keys of every metric, in the order of :func:`overall_vector`
KEYS: tuple[str, ...] = tuple(f"{m.key}|{OVERALL}|{c}" for m in METRICS for c in FAMILIES[m.family])
_INDEX = {k: i for i, k in enumerate(KEYS)}


def overall_vector(counts: Mapping[str, float]) -> np.ndarray:
    """The overall counts of every metric in ``counts`` (a unit's counter), as a vector over :data:`KEYS`."""
    return np.array([counts.get(k, 0.0) for k in KEYS], dtype=float)


#: metric key -> score name -> score (None where undefined)
Scores: TypeAlias = dict[str, dict[str, float | None]]


def _score_rows(matrix: np.ndarray, values: tuple[str, ...]) -> list[Scores]:
    """Per row of counts: every metric's main value, with ``values`` (precision, recall) where it has them."""
    columns: dict[str, dict[str, list[float | None]]] = {}
    for metric in METRICS:
        counts = {c: matrix[:, _INDEX[f"{metric.key}|{OVERALL}|{c}"]] for c in FAMILIES[metric.family]}
        scores = compute(metric, counts)
        wanted = [k for k in values if k in scores] + [main_value(metric)]
        # each column as Python floats at once (what _value gives element by element), NaN as None
        columns[metric.key] = {
            k: [None if x != x else x for x in np.asarray(scores[k], dtype=float).tolist()] for k in wanted
        }
    return [
        {key: {k: v[row] for k, v in found.items()} for key, found in columns.items()} for row in range(matrix.shape[0])
    ]


def per_document(documents: Sequence[tuple[str, Mapping[str, np.ndarray]]]) -> list[JsonObject]:
    """The scores of each document, and the defined scores of each of its sections (units as in the bootstrap)."""
    rows: list[np.ndarray] = []
    for _, sections in documents:
        rows.append(sum(sections.values(), np.zeros(len(KEYS))))
        rows.extend(sections[unit] for unit in sorted(sections))
    scored = _score_rows(np.vstack(rows), ("precision", "recall")) if rows else []
    out: list[JsonObject] = []
    at = 0
    for document_id, sections in documents:
        by_section: dict[str, dict[str, float]] = {}
        for offset, unit in enumerate(sorted(sections), start=1):
            # only the scores defined in the section: most sections hold no item of some layers (0/0), and
            # listing those as null would make the report grow by a kilobyte per section
            values = ((m.key, scored[at + offset][m.key][main_value(m)]) for m in METRICS)
            by_section[unit] = {key: value for key, value in values if value is not None}
        out.append({"document_id": document_id, "scores": scored[at], "sections": by_section})
        at += 1 + len(sections)
    return out


def sweep_report(sweep: Mapping[float, Counter[str]] | None, floor: float | None) -> JsonObject | None:
    """The precision-recall sweep over confidence thresholds (``None`` when no prediction has a confidence).

    At each threshold the items below it are dropped and everything is scored again; a threshold below
    ``--min-confidence`` is not swept."""
    if not sweep:
        return None
    thresholds = [t for t in SWEEP if t in sweep]
    scored = _score_rows(np.vstack([overall_vector(sweep[t]) for t in thresholds]), ("precision", "recall"))
    return {
        "thresholds": thresholds,
        "rule": "items whose confidence is below the threshold are dropped; items without one are kept",
        "min_confidence": floor,
        "points": [{"threshold": t, "metrics": s} for t, s in zip(thresholds, scored)],
    }
