"""One-to-one alignment of two sets of items by maximum-weight matching.

Span arithmetic (overlap, IoU, equality) lives with the spans, in :mod:`communique.compare.annotations`.

Greedy matching depends on the order of the items and is not optimal (see ../shared notes on
nervaluate); the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) is both. Ties are broken
by a tiny preference for pairs that are close in the input order of *sorted* items, so the result never
depends on the order in which items were listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

A = TypeVar("A")
B = TypeVar("B")


def align(left: Sequence[A], right: Sequence[B], weight: Callable[[A, B], float]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of a maximum-weight one-to-one matching; pairs of weight <= 0 are left out.

    Callers pass items in a canonical (sorted) order; within that, the optimum is unique up to ties, and
    ties go to the pair with the smaller index distance.
    """
    if not left or not right:
        return []
    return assign(np.array([[weight(a, b) for b in right] for a in left], dtype=float))


def assign(scores: np.ndarray) -> list[tuple[int, int]]:
    """:func:`align` on a matrix of weights already computed (row ``i``, column ``j``), so that a caller
    holding the weights does not pay one Python call per cell."""
    if not scores.size:
        return []
    rows, cols = scores.shape
    eps = 1e-9 / (rows + cols)
    tie_break = -eps * np.abs(np.subtract.outer(np.arange(rows), np.arange(cols)))
    chosen = linear_sum_assignment(np.where(scores > 0, scores + tie_break, 0.0), maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(*chosen) if scores[i, j] > 0)
