"""The metrics: what is counted, and the scores derived from the counts.

Counting and scoring are kept apart (as in spaCy's scorer): scoring a document only adds counts to a
:class:`Tally`, filed under the resampling unit they belong to; every score is a formula over summed
counts, one of the families of :mod:`communique.compare.scores` (semeval, prf, accuracy, ceaf), shared with
agreement between annotation passes. The formulas work on numbers and on numpy arrays alike, so the
bootstrap evaluates them on all resamples at once.

Zero division (:data:`ZERO_DIVISION`): a ratio whose denominator is 0 is undefined, reported as ``null``
(``n/a`` in tables); it is never silently 0 or 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from communique.compare.scores import FAMILIES, Number, family_scores
from communique.schema.models import (
    AttributionKind,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    SourceType,
    SpeechAct,
    StanceKind,
    labels,
)

__all__ = ["METRICS", "Metric", "Table", "Tally", "all_keys", "compute", "main_value"]

#: the type predictions without a label are filed under in per-type tables
UNTYPED = "untyped"


@dataclass(frozen=True)
class Metric:
    key: str  # "layer.name": a stable key of the JSON report
    family: str
    description: str
    types: tuple[str, ...] = ()  # labels with a per-type table (plus UNTYPED when it occurs)
    partial: bool = False  # semeval partial: half credit for PAR
    headline: bool = False

    @property
    def layer(self) -> str:
        return self.key.split(".", 1)[0]


FORMS, ATTRIBUTION_KINDS = tuple(labels(MentionForm)), tuple(labels(AttributionKind))
SPEECH_ACTS, SOURCE_TYPES, MODES = tuple(labels(SpeechAct)), tuple(labels(SourceType)), tuple(labels(MeetingMode))
STATUSES, COMMITMENT_KINDS = tuple(labels(MeetingStatus)), tuple(labels(CommitmentKind))
STANCE_KINDS = tuple(labels(StanceKind))


def _act_metrics(layer: str, kinds: tuple[str, ...], what: str) -> tuple[Metric, ...]:
    """The metrics of a layer of acts (commitments, stances): scored alike, each layer with its own headline."""
    return (
        Metric(f"{layer}.identification", "prf", f"{what} matched by evidence overlap", headline=True),
        Metric(f"{layer}.kind", "prf", f"{what[:-1]} kind on matched {what}", kinds),
        Metric(
            f"{layer}.actors",
            "prf",
            f"{what[:-1]} actors on matched {what}: the set of resolved officials is the gold set",
        ),
        Metric(f"{layer}.actor_overlap", "prf", f"{what[:-1]} actors, one argument per official (partial credit)"),
        Metric(f"{layer}.content_strict", "prf", f"{what[:-1]} content: same offsets"),
        Metric(f"{layer}.content_overlap", "prf", f"{what[:-1]} content: overlap"),
        Metric(f"{layer}.time_strict", "prf", f"{what[:-1]} time: same offsets"),
        Metric(f"{layer}.time_overlap", "prf", f"{what[:-1]} time: overlap"),
    )


METRICS: tuple[Metric, ...] = (
    Metric("mentions.strict", "semeval", "mentions, strict: same offsets and same form", FORMS, headline=True),
    Metric("mentions.exact", "semeval", "mentions, exact: same offsets, any form", FORMS),
    Metric(
        "mentions.partial",
        "semeval",
        "mentions, partial: same offsets, or overlap for half credit",
        FORMS,
        partial=True,
    ),
    Metric("mentions.type", "semeval", "mentions, type: overlap and same form", FORMS),
    Metric(
        "officials.ceaf_e", "ceaf", "officials as clusters of mentions: CEAF-e (phi4, exact mentions)", headline=True
    ),
    Metric(
        "attributions.attributed",
        "prf",
        "attributions: contents overlap and the source is right (official, non-official source, or unresolved)",
        ATTRIBUTION_KINDS,
        headline=True,
    ),
    Metric("attributions.attributed_strict", "prf", "attributions: same content spans and the source is right"),
    Metric("attributions.identification", "prf", "attributions found: contents overlap"),
    Metric("attributions.content_strict", "prf", "attribution contents: same spans (quotation marks ignored)"),
    Metric("attributions.cue", "accuracy", "cue accuracy on attributions matched by content overlap: same cue spans"),
    Metric("attributions.kind", "accuracy", "kind accuracy on attributions matched by content overlap"),
    Metric(
        "attributions.speech_act",
        "accuracy",
        "speech-act (Searle class) accuracy on attributions matched by content overlap",
        SPEECH_ACTS,
    ),
    Metric(
        "sources.attributed",
        "prf",
        "attributions to non-official sources: contents overlap and the predicted source overlaps a mention "
        "of the gold source",
        SOURCE_TYPES,
    ),
    Metric("sources.type", "accuracy", "source type accuracy on sources.attributed pairs that predict a type"),
    Metric(
        "meetings.identification",
        "prf",
        "meetings matched by evidence overlap (by participants when a prediction gives no evidence)",
        STATUSES,
        headline=True,
    ),
    Metric("meetings.participants", "prf", "meeting participants, one argument per official"),
    Metric("meetings.participant_set", "prf", "meeting participant sets, exactly"),
    Metric("meetings.mode", "prf", "meeting mode on matched meetings", MODES),
    Metric("meetings.location_strict", "prf", "meeting location: same offsets"),
    Metric("meetings.location_overlap", "prf", "meeting location: overlap"),
    Metric("meetings.time_strict", "prf", "meeting time: same offsets"),
    Metric("meetings.time_overlap", "prf", "meeting time: overlap"),
    *_act_metrics("commitments", COMMITMENT_KINDS, "commitments"),
    Metric("commitments.condition_strict", "prf", "commitment condition: same offsets"),
    Metric("commitments.condition_overlap", "prf", "commitment condition: overlap"),
    *_act_metrics("stances", STANCE_KINDS, "stances"),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
_TYPED: dict[str, bool] = {m.key: bool(m.types) for m in METRICS}  # metrics with per-type tables
OVERALL = "*"


class Tally:
    """Counts filed by resampling unit: ``unit -> "metric|type|count" -> amount``."""

    def __init__(self) -> None:
        self.units: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def add(self, unit: str, metric: str, count: str, amount: float = 1, type_: str | None = None) -> None:
        """Add to the overall count and, for metrics with per-type tables, to the count of ``type_``."""
        # amounts may be fractional (phi4); Counter adds floats at run time though typeshed says int.
        # get() rather than +=: a missing key then costs no call of Counter.__missing__ (called ~1,000 times
        # a document)
        counts = self.units[unit]
        key = f"{metric}|{OVERALL}|{count}"
        counts[key] = counts.get(key, 0) + amount  # type: ignore[assignment]
        if _TYPED[metric]:
            key = f"{metric}|{type_ or UNTYPED}|{count}"
            counts[key] = counts.get(key, 0) + amount  # type: ignore[assignment]

    def merge(self, other: Tally, rename: Mapping[str, str] | None = None) -> None:
        for unit, counts in other.units.items():
            self.units[(rename or {}).get(unit, unit)].update(counts)

    def totals(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for counts in self.units.values():
            out.update(counts)
        return out

    def keys(self) -> list[str]:
        return sorted({k for counts in self.units.values() for k in counts})

    def matrix(self, units: list[str], keys: list[str]) -> np.ndarray:
        """Counts as a ``units x keys`` array (zeros where a unit has no count)."""
        rows = [[self.units[u].get(k, 0) if u in self.units else 0 for k in keys] for u in units]
        return np.array(rows, dtype=float).reshape(len(units), len(keys))


def all_keys() -> list[str]:
    """Every count key a :class:`Tally` can hold, in a fixed order (the columns of a :class:`Table`)."""
    return [
        f"{m.key}|{t}|{c}"
        for m in METRICS
        for t in (OVERALL, *((*m.types, UNTYPED) if m.types else ()))
        for c in FAMILIES[m.family]
    ]


class Table:
    """Counts of every resampling unit as dense rows over :func:`all_keys`, kept compact so that memory
    grows by one small vector per unit, not by a dictionary of counters."""

    def __init__(self) -> None:
        self.keys = all_keys()
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.units: list[str] = []
        self._rows: list[np.ndarray] = []
        self._where: dict[str, int] = {}

    def add(self, unit: str, counts: Mapping[str, float]) -> None:
        """Add ``counts`` (a unit's counter) to ``unit``'s row, creating it if needed."""
        if unit not in self._where:
            self._where[unit] = len(self.units)
            self.units.append(unit)
            self._rows.append(np.zeros(len(self.keys)))
        row = self._rows[self._where[unit]]
        for key, amount in counts.items():
            row[self.index[key]] += amount

    def totals(self) -> Counter[str]:
        summed = np.sum(self._rows, axis=0) if self._rows else np.zeros(len(self.keys))
        return Counter({k: float(v) for k, v in zip(self.keys, summed, strict=True) if v})

    def matrix(self, units: list[str]) -> np.ndarray:
        """A ``units x keys`` array (zero rows for units without counts)."""
        out = np.zeros((len(units), len(self.keys)))
        for i, unit in enumerate(units):
            if unit in self._where:
                out[i] = self._rows[self._where[unit]]
        return out


def compute(metric: Metric, c: Mapping[str, Number]) -> dict[str, Number]:
    """Scores from counts ``c`` (count name -> number or array); undefined values are NaN."""
    return family_scores(metric.family, c, partial=metric.partial)


def main_value(metric: Metric) -> str:
    """The score a metric is summarised by (and gets an interval for)."""
    return "accuracy" if metric.family == "accuracy" else "f1"
