"""Paired approximate randomisation (Noreen 1989; Riezler and Maxwell 2005) for ``bench --compare``.

Under the null hypothesis the two systems are exchangeable on every resampling unit: each shuffle swaps
the counts of A and B on a random half of the units, and the metric is recomputed from the summed counts.
The p-value is ``(r + 1) / (R + 1)``, where ``r`` of ``R`` shuffles give an absolute difference at least
as large as the observed one. With few units there are few distinct shuffles (``2**n``), so the test
cannot reach small p-values; :func:`comparison_warnings` says so.
"""

from __future__ import annotations

import numpy as np

from communique.bench.metrics import OVERALL, Metric, Table, compute, main_value
from communique.compare.scores import FAMILIES

__all__ = ["MIN_UNITS", "RANDOMISATION", "comparison_warnings", "randomisation_p"]

#: fewer resampling units than this make both tests unreliable
MIN_UNITS = 10
RANDOMISATION = (
    "paired approximate randomisation: each shuffle swaps A's and B's counts on a random half of the units; "
    "p = (1 + shuffles whose |delta| >= |observed delta|) / (1 + shuffles), two-sided"
)


def _values(sums: np.ndarray, table: Table, metric: Metric) -> np.ndarray:
    counts = {name: sums[..., table.index[f"{metric.key}|{OVERALL}|{name}"]] for name in FAMILIES[metric.family]}
    return np.asarray(compute(metric, counts)[main_value(metric)], dtype=float)


def randomisation_p(a: Table, b: Table, units: list[str], metric: Metric, shuffles: int, seed: int) -> float | None:
    """The two-sided p-value of B's difference from A on ``metric``; ``None`` when it is undefined."""
    ma, mb = a.matrix(units), b.matrix(units)
    observed = float(_values(mb.sum(axis=0), b, metric) - _values(ma.sum(axis=0), a, metric))
    if observed != observed:
        return None
    rng = np.random.default_rng(seed)
    swap = rng.integers(0, 2, size=(shuffles, len(units))).astype(float)  # 1: the unit's counts change sides
    diff = mb - ma
    # B' - A' = sum(B - A) - 2 * sum over swapped units (B - A), computed per key; the metric needs A' and B'
    sums_a = ma.sum(axis=0) + swap @ diff
    sums_b = mb.sum(axis=0) - swap @ diff
    deltas = _values(sums_b, b, metric) - _values(sums_a, a, metric)
    defined = deltas[~np.isnan(deltas)]
    hits = int(np.sum(np.abs(defined) >= abs(observed) - 1e-12))
    return float((hits + 1) / (defined.size + 1))


def comparison_warnings(units: int) -> list[str]:
    """Warnings about a comparison on ``units`` resampling units (empty when there are enough)."""
    if units >= MIN_UNITS:
        return []
    return [
        f"only {units} resampling unit(s): fewer than {MIN_UNITS}; the bootstrap interval and both p-values are "
        f"unreliable (at most {2**units} distinct randomisations; a p-value below {1 / 2**units:.3g} cannot be "
        "trusted)"
    ]
