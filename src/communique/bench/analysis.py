"""Scores below the corpus level: per document and per section, and over confidence thresholds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from communique.bench.metrics import FAMILIES, METRICS, OVERALL, compute, main_value

__all__ = ["SWEEP", "document_scores", "scores_of", "sweep_report"]

#: confidence thresholds of the sweep: 0, 0.05, ..., 1
SWEEP: tuple[float, ...] = tuple(round(i * 0.05, 2) for i in range(21))


def _value(value: Any) -> float | None:
    number = float(value)
    return None if number != number else number


def scores_of(totals: Mapping[str, float], values: tuple[str, ...] = ("precision", "recall")) -> dict[str, Any]:
    """Every metric's main value (F1 or accuracy), with ``values`` too where the metric has them."""
    out: dict[str, Any] = {}
    for metric in METRICS:
        counts = {name: totals.get(f"{metric.key}|{OVERALL}|{name}", 0.0) for name in FAMILIES[metric.family]}
        scores = compute(metric, counts)
        main = main_value(metric)
        out[metric.key] = {
            **{k: _value(scores[k]) for k in values if k in scores},
            main: _value(scores[main]),
        }
    return out


def document_scores(document_id: str, sections: Mapping[str, Counter[str]]) -> dict[str, Any]:
    """The scores of one document, and of each of its sections (units as in the bootstrap)."""
    total: Counter[str] = Counter()
    for counts in sections.values():
        total.update(counts)
    return {
        "document_id": document_id,
        "scores": scores_of(total),
        "sections": {
            unit: {k: v[main_value(m)] for (k, v), m in zip(scores_of(counts, ()).items(), METRICS)}
            for unit, counts in sorted(sections.items())
        },
    }


def sweep_report(sweep: Mapping[float, Counter[str]] | None, floor: float | None) -> dict[str, Any] | None:
    """The precision-recall sweep over confidence thresholds (``None`` when no prediction has a confidence).

    At each threshold the items below it are dropped and everything is scored again; a threshold below
    ``--min-confidence`` is not swept."""
    if not sweep:
        return None
    return {
        "thresholds": [t for t in SWEEP if t in sweep],
        "rule": "items whose confidence is below the threshold are dropped; items without one are kept",
        "min_confidence": floor,
        "points": [{"threshold": t, "metrics": scores_of(sweep[t])} for t in SWEEP if t in sweep],
    }
