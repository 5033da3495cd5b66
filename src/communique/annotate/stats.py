"""Counts per layer and kind, per document and in total (used by the CLI and the dataset card)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TypeAlias, TypedDict

from communique.schema.models import (
    AnnotatedDocument,
    AttributionKind,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    OfficialSource,
    Participation,
    SourceReference,
    SourceType,
    SpeechAct,
    StanceKind,
    UnresolvedSource,
    labels,
)

#: the ``type`` tags of an attribution's source union, in declaration order (taken from the models)
ATTRIBUTION_SOURCES: list[str] = [
    name
    for member in (OfficialSource, SourceReference, UnresolvedSource)
    for name in labels(member.model_fields["type"].annotation)
]

#: (row name, label list) in table order; every label appears, with 0 when absent. A layer with more than
#: one label set gets one row per set, named ``layer.field``.
ROWS: list[tuple[str, list[str]]] = [
    ("officials", labels(Participation)),
    ("mentions", labels(MentionForm)),
    ("sources", labels(SourceType)),
    ("meetings", labels(MeetingStatus)),
    ("meetings.mode", labels(MeetingMode)),
    ("attributions", labels(AttributionKind)),
    ("attributions.source", ATTRIBUTION_SOURCES),
    ("attributions.speech_act", labels(SpeechAct)),
    ("commitments", labels(CommitmentKind)),
    ("commitments.modality_type", labels(ModalityType)),
    ("commitments.condition", ["stated"]),
    ("stances", labels(StanceKind)),
    ("stances.modality_type", labels(ModalityType)),
]


#: row (layer) -> label (and "total") -> count
Counts: TypeAlias = dict[str, dict[str, int]]


class Stats(TypedDict):
    """The counts of every document (by id) and their total."""

    documents: dict[str, Counts]
    total: Counts


def count_document(doc: AnnotatedDocument) -> Counts:
    """``{layer: {"total": n, label: n, ...}}`` for one document."""
    found: dict[str, Counter[str]] = {
        "officials": Counter(o.participation for o in doc.officials),
        "mentions": Counter(m.form for o in doc.officials for m in o.mentions),
        "sources": Counter(s.type for s in doc.sources),
        "meetings": Counter(m.status for m in doc.meetings),
        "meetings.mode": Counter(m.mode for m in doc.meetings),
        "attributions": Counter(a.kind for a in doc.attributions),
        "attributions.source": Counter(a.source.type for a in doc.attributions),
        "attributions.speech_act": Counter(a.speech_act for a in doc.attributions),
        "commitments": Counter(c.kind for c in doc.commitments),
        # commitments without a modality are not counted here: the total is those with a modality type
        "commitments.modality_type": Counter(c.modality_type for c in doc.commitments if c.modality_type),
        # likewise: the total is the commitments with a stated condition
        "commitments.condition": Counter("stated" for c in doc.commitments if c.condition is not None),
        "stances": Counter(s.kind for s in doc.stances),
        "stances.modality_type": Counter(s.modality_type for s in doc.stances if s.modality_type),
    }
    return {
        layer: {"total": sum(found[layer].values()), **{label: found[layer][label] for label in names}}
        for layer, names in ROWS
    }


def compute_stats(docs: Iterable[AnnotatedDocument]) -> Stats:
    """``{"documents": {id: counts}, "total": counts}``; documents are read one at a time."""
    per_doc: dict[str, Counts] = {}
    total = {layer: Counter({"total": 0, **{label: 0 for label in names}}) for layer, names in ROWS}
    for doc in docs:
        counts = count_document(doc)
        per_doc[doc.document_id] = counts
        for layer, values in counts.items():
            total[layer].update(values)
    return {"documents": per_doc, "total": {layer: dict(c) for layer, c in total.items()}}


def format_stats(stats: Stats, fmt: str = "text") -> str:
    """A table with one row per layer and label and one column per document plus the total."""
    columns = [*stats["documents"], "total"]
    table = [("layer", "label", *columns)]
    for layer, names in ROWS:
        for label in ("total", *names):
            cells = [
                stats["documents"][c][layer][label] if c != "total" else stats["total"][layer][label] for c in columns
            ]
            table.append((layer if label == "total" else "", label, *map(str, cells)))
    if fmt == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in table]
        lines.insert(1, "|" + "---|" * len(table[0]))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in table
    )
