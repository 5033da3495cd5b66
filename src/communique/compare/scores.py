"""The score formulas shared by the benchmark and agreement between passes: scores derived from counts.

Families (each score is reported with its counts):

``semeval``   SemEval-2013 / nervaluate: COR, INC, PAR, MIS, SPU; POS = COR+INC+PAR+MIS,
              ACT = COR+INC+PAR+SPU; P = credit/ACT, R = credit/POS, credit = COR (+ 0.5 PAR for partial).
``prf``       TP, FP, FN; P = TP/(TP+FP), R = TP/(TP+FN).
``accuracy``  correct / total, on matched pairs.
``ceaf``      CEAF-e: phi4 summed over aligned entity pairs; P = phi/#predicted, R = phi/#gold entities.

F1 is 2·credit/(POS+ACT) (for ``prf`` 2·TP/(2·TP+FP+FN)), which equals the harmonic mean of P and R.

Zero division (:data:`ZERO_DIVISION`): a ratio whose denominator is 0 is undefined, reported as ``null``
(``n/a`` in tables); it is never silently 0 or 1. The formulas work on numbers and on numpy arrays alike, so
the bootstrap evaluates them on all resamples at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import numpy as np

__all__ = ["COUNT_KEYS", "FAMILIES", "PARTIAL_CREDIT", "ZERO_DIVISION", "Number", "family_scores"]

ZERO_DIVISION = (
    "a ratio with a zero denominator (0/0) is undefined: null in JSON, n/a in tables; F1 = "
    "2*credit/(POS+ACT), so it is 0, not undefined, when only one side is empty; macro averages "
    "leave out types whose F1 is undefined; bootstrap intervals use the resamples where it is defined"
)
PARTIAL_CREDIT = 0.5

FAMILIES: dict[str, tuple[str, ...]] = {
    "semeval": ("cor", "inc", "par", "mis", "spu"),
    "prf": ("tp", "fp", "fn"),
    "accuracy": ("correct", "total"),
    "ceaf": ("phi4", "gold", "pred"),
}

#: derived values that are counts, not scores
COUNT_KEYS = frozenset({"possible", "actual", "gold", "pred"})


#: a count or score: one number, or one per resample (an array)
Number: TypeAlias = "float | np.ndarray"


def _div(a: Number, b: Number) -> Number:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(b) == 0, np.nan, np.asarray(a, dtype=float) / np.where(np.asarray(b) == 0, 1, b))


def family_scores(family: str, c: Mapping[str, Number], partial: bool = False) -> dict[str, Number]:
    """The scores of a family (:data:`FAMILIES`) from its counts ``c``; undefined values are NaN. The
    benchmark's metrics (:mod:`communique.bench.metrics`) and agreement between annotation passes
    (:mod:`communique.compare.agreement`) use these same formulas."""
    if family == "semeval":
        pos = c["cor"] + c["inc"] + c["par"] + c["mis"]
        act = c["cor"] + c["inc"] + c["par"] + c["spu"]
        credit = c["cor"] + (PARTIAL_CREDIT * c["par"] if partial else 0)
        return {
            "possible": pos,
            "actual": act,
            "precision": _div(credit, act),
            "recall": _div(credit, pos),
            "f1": _div(2 * credit, pos + act),
        }
    if family == "prf":
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        return {
            "gold": tp + fn,
            "pred": tp + fp,
            "precision": _div(tp, tp + fp),
            "recall": _div(tp, tp + fn),
            "f1": _div(2 * tp, 2 * tp + fp + fn),
        }
    if family == "accuracy":
        return {"accuracy": _div(c["correct"], c["total"])}
    if family == "ceaf":
        return {
            "precision": _div(c["phi4"], c["pred"]),
            "recall": _div(c["phi4"], c["gold"]),
            "f1": _div(2 * c["phi4"], c["gold"] + c["pred"]),
        }
    raise ValueError(f"unknown family {family!r}")
