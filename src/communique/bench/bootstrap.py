"""Paired bootstrap over resampling units (Koehn 2004; Berg-Kirkpatrick et al. 2012).

Units (documents, or the sections of a single document) are drawn with replacement; every metric is
recomputed from the summed counts of each resample. Intervals are percentile intervals. To compare two
systems, both are resampled with the *same* draws and the difference recomputed each time; the p-value is
the share of resamples whose difference is more than twice the observed one (in the observed direction),
the test of Berg-Kirkpatrick et al. The seed is fixed, so every run prints the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from communique.bench.metrics import OVERALL, Metric, Table, compute, main_value
from communique.compare.scores import FAMILIES

__all__ = ["CONFIDENCE", "SAMPLES", "SEED", "Resamples", "difference", "interval"]

SAMPLES = 1000
SEED = 20130614  # any fixed number: the results must not change from run to run
CONFIDENCE = 0.95
BATCH = 100  # resamples whose weights are held in memory at once


@dataclass(frozen=True)
class Resamples:
    """How often each unit is drawn in each resample.

    The ``samples x units`` weights are drawn in batches and multiplied with the counts at once, so
    memory holds one batch of weights and the ``samples x keys`` sums, whatever the number of units.
    """

    units: tuple[str, ...]
    samples: int = SAMPLES
    seed: int = SEED
    _sums: dict[int, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def draw(cls, units: Sequence[str], samples: int = SAMPLES, seed: int = SEED) -> Resamples:
        return cls(tuple(units), samples, seed)

    def weights(self) -> Iterator[np.ndarray]:
        """The weights, a batch of resamples at a time (the same batches on every call)."""
        rng = np.random.default_rng(self.seed)
        n = len(self.units)
        for start in range(0, self.samples, BATCH):
            size = min(BATCH, self.samples - start)
            draws = rng.integers(0, max(n, 1), size=(size, n))
            yield np.stack([np.bincount(row, minlength=n) for row in draws]).astype(float) if n else np.zeros((size, 0))

    def sums(self, table: Table) -> np.ndarray:
        """Summed counts of every resample: ``samples x keys`` (cached per table)."""
        if id(table) not in self._sums:
            matrix = table.matrix(list(self.units))
            self._sums[id(table)] = (
                np.vstack([w @ matrix for w in self.weights()]) if self.samples else np.zeros((0, len(table.keys)))
            )
        return self._sums[id(table)]

    def values(self, table: Table, metric: Metric) -> np.ndarray:
        """The metric's main value (F1 or accuracy) on every resample; NaN where undefined."""
        sums = self.sums(table)
        counts = {name: sums[:, table.index[f"{metric.key}|{OVERALL}|{name}"]] for name in FAMILIES[metric.family]}
        return np.asarray(compute(metric, counts)[main_value(metric)], dtype=float)


def interval(values: np.ndarray, confidence: float = CONFIDENCE) -> list[float] | None:
    """Percentile interval of the defined values; ``None`` when no resample defines the value."""
    defined = values[~np.isnan(values)]
    if not defined.size:
        return None
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(defined, [tail, 100 - tail])
    return [float(lo), float(hi)]


def difference(
    observed_a: float | None,
    observed_b: float | None,
    values_a: np.ndarray,
    values_b: np.ndarray,
    confidence: float = CONFIDENCE,
) -> dict[str, float | list[float] | str | None]:
    """Paired comparison of B against A: the observed difference, its interval and the p-value."""
    if observed_a is None or observed_b is None:
        return {"delta": None, "ci95": None, "p_value": None, "better": None, "resamples": 0}
    delta = observed_b - observed_a
    both = ~(np.isnan(values_a) | np.isnan(values_b))
    deltas = values_b[both] - values_a[both]
    if not deltas.size:
        return {"delta": delta, "ci95": None, "p_value": None, "better": None, "resamples": 0}
    if delta > 0:
        p, better = float(np.mean(deltas > 2 * delta)), "B"
    elif delta < 0:
        p, better = float(np.mean(deltas < 2 * delta)), "A"
    else:
        p, better = 1.0, None  # no observed difference: nothing to test
    return {
        "delta": delta,
        "ci95": interval(deltas, confidence),
        "p_value": p,
        "better": better,
        "resamples": int(deltas.size),
    }
