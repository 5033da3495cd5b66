"""Scoring an extractor against the gold: :func:`score` and the paired :func:`compare`.

The flow, per gold document: predictions and gold in scoring form -> officials aligned (on the whole
document) -> both sides restricted to the split, if one is asked for -> counts per metric, filed by unit
(:mod:`communique.bench.counting`) -> scores and bootstrap intervals from the summed counts.
"""

from __future__ import annotations

import os
import platform
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from importlib import metadata
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from communique.annotate.load import Validated, iter_validated, map_validated
from communique.annotate.names import MATCH_RULE
from communique.annotate.validate import find_annotation_files
from communique.bench.analysis import SWEEP, overall_vector, per_document, sweep_report
from communique.bench.bootstrap import CONFIDENCE, SAMPLES, SEED, Resamples, difference, interval
from communique.bench.counting import count_document
from communique.bench.metrics import METRICS, OVERALL, UNTYPED, Metric, Table, Tally, compute, main_value
from communique.bench.outcomes import Outcome, document_outcomes
from communique.bench.predictions import STDIN, PredictionSet, PredictionStream, parse_predictions, read_predictions
from communique.bench.randomisation import RANDOMISATION, comparison_warnings, randomisation_p
from communique.bench.references import resolve_span_refs
from communique.compare.annotations import Annotations, OfficialItem, Source, above, from_gold, has_confidence
from communique.compare.officials import OfficialAlignment, align_officials
from communique.compare.scores import COUNT_KEYS, FAMILIES, PARTIAL_CREDIT, ZERO_DIVISION, Number
from communique.corpus.splits import SPLITS, Splitter, unit_at, unit_id
from communique.corpus.store import CorpusLike, CorpusStore, CorpusView
from communique.io.parallel import SERIAL, Workers
from communique.schema.errors import CommuniqueError, Issue, Severity, issue
from communique.schema.jsontypes import JsonObject, JsonValue
from communique.schema.models import AnnotatedDocument
from communique.version import __version__

__all__ = ["REPORT_VERSION", "BenchResult", "Comparison", "compare", "score"]

#: version of the JSON report layout; raised when a key changes meaning or disappears
REPORT_VERSION = 4  # 3: outcomes in --outcomes; 4: format 2.1 (stances, conditions)
PathLike = str | os.PathLike[str]
GoldInput = PathLike | Sequence[AnnotatedDocument]
PredictionInput = PathLike | PredictionSet | Iterable[Mapping[str, JsonValue] | BaseModel]

MATCHER = (
    "optimal one-to-one per document (maximum-weight matching, scipy.optimize.linear_sum_assignment); "
    "pairs correct under the metric first, then any candidate pairs, then character IoU; ties by offsets"
)


@dataclass
class BenchResult:
    """The scores of one system; ``report`` is the stable JSON report (see the README)."""

    report: JsonObject
    issues: list[Issue] = field(default_factory=list)  # warnings about the predictions, located
    scores: dict[str, float | None] = field(default_factory=dict)  # metric key -> its main value (as reported)

    def as_dict(self) -> JsonObject:
        return self.report

    @property
    def headline(self) -> dict[str, float | None]:
        return {m.key: self.scores[m.key] for m in METRICS if m.headline}


@dataclass
class Comparison:
    """System B against system A on the same gold and the same resamples."""

    report: JsonObject
    a: BenchResult
    b: BenchResult
    cautions: list[str] = field(default_factory=list)  # why the test may not be trusted (too few units)

    def as_dict(self) -> JsonObject:
        return self.report


@dataclass
class _Run:
    """Everything counted for one system."""

    table: Table
    units: list[str]
    predictions: PredictionSet  # the summary: issues, lines, anchoring, annotators (documents not kept)
    issues: list[Issue]
    officials: Counter[str]
    gold_name: str
    documents: int
    predicted_documents: int
    collapsed: Counter[str]
    per_document: list[JsonObject] | None = None  # None: not collected
    outcomes: list[JsonObject] | None = None  # None: not collected
    sweep: dict[float, Counter[str]] | None = None
    min_confidence: float | None = None


def score(
    gold: GoldInput,
    predictions: PredictionInput,
    *,
    corpus: PathLike = "corpus",
    split: str | None = None,
    splitter: Splitter | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
    workers: Workers = SERIAL,
    min_confidence: float | None = None,
    details: bool = True,
    outcomes: bool | None = None,
) -> BenchResult:
    """Score ``predictions`` (a JSONL path, or mappings, one per document) against ``gold`` (a path, or
    validated documents). Raise :class:`~communique.CommuniqueError` with every problem when the gold or
    the predictions are invalid; warnings are in :attr:`BenchResult.issues`.

    Gold files and prediction lines are read one document at a time: memory grows with the number of
    resampling units (one small vector each), not with the documents' contents.

    ``min_confidence`` drops predicted items whose ``confidence`` is below it before scoring. ``details``
    puts per-document and per-section scores in the report (``per_document``; ``None`` without it) and
    ``outcomes`` (by default as ``details``) every item's outcome (``outcomes``): they grow with the corpus,
    so the CLI collects the scores only for JSON and HTML output and the outcomes only for HTML and
    ``--outcomes FILE``."""
    listed = details if outcomes is None else outcomes
    run = _run(gold, predictions, corpus, _selection(split, splitter), workers, min_confidence, details, listed)
    resamples = Resamples.draw(run.units, samples, seed)
    return _result(run, resamples, split, samples, seed)


def compare(
    gold: GoldInput,
    a: PredictionInput,
    b: PredictionInput,
    *,
    corpus: PathLike = "corpus",
    split: str | None = None,
    splitter: Splitter | None = None,
    samples: int = SAMPLES,
    seed: int = SEED,
    workers: Workers = SERIAL,
    min_confidence: float | None = None,
) -> Comparison:
    """Paired comparison of system ``b`` against system ``a`` on every summary score: a bootstrap interval
    and p-value, and a paired approximate-randomisation p-value; warns when there are too few units."""
    selection = _selection(split, splitter)
    run_a = _run(gold, a, corpus, selection, workers, min_confidence, details=False, outcomes=False)
    run_b = _run(gold, b, corpus, selection, workers, min_confidence, details=False, outcomes=False)
    units = list(dict.fromkeys(run_a.units + run_b.units))  # the same units, in a fixed order, for both
    resamples = Resamples.draw(units, samples, seed)
    result_a = _result(run_a, resamples, split, samples, seed)
    result_b = _result(run_b, resamples, split, samples, seed)
    rows: JsonObject = {}
    for metric in METRICS:
        value = main_value(metric)
        observed_a = result_a.scores[metric.key]
        observed_b = result_b.scores[metric.key]
        rows[metric.key] = {
            "measure": value,
            "a": observed_a,
            "b": observed_b,
            **difference(
                observed_a, observed_b, resamples.values(run_a.table, metric), resamples.values(run_b.table, metric)
            ),
            "p_value_randomisation": randomisation_p(run_a.table, run_b.table, units, metric, samples, seed),
        }
    cautions = comparison_warnings(len(units))
    report: JsonObject = {
        "report_version": REPORT_VERSION,
        "settings": result_a.report["settings"],
        "gold": result_a.report["gold"],
        "a": result_a.report["predictions"],
        "b": result_b.report["predictions"],
        "test": "paired bootstrap; delta = B - A; p = share of resamples whose delta exceeds twice the observed "
        "delta in its direction (Berg-Kirkpatrick et al. 2012); better names the system ahead",
        "metrics": rows,
        "randomisation": RANDOMISATION,
        "cautions": cautions,
    }
    return Comparison(report, result_a, result_b, cautions)


# --------------------------------------------------------------------------------------------- inputs


Gold = Iterator[tuple[AnnotatedDocument, CorpusView | None]]


def _golds(gold: GoldInput, store: CorpusStore) -> tuple[Gold, list[Path] | None, int, str]:
    """Gold documents with their corpus views one at a time (validated as they are read; raises with every
    problem when they are exhausted), the gold files (``None`` for documents given), how many documents
    there are, and a name for the report."""
    if not isinstance(gold, (str, os.PathLike)):
        docs = list(gold)
        return ((d, store.view(d.document_id)) for d in docs), None, len(docs), "<documents>"
    files = list(find_annotation_files([Path(gold)]))
    if not files:
        return _no_gold(str(gold)), files, 0, str(gold)
    return ((v.document, v.corpus) for v in iter_validated(files, store)), files, len(files), str(gold)


def _no_gold(name: str) -> Gold:
    raise CommuniqueError([issue("file-not-found", "no gold annotation files", file=name)])
    yield  # a generator: the problem is raised when the gold is read, after the predictions' own problems


class _InMemory:
    """The :class:`PredictionStream` interface over predictions already read (records, standard input)."""

    def __init__(self, preds: PredictionSet):
        self.summary = preds
        self._read: set[str] = set()
        self.collapsed: Counter[str] = Counter()
        for doc in preds.documents.values():
            self.collapsed.update(doc.collapsed)

    @property
    def documents(self) -> set[str]:
        return set(self.summary.documents)

    def read(self, doc_id: str) -> PredictionSet:
        self._read.add(doc_id)
        found = PredictionSet(self.summary.path, _raw=self.summary._raw)
        if doc_id in self.summary.documents:
            found.documents[doc_id] = self.summary.documents[doc_id]
        return found

    def remaining(self) -> list[str]:
        return [doc_id for doc_id in self.summary.documents if doc_id not in self._read]


def _predictions(predictions: PredictionInput, store: CorpusStore, corpus: PathLike) -> PredictionStream | _InMemory:
    if isinstance(predictions, PredictionSet):
        return _InMemory(predictions)
    if isinstance(predictions, (str, os.PathLike)):
        if str(predictions) == STDIN:
            return _InMemory(read_predictions(predictions, corpus))
        return PredictionStream(predictions, store)
    return _InMemory(parse_predictions(predictions, corpus))


@dataclass
class _Scored:
    """One document's contribution: its resampling units and counts, officials and issues."""

    document_id: str
    units: list[str]
    counts: dict[str, Counter[str]]
    officials: Counter[str]
    issues: list[Issue]
    sections: dict[str, np.ndarray] = field(default_factory=dict)  # unit -> overall counts, never folded
    outcomes: list[JsonObject] = field(default_factory=list)
    sweep: dict[float, Counter[str]] | None = None  # threshold -> summed counts, when confidences are given


def _score_document(
    gold_doc: AnnotatedDocument,
    corpus_doc: CorpusView | None,
    preds: PredictionStream | _InMemory,
    split: SplitSelection | None,
    fold: bool,
    min_confidence: float | None = None,
    details: bool = True,
    outcomes: bool = True,
) -> _Scored:
    if corpus_doc is None:  # validated gold always has its corpus document
        raise CommuniqueError([issue("unknown-document", f"no corpus document {gold_doc.document_id!r}")])
    issues: list[Issue] = []
    lines = preds.read(gold_doc.document_id)
    pred = lines.documents.get(gold_doc.document_id)
    if pred is None:
        if gold_doc.document_id not in preds.documents:
            issues.append(
                issue(
                    "prediction-missing-document",
                    f"no prediction line for {gold_doc.document_id!r}; scored as predicting nothing",
                    file=preds.summary.path,
                )
            )
        pred = Annotations(gold_doc.document_id)
    if min_confidence is not None:
        pred = above(pred, min_confidence)
    gold_side = from_gold(gold_doc, corpus_doc.text)
    alignment, unresolved = _align(gold_side, pred)
    for ref, source in unresolved:
        start, end = ref.split(":")[1:]
        issues.append(
            lines.locate(
                issue(
                    "prediction-span-unresolved",
                    f"the span at [{start}, {end}) overlaps no mention of a gold or predicted official; "
                    "scored as wrong",
                    path=source.path,
                    hint="give the span of a mention of the official, or reference it by name or id",
                ),
                source,
            )
        )
    sweep = _sweep(gold_side, pred, corpus_doc, split, min_confidence) if has_confidence(pred) else None
    for official in alignment.unknown:
        if official.source is not None:
            issues.append(
                lines.locate(_unknown_official(official, alignment.several.get(official.ref)), official.source)
            )
    keep = _keeper(corpus_doc, split)
    if keep is not None:
        gold_side, pred = _restrict(gold_side, keep), _restrict(pred, keep)
    tally = Tally()
    unit_of = _unit_of(corpus_doc)
    count_document(gold_side, pred, alignment, unit_of, tally)
    listed: list[JsonObject] = (
        [
            {
                "document_id": corpus_doc.id,
                "unit": unit_of(_start(o)),
                "layer": o["layer"],
                "outcome": o["outcome"],
                "gold": o["gold"],
                "pred": o["pred"],
            }
            for o in document_outcomes(gold_side, pred, alignment)
        ]
        if outcomes
        else []
    )
    sections = [
        unit_id(corpus_doc.id, s.index)
        for s in corpus_doc.sections
        if split is None or split.splitter.split_at(corpus_doc, s.span.start) == split.name
    ]
    unplaced = sorted(u for u in tally.units if u.endswith("#unplaced"))
    units = [*sections, *unplaced]
    counts: dict[str, Counter[str]] = {}
    for unit, found in tally.units.items():
        counts.setdefault(corpus_doc.id if fold else unit, Counter()).update(found)
    return _Scored(
        corpus_doc.id,
        [corpus_doc.id] if fold and units else units,
        counts,
        Counter(alignment.as_dict()),
        issues,
        {unit: overall_vector(found) for unit, found in tally.units.items()} if details else {},
        listed,
        sweep,
    )


def _align(gold: Annotations, pred: Annotations) -> tuple[OfficialAlignment, list[tuple[str, Source]]]:
    """Officials aligned, and references given as spans resolved through the gold mentions first; with the
    span references that resolve to no one."""
    alignment = align_officials(gold, pred)
    return alignment, resolve_span_refs(gold, pred, alignment)


def _start(outcome: Outcome) -> int | None:
    """Where an outcome's item starts (the gold side's when there is one), for its unit."""
    starts: list[int] = []

    def collect(node: JsonValue) -> None:
        if isinstance(node, dict):
            start = node.get("start")
            if isinstance(start, int):
                starts.append(start)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    side = outcome["gold"] if outcome["gold"] is not None else outcome["pred"]
    collect(side)
    mentions = side.get("mentions") if side is not None else None
    if not starts and isinstance(mentions, list) and mentions:
        starts.append(mentions[0][0])  # an official: its mentions as [start, end] pairs
    return min(starts, default=None)


def _sweep(
    gold: Annotations, pred: Annotations, doc: CorpusLike, split: SplitSelection | None, floor: float | None
) -> dict[float, Counter[str]]:
    """The summed counts of one document at every threshold of :data:`SWEEP` (from ``floor`` up)."""
    keep = _keeper(doc, split)
    out: dict[float, Counter[str]] = {}
    for threshold in SWEEP:
        if floor is not None and threshold < floor:
            continue
        side = above(pred, threshold)
        alignment, _ = _align(gold, side)
        golds = gold
        if keep is not None:
            golds, side = _restrict(gold, keep), _restrict(side, keep)
        tally = Tally()
        count_document(golds, side, alignment, _unit_of(doc), tally)
        out[threshold] = tally.totals()
    return out


@dataclass
class _Chunk:
    """What a worker returns for a chunk of gold documents (``--jobs``, ``--engine``)."""

    scored: list[_Scored]
    summary: PredictionSet
    collapsed: Counter[str]
    read: set[str]


@dataclass(frozen=True)
class _Scoring:
    """A worker's context: the corpus store, the prediction index made by the parent, and the settings."""

    store: CorpusStore
    pred_path: str
    where: dict[str, tuple[int, int]]
    digests: dict[str, bytes]  # of the lines the parent's scan parsed strictly
    split: SplitSelection | None
    fold: bool
    min_confidence: float | None
    details: bool
    outcomes: bool


def _open_scoring(
    pred_path: str,
    where: dict[str, tuple[int, int]],
    digests: dict[str, bytes],
    split: SplitSelection | None,
    fold: bool,
    min_confidence: float | None,
    details: bool,
    outcomes: bool,
    store: CorpusStore,
) -> _Scoring:
    return _Scoring(store, pred_path, where, digests, split, fold, min_confidence, details, outcomes)


def _score_chunk(context: _Scoring, gold: Iterator[Validated]) -> _Chunk:
    c = context
    stream = PredictionStream.indexed(c.pred_path, c.store, c.where, c.digests)
    scored = [
        _score_document(v.document, v.corpus, stream, c.split, c.fold, c.min_confidence, c.details, c.outcomes)
        for v in gold
    ]
    return _Chunk(scored, stream.summary, stream.collapsed, stream._done)


CHUNK_FILES = 50  # gold files per unit of parallel work


def _scored_in_parallel(
    files: list[Path],
    preds: PredictionStream,
    corpus: PathLike,
    split: SplitSelection | None,
    fold: bool,
    workers: Workers,
    min_confidence: float | None = None,
    details: bool = True,
    outcomes: bool = True,
) -> Iterator[_Scored]:
    setup = partial(
        _open_scoring, str(preds.path), preds.where, preds.digests, split, fold, min_confidence, details, outcomes
    )
    for chunk in map_validated(files, Path(corpus), _score_chunk, setup=setup, workers=workers, batch=CHUNK_FILES):
        preds.summary.issues.extend(chunk.summary.issues)
        preds.summary.anchoring.update(chunk.summary.anchoring)
        preds.summary.annotators.update(chunk.summary.annotators)
        preds.collapsed.update(chunk.collapsed)
        preds._done.update(chunk.read)
        yield from chunk.scored


def _run(
    gold: GoldInput,
    predictions: PredictionInput,
    corpus: PathLike,
    split: SplitSelection | None,
    workers: Workers = SERIAL,
    min_confidence: float | None = None,
    details: bool = True,
    outcomes: bool = True,
) -> _Run:
    store = CorpusStore(Path(corpus))
    preds = _predictions(predictions, store, corpus)
    golds, files, count, gold_name = _golds(gold, store)
    if preds.summary.errors:  # unreadable lines or duplicate documents: nothing is scored
        raise CommuniqueError(preds.summary.errors)
    fold = count > 1  # resample documents: the sections of each document fold into one unit
    if not workers.serial and isinstance(preds, PredictionStream) and files is not None and count > 1:
        scored: Iterator[_Scored] = _scored_in_parallel(
            files, preds, corpus, split, fold, workers, min_confidence, details, outcomes
        )
    else:
        scored = (
            _score_document(doc, corpus_doc, preds, split, fold, min_confidence, details, outcomes)
            for doc, corpus_doc in golds
        )
    table = Table()
    officials: Counter[str] = Counter()
    units: list[str] = []
    issues: list[Issue] = []
    documents = 0
    sections: list[tuple[str, dict[str, np.ndarray]]] = []
    listed: list[JsonObject] | None = [] if outcomes else None
    sweep: dict[float, Counter[str]] | None = None
    for result in scored:
        documents += 1
        sections.append((result.document_id, result.sections))
        if listed is not None:
            listed.extend(result.outcomes)
        if result.sweep is not None:
            sweep = sweep or {}
            for threshold, found in result.sweep.items():
                sweep.setdefault(threshold, Counter()).update(found)
        units.extend(result.units)
        for unit, counts in result.counts.items():
            table.add(unit, counts)
        officials.update(result.officials)
        issues.extend(result.issues)
    for doc_id in sorted(preds.remaining()):  # lines for documents without gold: checked, not scored
        issues.append(
            issue(
                "prediction-unscored-document",
                f"no gold annotations for {doc_id!r}; not scored",
                file=preds.summary.path,
                path="$.document_id",
            )
        )
    if preds.summary.errors:
        raise CommuniqueError(
            preds.summary.errors + [i for i in preds.summary.issues if i.severity is not Severity.ERROR]
        )
    issues = [*preds.summary.issues, *issues]
    return _Run(
        table,
        units,
        preds.summary,
        issues,
        officials,
        gold_name,
        documents,
        len(preds.documents),
        preds.collapsed,
        per_document(sections) if details else None,
        listed,
        sweep,
        min_confidence,
    )


@dataclass(frozen=True)
class SplitSelection:
    """Score only the items of one split, assigned by the split policy in force (``splitter``)."""

    name: str
    splitter: Splitter


def _selection(split: str | None, splitter: Splitter | None) -> SplitSelection | None:
    if split is None:
        return None
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    return SplitSelection(split, splitter or Splitter())


def _unit_of(doc: CorpusLike) -> Callable[[int | None], str]:
    units: dict[int | None, str] = {None: f"{doc.id}#unplaced"}

    def unit(start: int | None) -> str:
        if start is None:
            return units[None]
        if start not in units:
            units[start] = unit_at(doc, start)
        return units[start]

    return unit


def _keeper(doc: CorpusLike, split: SplitSelection | None) -> Callable[[int | None], bool] | None:
    if split is None:
        return None
    return lambda start: start is not None and split.splitter.split_at(doc, start) == split.name


def _restrict(side: Annotations, keep: Callable[[int | None], bool]) -> Annotations:
    """Only the items (and mentions) whose first span starts in the kept sections."""
    officials = [
        replace(o, mentions=frozenset(m for m in o.mentions if keep(m[0])), unanchored=0) for o in side.officials
    ]
    return Annotations(
        side.document_id,
        officials,
        [m for m in side.mentions if keep(m.start)],
        [a for a in side.attributions if keep(a.start)],
        [m for m in side.meetings if keep(m.start)],
        [c for c in side.commitments if keep(c.start)],
        [c for c in side.stances if keep(c.start)],
        Counter(side.collapsed),
    )


# -------------------------------------------------------------------------------------------- report


def _count(value: Number) -> int | float:
    """Counts are whole numbers, except CEAF's summed phi4."""
    number = float(value)
    return int(number) if number.is_integer() else number


def _score(value: Number) -> float | None:
    number = float(value)
    return None if number != number else number  # NaN: undefined


def _entry(metric: Metric, totals: Mapping[str, float], type_: str) -> dict[str, int | float | None]:
    counts = {name: totals.get(f"{metric.key}|{type_}|{name}", 0) for name in FAMILIES[metric.family]}
    scores = compute(metric, counts)
    derived = {k: (_count(v) if k in COUNT_KEYS else _score(v)) for k, v in scores.items()}
    return {**{k: _count(v) for k, v in counts.items()}, **derived}


def _result(run: _Run, resamples: Resamples, split: str | None, samples: int, seed: int) -> BenchResult:
    totals = run.table.totals()
    metrics: dict[str, JsonObject] = {}
    scores: dict[str, float | None] = {}
    for metric in METRICS:
        overall = _entry(metric, totals, OVERALL)
        entry: JsonObject = {"description": metric.description, "family": metric.family, **overall}
        value = main_value(metric)
        scores[metric.key] = overall[value]
        entry[f"{value}_ci95"] = interval(resamples.values(run.table, metric))
        if metric.types:
            present = {k.split("|")[1] for k in totals if k.startswith(metric.key + "|")}
            types = [*metric.types, *([UNTYPED] if UNTYPED in present else [])]
            per_type = {t: _entry(metric, totals, t) for t in types}
            entry["per_type"] = per_type
            # accuracy metrics with types (speech acts) average their per-type accuracy: macro_accuracy
            defined = {t: score for t in metric.types if (score := per_type[t][value]) is not None}
            macro = (sum(defined.values()) / len(defined)) if defined else None
            entry[f"macro_{value}"] = macro
            entry["macro_types"] = list(defined)
        metrics[metric.key] = entry
    preds = run.predictions
    collapsed = run.collapsed
    report: JsonObject = {
        "report_version": REPORT_VERSION,
        "settings": {**_settings(split, samples, seed, resamples), "min_confidence": run.min_confidence},
        "gold": {"path": run.gold_name, "documents": run.documents},
        "predictions": {
            "path": preds.path,
            "lines": preds.lines,
            "documents": run.predicted_documents,
            "annotators": sorted(preds.annotators),
            "anchoring": {k: preds.anchoring.get(k, 0) for k in ("offsets", "text", "context", "unanchored")},
            "collapsed_duplicates": {
                k: collapsed.get(k, 0)
                for k in ("officials", "mentions", "attributions", "meetings", "commitments", "stances")
            },
            "officials": {
                k: run.officials.get(k, 0)
                for k in (
                    "declared",
                    "aligned_by_mentions",
                    "aligned_by_name",
                    "name_only",
                    "name_only_resolved",
                    "unknown",
                )
            },
            "warnings": sum(1 for i in run.issues if i.severity is Severity.WARNING),
        },
        "headline": {m.key: scores[m.key] for m in METRICS if m.headline},
        "metrics": metrics,
        "issues": [i.to_dict() for i in run.issues],
        "per_document": run.per_document,
        "outcomes": run.outcomes,
        "sweep": sweep_report(run.sweep, run.min_confidence),
    }
    return BenchResult(report, run.issues, scores)


def _settings(split: str | None, samples: int, seed: int, resamples: Resamples) -> JsonObject:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    unit = "document" if resamples.units and "#" not in resamples.units[0] else "section"
    return {
        "matcher": MATCHER,
        "overlap": "at least one shared character (half-open code-point offsets)",
        "partial_credit": PARTIAL_CREDIT,
        "name_match": MATCH_RULE,
        "attribution_contents": "compared without quotation marks and edge whitespace",
        "attribution_source": "right when the same official (through the alignment), a predicted source "
        "overlapping a mention of the gold non-official source, or unresolved where the gold is unresolved",
        "zero_division": ZERO_DIVISION,
        "split": split,
        "bootstrap": {
            "samples": samples,
            "seed": seed,
            "unit": unit,
            "units": len(resamples.units),
            "confidence": CONFIDENCE,
            "interval": "percentile",
        },
        "versions": {
            "communique": __version__,
            "python": platform.python_version(),
            **{p: version(p) for p in ("numpy", "scipy", "pydantic")},
        },
    }


def _unknown_official(official: OfficialItem, several: tuple[str, ...] | None) -> Issue:
    """The warning for a name that resolves to no gold official: none matches, or several match equally."""
    name = repr(official.name or official.ref)
    if several:
        shown = ", ".join(several[:5]) + (f" and {len(several) - 5} more" if len(several) > 5 else "")
        what = f"several gold officials match {name} equally: {shown}"
        hint = "add what tells them apart (the name, or the country and office: 'the Estonian defence minister')"
    else:
        what = f"no gold official matches {name} (by name, office or country)"
        hint = "use the name or description the text gives"
    assert official.source is not None
    if official.source.path.endswith("speaker_name"):  # a speaker may be no official at all
        hint += "; a speaker who is no official (a ministry, a spokesperson) is given as source_span"
    return issue("prediction-unknown-official", f"{what}; scored as wrong", path=official.source.path, hint=hint)
