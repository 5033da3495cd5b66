"""Benchmark harness: score any extractor's predictions against the gold.

>>> from communique import bench
>>> result = bench.score("annotations/gold", "predictions.jsonl")      # doctest: +SKIP
>>> result.headline["attributions.attributed"]                      # doctest: +SKIP

Predictions are JSON Lines, one :class:`PredictedDocument` per line (a lenient variant of the gold
annotation document: offsets or text alone, officials by id or by name). See the README for the report.

Names are imported on first use, so ``communique validate`` does not pay for numpy and scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from communique.bench.metrics import METRICS
    from communique.bench.predictions import PredictionSet, parse_predictions, read_predictions
    from communique.bench.scoring import REPORT_VERSION, BenchResult, Comparison, compare, score
    from communique.compare.scores import ZERO_DIVISION
    from communique.schema.predictions import PredictedDocument

_WHERE = {
    "METRICS": "communique.bench.metrics",
    "ZERO_DIVISION": "communique.compare.scores",
    "PredictedDocument": "communique.schema.predictions",
    "PredictionSet": "communique.bench.predictions",
    "parse_predictions": "communique.bench.predictions",
    "read_predictions": "communique.bench.predictions",
    "REPORT_VERSION": "communique.bench.scoring",
    "BenchResult": "communique.bench.scoring",
    "Comparison": "communique.bench.scoring",
    "compare": "communique.bench.scoring",
    "score": "communique.bench.scoring",
}
__all__ = [
    "METRICS",
    "REPORT_VERSION",
    "ZERO_DIVISION",
    "BenchResult",
    "Comparison",
    "PredictedDocument",
    "PredictionSet",
    "compare",
    "parse_predictions",
    "read_predictions",
    "score",
]


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
