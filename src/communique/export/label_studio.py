"""``communique export label-studio``: tasks with pre-annotations, and a labelling configuration.

Writes ``tasks.json`` (one task per document: the text and the document fields in ``data``, the
gold annotations, or an extractor's predictions, as a Label Studio *prediction*, so an annotator starts
from them) and ``config.xml``, the
labelling configuration, generated from the models' labels (never listed by hand). The mapping is the
one :mod:`communique.annotate.import_label_studio` reads back; see there. Offsets are written as
JavaScript (UTF-16) offsets, which is how Label Studio counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from communique.annotate.import_label_studio import (
    ATTRIBUTION_CONTENT,
    ATTRIBUTION_CUE,
    ATTRIBUTION_SOURCE,
    CHOICE_FIELDS,
    COMMITMENT_CONDITION,
    COMMITMENT_CONTENT,
    COMMITMENT_EVIDENCE,
    COMMITMENT_MODALITY,
    COMMITMENT_TIME,
    COUNTRIES,
    ITEM,
    LABEL,
    MEETING_EVIDENCE,
    MEETING_LOCATION,
    MEETING_TIME,
    MENTION_LABELS,
    PARTICIPANT,
    RELATIONS,
    SOURCE_MENTION,
    SPAN_LABELS,
    STANCE_CONTENT,
    STANCE_EVIDENCE,
    STANCE_MODALITY,
    STANCE_TIME,
    TEXT,
    TEXT_FIELDS,
    UNRESOLVED,
)
from communique.annotate.importers import Utf16Offsets
from communique.bench.annotations import Annotations, Extent
from communique.bench.predictions import read_predictions
from communique.corpus.store import CorpusStore
from communique.io.folder import replace_folder
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError
from communique.schema.models import AnnotatedDocument, Commitment, Span, Stance, TimeExpression

#: which region labels each per-region control is shown for
_MENTIONS = list(MENTION_LABELS.values())
#: the first region of each item, which carries the item-level fields (and ``review``)
_FIRST_REGIONS = [
    *_MENTIONS,
    SOURCE_MENTION,
    ATTRIBUTION_CONTENT,
    MEETING_EVIDENCE,
    COMMITMENT_EVIDENCE,
    STANCE_EVIDENCE,
]
_SHOWN_FOR: dict[str, list[str]] = {
    ITEM: list(SPAN_LABELS),
    "name": _MENTIONS,
    "title": _MENTIONS,
    "rank": _MENTIONS,
    "country": [*_MENTIONS, SOURCE_MENTION],
    "organisation": _MENTIONS,
    "value": [MEETING_TIME, COMMITMENT_TIME, STANCE_TIME],
    COUNTRIES: [COMMITMENT_EVIDENCE, STANCE_EVIDENCE],
    "participation": _MENTIONS,
    "source_type": [SOURCE_MENTION],
    "attribution_kind": [ATTRIBUTION_CONTENT],
    "speech_act": [ATTRIBUTION_CONTENT],
    UNRESOLVED: [ATTRIBUTION_CONTENT],
    "meeting_status": [MEETING_EVIDENCE],
    "meeting_mode": [MEETING_EVIDENCE],
    "commitment_kind": [COMMITMENT_EVIDENCE],
    "stance_kind": [STANCE_EVIDENCE],
    "modality_type": [COMMITMENT_EVIDENCE, STANCE_EVIDENCE],
    "review": _FIRST_REGIONS,
}
_COLOURS = {
    "officials": "#ffd6a5",
    "sources": "#ffe5b4",
    "attributions": "#caffbf",
    "meetings": "#a0c4ff",
    "commitments": "#ffc6ff",
    "stances": "#d0e1ff",
}
_HINTS = {
    ITEM: "id of the official, source, attribution, meeting, commitment or stance this span belongs to",
    "value": "ISO date (YYYY, YYYY-MM or YYYY-MM-DD) when the text fixes one",
    "country": "ISO 3166-1 alpha-3 code",
    COUNTRIES: "official_id:CODE for each actor whose country the text makes explicit",
}


#: the region labels of a commitment and of a stance: evidence, content, modality, time
_COMMITMENT_LABELS = (COMMITMENT_EVIDENCE, COMMITMENT_CONTENT, COMMITMENT_MODALITY, COMMITMENT_TIME)
_STANCE_LABELS = (STANCE_EVIDENCE, STANCE_CONTENT, STANCE_MODALITY, STANCE_TIME)


def labeling_config() -> str:
    """The Label Studio labelling configuration (XML), derived from the models."""
    lines = ["<View>", '  <Header value="$document_id"/>', "  <Relations>"]
    lines += [f"    <Relation value={quoteattr(name)}/>" for name in RELATIONS]
    lines += ["  </Relations>", f'  <Labels name="{LABEL}" toName="{TEXT}">']
    lines += [
        f"    <Label value={quoteattr(label)} background={quoteattr(_COLOURS[layer])}/>"
        for label, (layer, _) in SPAN_LABELS.items()
    ]
    lines += ["  </Labels>", f'  <Text name="{TEXT}" value="$text"/>']
    for name in TEXT_FIELDS:
        shown = ",".join(_SHOWN_FOR[name])
        hint = _HINTS.get(name, name)
        lines += [
            f'  <View visibleWhen="region-selected" whenLabelValue={quoteattr(shown)}>',
            f"    <Header value={quoteattr(name)}/>",
            f'    <TextArea name="{name}" toName="{TEXT}" perRegion="true" maxSubmissions="1" editable="true"'
            f" placeholder={quoteattr(hint)}/>",
            "  </View>",
        ]
    for name, (_, _, values) in CHOICE_FIELDS.items():
        shown = ",".join(_SHOWN_FOR[name])
        lines += [
            f'  <View visibleWhen="region-selected" whenLabelValue={quoteattr(shown)}>',
            f"    <Header value={quoteattr(name)}/>",
            f'    <Choices name="{name}" toName="{TEXT}" perRegion="true" choice="single">',
            *(f"      <Choice value={quoteattr(v)}/>" for v in values),
            "    </Choices>",
            "  </View>",
        ]
    lines.append("</View>")
    return "\n".join(lines) + "\n"


class _Results:
    """Builds the ``result`` list of one document: regions, their per-region values, then relations."""

    def __init__(self, text: str):
        self.offsets = Utf16Offsets(text)
        self.items: list[dict[str, Any]] = []
        self.relations: list[dict[str, Any]] = []
        self.count = 0

    def region(self, label: str, span: Span, item: str, **fields: str | None) -> str:
        self.count += 1
        rid = f"r{self.count}"
        where = {"start": self.offsets.to_utf16(span.start), "end": self.offsets.to_utf16(span.end)}
        self.items.append(
            {
                "id": rid,
                "from_name": LABEL,
                "to_name": TEXT,
                "type": "labels",
                "value": {**where, "text": span.text, "labels": [label]},
            }
        )
        for name, value in {ITEM: item, **fields}.items():
            if value is None:
                continue
            kind, key = ("choices", "choices") if name in CHOICE_FIELDS else ("textarea", "text")
            self.items.append(
                {"id": rid, "from_name": name, "to_name": TEXT, "type": kind, "value": {**where, key: [value]}}
            )
        return rid

    def relate(self, source: str, target: str, label: str) -> None:
        self.relations.append(
            {"from_id": source, "to_id": target, "type": "relation", "direction": "right", "labels": [label]}
        )


def annotation_result(doc: AnnotatedDocument, text: str) -> list[dict[str, Any]]:
    """The Label Studio ``result`` list for one annotated document."""
    out = _Results(text)
    mentions: dict[str, list[tuple[Span, str]]] = {}  # official or source id -> its regions
    for official in doc.officials:
        regions: list[tuple[Span, str]] = []
        for n, mention in enumerate(official.mentions):
            attributes: dict[str, str | None] = {}
            if n == 0:  # the official's attributes sit on its first mention
                attributes = {
                    "name": official.name,
                    "title": official.title,
                    "rank": official.rank,
                    "country": official.country,
                    "organisation": official.organisation,
                    "participation": official.participation,
                    "review": official.review,
                }
            regions.append((mention, out.region(MENTION_LABELS[mention.form], mention, official.id, **attributes)))
        mentions[official.id] = regions
    sources: dict[str, list[tuple[Span, str]]] = {}
    for source in doc.sources:
        spans: list[tuple[Span, str]] = []
        for n, span in enumerate(source.mentions):
            fields: dict[str, str | None] = (
                {"source_type": source.type, "country": source.country, "review": source.review} if n == 0 else {}
            )
            spans.append((span, out.region(SOURCE_MENTION, span, source.id, **fields)))
        sources[source.id] = spans

    def nearest(regions: list[tuple[Span, str]], at: int) -> str:
        return min(regions, key=lambda pair: (abs(pair[0].start - at), pair[0].start))[1]

    def time(label: str, span: TimeExpression, item: str) -> None:
        out.region(label, span, item, value=span.value)

    anchors: dict[tuple[str, str], str] = {}
    for meeting in doc.meetings:
        first = out.region(
            MEETING_EVIDENCE,
            meeting.evidence[0],
            meeting.id,
            meeting_status=meeting.status,
            meeting_mode=meeting.mode,
            review=meeting.review,
        )
        for span in meeting.evidence[1:]:
            out.region(MEETING_EVIDENCE, span, meeting.id)
        anchors["meetings", meeting.id] = first
        if meeting.location:
            out.region(MEETING_LOCATION, meeting.location, meeting.id)
        if meeting.time:
            time(MEETING_TIME, meeting.time, meeting.id)
        at = meeting.evidence[0].start
        for p in meeting.participants:
            out.relate(first, nearest(mentions[p.official_id], at), p.role or PARTICIPANT)
    for a in doc.attributions:
        for cue in a.cues:
            out.region(ATTRIBUTION_CUE, cue, a.id)
        unresolved = a.source.reason if a.source.type == "unresolved" else None
        first = out.region(
            ATTRIBUTION_CONTENT,
            a.contents[0],
            a.id,
            attribution_kind=a.kind,
            speech_act=a.speech_act,
            unresolved=unresolved,
            review=a.review,
        )
        for span in a.contents[1:]:
            out.region(ATTRIBUTION_CONTENT, span, a.id)
        if a.source_span is not None:
            out.region(ATTRIBUTION_SOURCE, a.source_span, a.id)
        anchors["attributions", a.id] = first
        at = a.contents[0].start
        if a.source.type == "official":
            out.relate(first, nearest(mentions[a.source.official_id], at), "source")
        elif a.source.type == "source":
            out.relate(first, nearest(sources[a.source.source_id], at), "source")
        if a.addressee_id:
            out.relate(first, nearest(mentions[a.addressee_id], at), "addressee")
        if a.meeting_id:
            out.relate(first, anchors["meetings", a.meeting_id], "meeting")
    acts: list[Commitment | Stance] = [*doc.commitments, *doc.stances]
    for c in acts:
        commitment = isinstance(c, Commitment)
        labels = _COMMITMENT_LABELS if commitment else _STANCE_LABELS
        countries = " ".join(f"{x.official_id}:{x.country}" for x in c.actors if x.country) or None
        kind = {"commitment_kind" if commitment else "stance_kind": c.kind}
        first = out.region(
            labels[0], c.evidence, c.id, countries=countries, **kind, modality_type=c.modality_type, review=c.review
        )
        out.region(labels[1], c.content, c.id)
        if c.modality:
            out.region(labels[2], c.modality, c.id)
        if c.time:
            time(labels[3], c.time, c.id)
        if isinstance(c, Commitment) and c.condition:
            out.region(COMMITMENT_CONDITION, c.condition, c.id)
        for actor in c.actors:
            out.relate(first, nearest(mentions[actor.official_id], c.evidence.start), "actor")
        if c.attribution_id:
            out.relate(first, anchors["attributions", c.attribution_id], "attribution")
        if c.meeting_id:
            out.relate(first, anchors["meetings", c.meeting_id], "meeting")
    return out.items + out.relations


def document_task(doc: AnnotatedDocument, text: str, model_version: str = "gold") -> dict[str, Any]:
    """One Label Studio task: the text and document fields, the annotations as a prediction."""
    return {
        "data": {
            "text": text,
            "document_id": doc.document_id,
            "text_sha256": doc.text_sha256,
            "guidelines_version": doc.guidelines_version,
            "annotators": list(doc.annotators),
        },
        "predictions": [{"model_version": model_version, "result": annotation_result(doc, text)}],
    }


def gold_tasks(pairs: Iterable[tuple[AnnotatedDocument, Any]]) -> Iterator[dict[str, Any]]:
    """Tasks pre-annotated with validated documents (``pairs`` yields them with their corpus documents)."""
    for doc, corpus in pairs:
        yield document_task(doc, corpus.text)


def prediction_result(predicted: Annotations, text: str) -> tuple[list[dict[str, Any]], int]:
    """The ``result`` list for an extractor's predictions (as the benchmark reads them), and how many
    predicted spans had no place in it (unanchored, or a mention without a form).

    Predictions carry less than the gold: items get fresh ids (``o1``, ``m1``, ``a1``, ``c1``, ``st1``), meeting
    participants no roles, attributions to a non-official source no source relation; fields an extractor
    did not predict are left for the annotator. (The predictions are read as the benchmark reads them.)
    """
    out = _Results(text)
    dropped = 0
    ids = {official.ref: f"o{n}" for n, official in enumerate(predicted.officials, 1)}
    names = {official.ref: official.name for official in predicted.officials}
    mentions: dict[str, list[tuple[int, str]]] = {}
    for m in predicted.mentions:
        if not m.extent.anchored or m.form is None:
            dropped += 1
            continue
        named = names[m.official] if m.official not in mentions else None  # the name sits on the first mention
        rid = out.region(MENTION_LABELS[m.form], _span(m.extent), ids[m.official], name=named)
        mentions.setdefault(m.official, []).append((m.extent.start, rid))

    def relate(source: str, official: str | None, at: int, label: str) -> None:
        if official in mentions:
            out.relate(source, min(mentions[official], key=lambda pair: (abs(pair[0] - at), pair[0]))[1], label)

    for n, meeting in enumerate(predicted.meetings, 1):
        evidence = [e for e in meeting.evidence if e.anchored]
        dropped += len(meeting.evidence) - len(evidence)
        if not evidence:
            continue
        item = f"m{n}"
        first = out.region(
            MEETING_EVIDENCE, _span(evidence[0]), item, meeting_status=meeting.status, meeting_mode=meeting.mode
        )
        for extent in evidence[1:]:
            out.region(MEETING_EVIDENCE, _span(extent), item)
        for label, optional in ((MEETING_LOCATION, meeting.location), (MEETING_TIME, meeting.time)):
            if optional is not None and optional.anchored:
                out.region(label, _span(optional), item)
        for official in sorted(meeting.participants):
            relate(first, official, evidence[0].start, PARTICIPANT)
    for n, attribution in enumerate(predicted.attributions, 1):
        contents = [e for e in attribution.contents if e.anchored]
        cues = [e for e in attribution.cues if e.anchored]
        dropped += len(attribution.contents) + len(attribution.cues) - len(contents) - len(cues)
        if not contents:
            continue
        item = f"a{n}"
        for extent in cues:
            out.region(ATTRIBUTION_CUE, _span(extent), item)
        first = out.region(
            ATTRIBUTION_CONTENT,
            _span(contents[0]),
            item,
            attribution_kind=attribution.kind,
            speech_act=attribution.speech_act,
            unresolved=attribution.unresolved,
        )
        for extent in contents[1:]:
            out.region(ATTRIBUTION_CONTENT, _span(extent), item)
        relate(first, attribution.speaker, contents[0].start, "source")
    acts = [("c", "commitment_kind", _COMMITMENT_LABELS, c) for c in predicted.commitments]
    acts += [("st", "stance_kind", _STANCE_LABELS, c) for c in predicted.stances]
    numbers: dict[str, int] = {}
    for prefix, kind_field, labels, c in acts:
        numbers[prefix] = numbers.get(prefix, 0) + 1
        if not c.evidence.anchored:
            dropped += 1
            continue
        item = f"{prefix}{numbers[prefix]}"
        first = out.region(labels[0], _span(c.evidence), item, **{kind_field: c.kind})
        for label, optional in ((labels[1], c.content), (labels[3], c.time)):
            if optional is not None and optional.anchored:
                out.region(label, _span(optional), item)
        for actor in sorted(c.actors):
            relate(first, actor, c.evidence.start, "actor")
    return out.items + out.relations, dropped


def _span(extent: Extent) -> Span:
    return Span(start=extent.start, end=extent.end, text=extent.text)


def prediction_tasks(predictions: Path, corpus_dir: Path) -> tuple[list[dict[str, Any]], int]:
    """Tasks pre-annotated with a predictions file (JSON Lines, as ``communique bench`` reads it), and the
    number of predicted spans left out; raises :class:`CommuniqueError` when the file has errors."""
    read = read_predictions(predictions, corpus_dir)
    if not read.ok:
        raise CommuniqueError(read.errors)
    store = CorpusStore(corpus_dir)
    tasks, dropped = [], 0
    for doc_id, predicted in read.documents.items():
        corpus = store.text(doc_id)
        assert corpus is not None  # reading the predictions resolved every document
        result, left_out = prediction_result(predicted, corpus.text)
        dropped += left_out
        tasks.append(
            {
                "data": {"text": corpus.text, "document_id": doc_id, "text_sha256": corpus.sha256},
                "predictions": [{"model_version": Path(predictions).name, "result": result}],
            }
        )
    return tasks, dropped


def export_label_studio(tasks: Iterable[dict[str, Any]], out: Path) -> int:
    """Write ``tasks.json`` and ``config.xml`` into a staging folder that replaces ``out`` atomically (see
    :func:`communique.io.folder.replace_folder`); returns how many tasks were written.

    ``tasks`` may raise on invalid input (see :func:`gold_tasks`): then ``out`` is left as it was.
    """
    count = 0

    def write(staging: Path) -> None:
        nonlocal count
        listed = list(tasks)
        write_atomic(staging / "tasks.json", json.dumps(listed, ensure_ascii=False, indent=1) + "\n")
        write_atomic(staging / "config.xml", labeling_config())
        count = len(listed)

    replace_folder(out, write, kind="label-studio")
    return count
