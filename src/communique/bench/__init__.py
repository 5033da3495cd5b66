"""Benchmark harness: score any extractor's predictions against the gold.

>>> from communique import bench
>>> result = bench.score("annotations/gold", "predictions.jsonl")      # doctest: +SKIP
>>> result.headline["quotes.attributed"]                                # doctest: +SKIP

Predictions are JSON Lines, one :class:`PredictedDocument` per line (a lenient variant of the gold
annotation document: offsets or text alone, officials by id or by name). See the README for the report.

Names are imported on first use, so ``communique validate`` does not pay for numpy and scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .metrics import METRICS, ZERO_DIVISION
    from .models import PredictedDocument
    from .predictions import PredictionSet, parse_predictions, read_predictions
    from .scoring import REPORT_VERSION, BenchResult, Comparison, compare, score

_WHERE = {
    "METRICS": "metrics", "ZERO_DIVISION": "metrics", "PredictedDocument": "models",
    "PredictionSet": "predictions", "parse_predictions": "predictions", "read_predictions": "predictions",
    "REPORT_VERSION": "scoring", "BenchResult": "scoring", "Comparison": "scoring", "compare": "scoring",
    "score": "scoring",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
