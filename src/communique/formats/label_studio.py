"""Label Studio: ``communique export label-studio``, ``communique import label-studio`` and ``communique
convert --from labelstudio``, all from the one vocabulary table below (:data:`SPAN_LABELS`,
:data:`CONTROLS`, :data:`RELATIONS`, built from the models' ``Literal`` types), which also gives the
labelling configuration (:func:`labeling_config`). One task is one corpus document:

* task data: ``text``, ``document_id``, ``text_sha256``, ``guidelines_version``, ``annotators``;
* every span is a region of the ``label`` Labels control on the ``text`` object: ``Mention: <form>``,
  ``Source mention``, ``Attribution cue``/``content``/``source``, ``Meeting evidence``/``location``/``time``,
  ``Commitment evidence``/``content``/``modality``/``time``/``condition``, ``Stance evidence``/``content``/
  ``modality``/``time``;
* every region names the item it belongs to (official, source, attribution, meeting, commitment or stance id)
  in the per-region TextArea ``item``; item-level fields sit on one region of the item: official attributes
  (TextAreas ``name``, ``title``, ``rank``, ``country``, ``organisation``; Choices ``participation``), a
  source's ``country`` (TextArea) and ``source_type`` (Choices), a time's calendar ``value`` (TextArea), the
  countries a commitment's or stance's actors speak for (TextArea ``countries``: ``official_id:CODE`` pairs),
  the labels (Choices ``attribution_kind``, ``speech_act``, ``unresolved``, ``meeting_status``,
  ``meeting_mode``, ``commitment_kind``, ``stance_kind``, ``modality_type``) and ``review`` (Choices: ``draft``);
* references are relations: ``source`` (attribution to a mention of its official or of its source; an
  unresolved source is the ``unresolved`` choice instead), ``addressee`` (attribution to a mention),
  ``visitor``, ``host``, ``participant`` (meeting to a mention, in participant order), ``actor`` (commitment
  or stance to a mention, one per actor), ``attribution`` (commitment or stance to its attribution) and
  ``meeting`` (attribution, commitment or stance to its meeting).

Offsets in Label Studio are JavaScript string offsets (UTF-16 code units): :class:`Utf16Offsets` converts
them, both ways.

Export writes ``tasks.json`` (the gold, or an extractor's predictions, as each task's Label Studio
*prediction*, so an annotator starts from them) and ``config.xml``. Import (:func:`import_label_studio`)
reads an export back into validated annotation documents: the submitted annotation of a task (the most
recently updated one when there are several), or with ``predictions=True`` the pre-annotations. Convert
(:func:`convert_label_studio`) reads any Label Studio export leniently into predictions: ``labels`` results
are spans read by label through the flat-label table (:data:`communique.formats.builder.LABELS`, which
knows this vocabulary's names too), ``relation`` results tie a speaker or cue to its content; offsets that do
not fit as code points are tried as UTF-16 code units.

The shapes of an export are checked by the ``Ls*`` models, for both readers (:func:`read_export`), so every
problem is located: file, line and JSON path.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import quoteattr

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from communique.annotate.importers import ImportResult, check_span, span_data, validate_rebuilt
from communique.corpus.store import CorpusLike, CorpusStore, CorpusText, CorpusUnreadable, SpanLike
from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    Labelled,
    Score,
    dropped_span,
    finish_document,
    note_unplaced,
    role_of,
    shape_issues,
    unknown_document,
)
from communique.io.folder import replace_folder
from communique.io.parse import JsonPath, Locator, ParseFailure, decode_utf8, parse_json, parse_path
from communique.io.read import InputRefused, read_input
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject, JsonValue
from communique.schema.models import (
    SCHEMA_VERSION,
    AnnotatedDocument,
    AttributionKind,
    Commitment,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    ParticipantRole,
    Participation,
    Review,
    SourceType,
    Span,
    SpeechAct,
    Stance,
    StanceKind,
    TimeExpression,
    UnresolvedReason,
    labels,
)

__all__ = [
    "CONTROLS",
    "LAYERS",
    "MENTION_LABELS",
    "RELATIONS",
    "SPAN_LABELS",
    "Control",
    "LsTask",
    "SpanLabel",
    "Utf16Offsets",
    "annotation_result",
    "convert_label_studio",
    "export_label_studio",
    "gold_tasks",
    "import_label_studio",
    "labeling_config",
    "prediction_tasks",
    "read_export",
]

# -- the vocabulary

#: names of the Text object and the Labels control in the labelling configuration
TEXT, LABEL = "text", "label"
#: the annotation layers, in file order, with the colour of their regions
LAYERS: dict[str, str] = {
    "officials": "#ffd6a5",
    "sources": "#ffe5b4",
    "meetings": "#a0c4ff",
    "attributions": "#caffbf",
    "commitments": "#ffc6ff",
    "stances": "#d0e1ff",
}


@dataclass(frozen=True)
class SpanLabel:
    """A region label: the layer of the item its span belongs to, the item field the span fills, whether
    that field holds one span (not a list), and whether it is a time (whose calendar value is a TextArea)."""

    layer: str
    role: str
    single: bool = False
    time: bool = False


MENTION_LABELS: dict[str, str] = {form: f"Mention: {form}" for form in labels(MentionForm)}
SOURCE_MENTION = "Source mention"
ATTRIBUTION_CUE, ATTRIBUTION_CONTENT, ATTRIBUTION_SOURCE = (
    "Attribution cue",
    "Attribution content",
    "Attribution source",
)
MEETING_EVIDENCE, MEETING_LOCATION, MEETING_TIME = "Meeting evidence", "Meeting location", "Meeting time"
COMMITMENT_EVIDENCE, COMMITMENT_CONTENT = "Commitment evidence", "Commitment content"
COMMITMENT_MODALITY, COMMITMENT_TIME = "Commitment modality", "Commitment time"
COMMITMENT_CONDITION = "Commitment condition"
STANCE_EVIDENCE, STANCE_CONTENT = "Stance evidence", "Stance content"
STANCE_MODALITY, STANCE_TIME = "Stance modality", "Stance time"
SPAN_LABELS: dict[str, SpanLabel] = {
    **{label: SpanLabel("officials", "mentions") for label in MENTION_LABELS.values()},
    SOURCE_MENTION: SpanLabel("sources", "mentions"),
    ATTRIBUTION_CUE: SpanLabel("attributions", "cues"),
    ATTRIBUTION_CONTENT: SpanLabel("attributions", "contents"),
    ATTRIBUTION_SOURCE: SpanLabel("attributions", "source_span", single=True),
    MEETING_EVIDENCE: SpanLabel("meetings", "evidence"),
    MEETING_LOCATION: SpanLabel("meetings", "location", single=True),
    MEETING_TIME: SpanLabel("meetings", "time", single=True, time=True),
    COMMITMENT_EVIDENCE: SpanLabel("commitments", "evidence", single=True),
    COMMITMENT_CONTENT: SpanLabel("commitments", "content", single=True),
    COMMITMENT_MODALITY: SpanLabel("commitments", "modality", single=True),
    COMMITMENT_TIME: SpanLabel("commitments", "time", single=True, time=True),
    COMMITMENT_CONDITION: SpanLabel("commitments", "condition", single=True),
    STANCE_EVIDENCE: SpanLabel("stances", "evidence", single=True),
    STANCE_CONTENT: SpanLabel("stances", "content", single=True),
    STANCE_MODALITY: SpanLabel("stances", "modality", single=True),
    STANCE_TIME: SpanLabel("stances", "time", single=True, time=True),
}
#: the region labels of a commitment and of a stance: evidence, content, modality, time
_COMMITMENT_LABELS = (COMMITMENT_EVIDENCE, COMMITMENT_CONTENT, COMMITMENT_MODALITY, COMMITMENT_TIME)
_STANCE_LABELS = (STANCE_EVIDENCE, STANCE_CONTENT, STANCE_MODALITY, STANCE_TIME)


@dataclass(frozen=True)
class Control:
    """A per-region control: Choices when it has ``values``, else a TextArea. It fills ``field`` of the
    item of a region in one of ``layers`` (all: the item id, ``review``), and is shown for the region
    labels ``shown_for``; ``hint`` is a TextArea's placeholder."""

    field: str
    layers: tuple[str, ...]
    shown_for: tuple[str, ...]
    values: tuple[str, ...] = ()
    hint: str | None = None

    @property
    def choices(self) -> bool:
        return bool(self.values)


ITEM, COUNTRIES, UNRESOLVED = "item", "countries", "unresolved"
_MENTIONS = tuple(MENTION_LABELS.values())
_OFFICIALS = ("officials",)
#: the first region of each item, which carries the item-level fields (and ``review``)
_FIRST_REGIONS = (
    *_MENTIONS,
    SOURCE_MENTION,
    ATTRIBUTION_CONTENT,
    MEETING_EVIDENCE,
    COMMITMENT_EVIDENCE,
    STANCE_EVIDENCE,
)
#: TextAreas first, then Choices, each in the order the configuration shows them
CONTROLS: dict[str, Control] = {
    ITEM: Control(
        "id",
        tuple(LAYERS),
        tuple(SPAN_LABELS),
        hint="id of the official, source, attribution, meeting, commitment or stance this span belongs to",
    ),
    "name": Control("name", _OFFICIALS, _MENTIONS),
    "title": Control("title", _OFFICIALS, _MENTIONS),
    "rank": Control("rank", _OFFICIALS, _MENTIONS),
    "country": Control(
        "country", ("officials", "sources"), (*_MENTIONS, SOURCE_MENTION), hint="ISO 3166-1 alpha-3 code"
    ),
    "organisation": Control("organisation", _OFFICIALS, _MENTIONS),
    "value": Control(
        "value",
        ("meetings", "commitments", "stances"),
        (MEETING_TIME, COMMITMENT_TIME, STANCE_TIME),
        hint="ISO date (YYYY, YYYY-MM or YYYY-MM-DD) when the text fixes one",
    ),
    COUNTRIES: Control(
        COUNTRIES,
        ("commitments", "stances"),
        (COMMITMENT_EVIDENCE, STANCE_EVIDENCE),
        hint="official_id:CODE for each actor whose country the text makes explicit",
    ),
    "participation": Control("participation", _OFFICIALS, _MENTIONS, tuple(labels(Participation))),
    "source_type": Control("type", ("sources",), (SOURCE_MENTION,), tuple(labels(SourceType))),
    "attribution_kind": Control("kind", ("attributions",), (ATTRIBUTION_CONTENT,), tuple(labels(AttributionKind))),
    "speech_act": Control("speech_act", ("attributions",), (ATTRIBUTION_CONTENT,), tuple(labels(SpeechAct))),
    UNRESOLVED: Control(UNRESOLVED, ("attributions",), (ATTRIBUTION_CONTENT,), tuple(labels(UnresolvedReason))),
    "meeting_status": Control("status", ("meetings",), (MEETING_EVIDENCE,), tuple(labels(MeetingStatus))),
    "meeting_mode": Control("mode", ("meetings",), (MEETING_EVIDENCE,), tuple(labels(MeetingMode))),
    "commitment_kind": Control("kind", ("commitments",), (COMMITMENT_EVIDENCE,), tuple(labels(CommitmentKind))),
    "stance_kind": Control("kind", ("stances",), (STANCE_EVIDENCE,), tuple(labels(StanceKind))),
    "modality_type": Control(
        "modality_type", ("commitments", "stances"), (COMMITMENT_EVIDENCE, STANCE_EVIDENCE), tuple(labels(ModalityType))
    ),
    "review": Control("review", tuple(LAYERS), _FIRST_REGIONS, tuple(labels(Review))),
}
PARTICIPANT = "participant"
#: relation label -> (layers of the item it starts from, layers it points into, field it fills)
RELATIONS: dict[str, tuple[str, str, str]] = {
    "source": ("attributions", "officials|sources", "source"),
    "addressee": ("attributions", "officials", "addressee_id"),
    **{role: ("meetings", "officials", role) for role in labels(ParticipantRole)},
    PARTICIPANT: ("meetings", "officials", PARTICIPANT),
    "actor": ("commitments|stances", "officials", "actors"),
    "attribution": ("commitments|stances", "attributions", "attribution_id"),
    "meeting": ("attributions|commitments|stances", "meetings", "meeting_id"),
}


def labeling_config() -> str:
    """The Label Studio labelling configuration (XML), from the vocabulary table."""
    lines = ["<View>", '  <Header value="$document_id"/>', "  <Relations>"]
    lines += [f"    <Relation value={quoteattr(name)}/>" for name in RELATIONS]
    lines += ["  </Relations>", f'  <Labels name="{LABEL}" toName="{TEXT}">']
    lines += [
        f"    <Label value={quoteattr(label)} background={quoteattr(LAYERS[span.layer])}/>"
        for label, span in SPAN_LABELS.items()
    ]
    lines += ["  </Labels>", f'  <Text name="{TEXT}" value="$text"/>']
    for name, control in CONTROLS.items():
        lines += [
            f'  <View visibleWhen="region-selected" whenLabelValue={quoteattr(",".join(control.shown_for))}>',
            f"    <Header value={quoteattr(name)}/>",
        ]
        if control.choices:
            lines += [
                f'    <Choices name="{name}" toName="{TEXT}" perRegion="true" choice="single">',
                *(f"      <Choice value={quoteattr(v)}/>" for v in control.values),
                "    </Choices>",
            ]
        else:
            lines.append(
                f'    <TextArea name="{name}" toName="{TEXT}" perRegion="true" maxSubmissions="1" editable="true"'
                f" placeholder={quoteattr(control.hint or name)}/>"
            )
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


# -- offsets


class Utf16Offsets:
    """Converts between code-point offsets (communique) and UTF-16 code-unit offsets (JavaScript tools)."""

    def __init__(self, text: str):
        self.text = text
        self._units: list[int] | None = None  # code point index -> UTF-16 index, only when they differ
        if any(ord(ch) > 0xFFFF for ch in text):
            units, at = [0], 0
            for ch in text:
                at += 2 if ord(ch) > 0xFFFF else 1
                units.append(at)
            self._units = units

    def to_utf16(self, offset: int) -> int:
        return offset if self._units is None else self._units[offset]

    def to_code_points(self, offset: int) -> int | None:
        """The code-point offset, or None when ``offset`` is outside the text or splits a surrogate pair."""
        if self._units is None:
            return offset if 0 <= offset <= len(self.text) else None
        at = bisect.bisect_left(self._units, offset)
        return at if at < len(self._units) and self._units[at] == offset else None


# -- the shapes of an export


class LsData(BaseModel):
    """A task's ``data``: the text (under ``text``, or the first long string under another name), the
    document id and the document fields ``export label-studio`` writes."""

    model_config = ConfigDict(extra="allow")

    document_id: StrictStr | None = None
    text: StrictStr | None = None
    text_sha256: StrictStr | None = None
    guidelines_version: StrictStr | None = None
    annotators: list[StrictStr] | None = None

    def the_text(self) -> str | None:
        if self.text is not None:
            return self.text
        return next((v for v in (self.model_extra or {}).values() if isinstance(v, str) and len(v) > 40), None)


class LsSpanValue(BaseModel):
    """The ``value`` of a ``labels`` (or ``hypertextlabels``) result: a labelled span."""

    model_config = ConfigDict(extra="ignore")

    start: StrictInt
    end: StrictInt
    text: StrictStr | None = None
    labels: list[StrictStr] = []
    hypertextlabels: list[StrictStr] = []


class LsResult(BaseModel):
    """One result of an annotation: a region (``labels``), a per-region value (``textarea``, ``choices``)
    or a ``relation``; its ``value`` is checked by its ``type`` (:class:`LsSpanValue`)."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | StrictInt | None = None
    type: StrictStr | None = None
    from_name: StrictStr | None = None
    to_name: StrictStr | None = None
    value: dict[str, Any] = {}
    from_id: StrictStr | StrictInt | None = None
    to_id: StrictStr | StrictInt | None = None
    labels: list[StrictStr] | None = None  # a relation's
    score: Score | None = None

    @model_validator(mode="after")
    def _relation_ends(self) -> LsResult:
        if self.type == "relation" and (self.from_id is None or self.to_id is None):
            raise ValueError("a relation needs from_id and to_id")
        return self


class LsAnnotation(BaseModel):
    """An annotation (or prediction) of a task."""

    model_config = ConfigDict(extra="ignore")

    result: list[LsResult] = []
    was_cancelled: StrictBool = False
    updated_at: StrictStr | None = None


class LsTask(BaseModel):
    """One task of a Label Studio JSON export."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | StrictInt | None = None
    data: LsData
    annotations: list[LsAnnotation] = []
    predictions: list[LsAnnotation] = []
    score: Score | None = None

    @field_validator("annotations", "predictions", mode="before")
    @classmethod
    def _inlined(cls, entries: object) -> object:
        """Only the inlined ones: a server's export lists a task's predictions by their ids."""
        if isinstance(entries, list):
            return [e for e in entries if not (isinstance(e, int) and not isinstance(e, bool))]
        return entries


_ONE_VALUE: TypeAdapter[list[str]] = TypeAdapter(list[StrictStr])


class Export:
    """A Label Studio JSON export as read: its tasks, each checked by :class:`LsTask` as :meth:`tasks`
    reaches it (so only one task's model is alive at a time, and the parsed JSON of each task is let go once
    read); :meth:`locate` places a problem by its JSON path in the file."""

    def __init__(self, path: str, raw: list[object], code: Callable[[str], str]):
        self.path = path
        self.raw: list[object] = raw
        self.code = code
        self._locator: Locator | None = None

    def tasks(self, issues: list[Issue]) -> Iterator[tuple[int, LsTask]]:
        """``(index, task)`` for each task of the right shape; the shape of every other one is reported into
        ``issues`` (``code`` names the issue code for a Pydantic error type), located."""
        for index in range(len(self.raw)):
            raw, self.raw[index] = self.raw[index], None
            try:
                task = LsTask.model_validate(raw)
            except ValidationError as exc:
                found = shape_issues(exc, self.path, f"task {index + 1}", prefix=(index,), code=self.code)
                issues += [self.locate(i) for i in found]
                continue
            yield index, task

    def locate(self, found: Issue) -> Issue:
        """``found`` placed in the export by its JSON path (one already given a line stays where it is). The
        file is read again to find lines only when there is a problem to place."""
        if found.line is not None:
            return found
        if self._locator is None:
            try:
                self._locator = Locator(decode_utf8(read_input(self.path)))
            except (InputRefused, ParseFailure):  # gone since it was read: the path still says where
                return found.located(self.path, None, None)
        return found.located(self.path, *self._locator.find(parse_path(found.path)))


def read_export(path: Path, *, code: Callable[[str], str], one_task: bool = False) -> Export:
    """A Label Studio JSON export, to read task by task (:meth:`Export.tasks`). ``code`` names the issue
    code for a Pydantic error type; ``one_task`` accepts a single task (a mapping) for a list of one. Raise
    :class:`CommuniqueError` when the file cannot be read, is no JSON, or holds no list of tasks."""
    where = str(path)
    try:
        tasks = parse_json(decode_utf8(read_input(path)))
    except InputRefused as refused:
        raise CommuniqueError([refused.issue]) from None
    except ParseFailure as failure:
        raise CommuniqueError([failure.issue.located(where, failure.issue.line, failure.issue.column)]) from None
    if one_task and isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        message = "a Label Studio JSON export is a list of tasks"
        raise CommuniqueError([issue(code("list_type"), message, file=where, line=1, column=1)])
    return Export(where, tasks, code)


# -- export label-studio


class _Results:
    """Builds the ``result`` list of one document: regions, their per-region values, then relations."""

    def __init__(self, text: str):
        self.offsets = Utf16Offsets(text)
        self.items: list[JsonObject] = []
        self.relations: list[JsonObject] = []
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
            kind, key = ("choices", "choices") if CONTROLS[name].choices else ("textarea", "text")
            self.items.append(
                {"id": rid, "from_name": name, "to_name": TEXT, "type": kind, "value": {**where, key: [value]}}
            )
        return rid

    def relate(self, source: str, target: str, label: str) -> None:
        self.relations.append(
            {"from_id": source, "to_id": target, "type": "relation", "direction": "right", "labels": [label]}
        )


def annotation_result(doc: AnnotatedDocument, text: str) -> list[JsonObject]:
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
        act_labels = _COMMITMENT_LABELS if commitment else _STANCE_LABELS
        countries = " ".join(f"{x.official_id}:{x.country}" for x in c.actors if x.country) or None
        kind = {"commitment_kind" if commitment else "stance_kind": c.kind}
        first = out.region(
            act_labels[0], c.evidence, c.id, countries=countries, **kind, modality_type=c.modality_type, review=c.review
        )
        out.region(act_labels[1], c.content, c.id)
        if c.modality:
            out.region(act_labels[2], c.modality, c.id)
        if c.time:
            time(act_labels[3], c.time, c.id)
        if isinstance(c, Commitment) and c.condition:
            out.region(COMMITMENT_CONDITION, c.condition, c.id)
        for actor in c.actors:
            out.relate(first, nearest(mentions[actor.official_id], c.evidence.start), "actor")
        if c.attribution_id:
            out.relate(first, anchors["attributions", c.attribution_id], "attribution")
        if c.meeting_id:
            out.relate(first, anchors["meetings", c.meeting_id], "meeting")
    return out.items + out.relations


def document_task(doc: AnnotatedDocument, text: str, model_version: str = "gold") -> JsonObject:
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


def gold_tasks(pairs: Iterable[tuple[AnnotatedDocument, CorpusLike]]) -> Iterator[JsonObject]:
    """Tasks pre-annotated with validated documents (``pairs`` yields them with their corpus documents)."""
    for doc, corpus in pairs:
        yield document_task(doc, corpus.text)


class Placed(SpanLike, Protocol):
    """A predicted span as the bench places it (``anchored`` false: its text was not found)."""

    @property
    def anchored(self) -> bool: ...


class PlacedOfficial(Protocol):
    @property
    def ref(self) -> str: ...
    @property
    def name(self) -> str | None: ...


class PlacedMention(Protocol):
    @property
    def extent(self) -> Placed: ...
    @property
    def form(self) -> str | None: ...
    @property
    def official(self) -> str: ...


class PlacedMeeting(Protocol):
    @property
    def evidence(self) -> Sequence[Placed]: ...
    @property
    def participants(self) -> Set[str]: ...
    @property
    def location(self) -> Placed | None: ...
    @property
    def time(self) -> Placed | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def mode(self) -> str | None: ...


class PlacedAttribution(Protocol):
    @property
    def contents(self) -> Sequence[Placed]: ...
    @property
    def cues(self) -> Sequence[Placed]: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def speech_act(self) -> str | None: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def unresolved(self) -> str | None: ...


class PlacedCommitment(Protocol):
    @property
    def evidence(self) -> Placed: ...
    @property
    def content(self) -> Placed | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def actors(self) -> Set[str]: ...
    @property
    def time(self) -> Placed | None: ...


class PlacedPredictions(Protocol):
    """An extractor's predictions for one document with every span placed and every official referenced
    by one ref, as :func:`communique.bench.predictions.read_predictions` gives them (by shape, so this
    module needs nothing from the bench)."""

    @property
    def officials(self) -> Sequence[PlacedOfficial]: ...
    @property
    def mentions(self) -> Sequence[PlacedMention]: ...
    @property
    def meetings(self) -> Sequence[PlacedMeeting]: ...
    @property
    def attributions(self) -> Sequence[PlacedAttribution]: ...
    @property
    def commitments(self) -> Sequence[PlacedCommitment]: ...
    @property
    def stances(self) -> Sequence[PlacedCommitment]: ...


def prediction_result(predicted: PlacedPredictions, text: str) -> tuple[list[JsonObject], int]:
    """The ``result`` list for an extractor's predictions (as the benchmark reads them), and how many
    predicted spans had no place in it (unanchored, or a mention without a form).

    Predictions carry less than the gold: items get fresh ids (``o1``, ``m1``, ``a1``, ``c1``, ``st1``),
    meeting participants no roles, attributions to a non-official source no source relation; fields an
    extractor did not predict are left for the annotator. (The predictions are read as the benchmark reads
    them.)
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
    for prefix, kind_field, act_labels, c in acts:
        numbers[prefix] = numbers.get(prefix, 0) + 1
        if not c.evidence.anchored:
            dropped += 1
            continue
        item = f"{prefix}{numbers[prefix]}"
        first = out.region(act_labels[0], _span(c.evidence), item, **{kind_field: c.kind})
        for label, optional in ((act_labels[1], c.content), (act_labels[3], c.time)):
            if optional is not None and optional.anchored:
                out.region(label, _span(optional), item)
        for actor in sorted(c.actors):
            relate(first, actor, c.evidence.start, "actor")
    return out.items + out.relations, dropped


def _span(extent: Placed) -> Span:
    return Span(start=extent.start, end=extent.end, text=extent.text)


def prediction_tasks(
    documents: Mapping[str, PlacedPredictions], corpus: CorpusStore, model_version: str
) -> tuple[list[JsonObject], int]:
    """Tasks pre-annotated with an extractor's predictions (read by :func:`communique.bench.predictions.
    read_predictions`, which resolved every document), and the number of predicted spans left out."""
    tasks: list[JsonObject] = []
    dropped = 0
    for doc_id, predicted in documents.items():
        text = corpus.text(doc_id)
        assert text is not None  # reading the predictions resolved every document
        result, left_out = prediction_result(predicted, text.text)
        dropped += left_out
        tasks.append(
            {
                "data": {"text": text.text, "document_id": doc_id, "text_sha256": text.sha256},
                "predictions": [{"model_version": model_version, "result": result}],
            }
        )
    return tasks, dropped


def export_label_studio(tasks: Iterable[JsonObject], out: Path) -> int:
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


# -- import label-studio

#: item fields that hold one span, and those that are times
_SINGLE = {(s.layer, s.role) for s in SPAN_LABELS.values() if s.single}
_TIMES = {(s.layer, s.role) for s in SPAN_LABELS.values() if s.time}


@dataclass
class _Region:
    label: str
    layer: str
    role: str
    span: JsonObject
    path: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, path)


@dataclass
class _Item:
    id: str
    spans: dict[str, list[JsonObject]] = field(default_factory=dict)
    fields: dict[str, tuple[JsonValue, str]] = field(default_factory=dict)  # field -> (value, where it was given)
    participants: list[JsonObject] = field(default_factory=list)
    source: str = ""  # path of the item's first region in the export
    span_paths: dict[str, list[str]] = field(default_factory=dict)  # role -> path of each span's region
    participant_paths: list[str] = field(default_factory=list)  # path of each participant's relation
    actors: list[str] = field(default_factory=list)  # official ids, in relation order
    actor_paths: list[str] = field(default_factory=list)


def _import_code(kind: str) -> str:
    """The issue code of an import for a Pydantic error type."""
    return "missing-field" if kind == "missing" else "type-error"


def import_label_studio(
    path: Path,
    corpus_dir: Path,
    *,
    predictions: bool = False,
    annotators: list[str] | None = None,
    guidelines_version: str | None = None,
) -> ImportResult:
    """Rebuild and validate the annotation documents of a Label Studio JSON export (nothing is written).

    ``annotators`` and ``guidelines_version`` fill in tasks whose data lacks them (tasks pre-annotated from
    an extractor's predictions).
    """
    result = ImportResult()
    try:
        export = read_export(path, code=_import_code)
    except CommuniqueError as exc:
        result.issues += exc.issues
        return result
    store = CorpusStore(corpus_dir)
    found: list[Issue] = []
    seen: dict[str, int] = {}
    defaults = _Defaults(annotators, guidelines_version)
    empty = not export.raw
    for index, task in export.tasks(found):
        document = _import_task(task, index, store, predictions, defaults, found, export.path)
        if document is None:
            continue
        if document.document_id in seen:
            found.append(
                issue(
                    "duplicate-document",
                    f"{document.document_id!r} is also the document of task {seen[document.document_id]}",
                    path=f"$[{index}].data.document_id",
                )
            )
            continue
        seen[document.document_id] = index
        result.documents.append(document)
    result.issues = [export.locate(i) for i in found]
    if empty:
        result.issues.append(issue("empty-file", "the export holds no tasks", file=export.path))
    return result


@dataclass(frozen=True)
class _Defaults:
    """The document fields for tasks whose data does not give them."""

    annotators: list[str] | None
    guidelines_version: str | None


def _import_task(
    task: LsTask,
    index: int,
    store: CorpusStore,
    predictions: bool,
    defaults: _Defaults,
    issues: list[Issue],
    file: str,
) -> AnnotatedDocument | None:
    where = f"$[{index}]"
    data = task.data
    for key, given in (("document_id", data.document_id), ("text", data.text)):
        if given is None:
            issues.append(issue("missing-field", f"task data has no {key!r} string", path=f"{where}.data.{key}"))
            return None
    assert data.document_id is not None and data.text is not None  # checked just above
    try:
        corpus = store.text(data.document_id)
    except CorpusUnreadable as exc:
        issues.append(exc.as_issue())
        return None
    if corpus is None:
        issues.append(
            issue("unknown-document", f"no corpus document {data.document_id!r}", path=f"{where}.data.document_id")
        )
        return None
    if data.text != corpus.text:
        issues.append(
            issue(
                "stale-hash",
                "the task's text differs from the corpus document",
                path=f"{where}.data.text",
                hint="the export was made against another version of the text",
            )
        )
        return None
    key = "predictions" if predictions else "annotations"
    chosen = _choose(task.predictions if predictions else task.annotations)
    if chosen is None:
        issues.append(
            issue(
                "task-unannotated",
                f"task {index if task.id is None else task.id} ({data.document_id}) has no submitted "
                f"{key[:-1]}; skipped",
                path=f"{where}.{key}",
            )
        )
        return None
    at, annotation = chosen
    before = len(issues)
    layers, sources = _rebuild(annotation.result, f"{where}.{key}[{at}].result", corpus, issues)
    if len(issues) > before:
        return None
    rebuilt: JsonObject = {
        "schema_version": SCHEMA_VERSION,
        "document_id": data.document_id,
        "text_sha256": data.text_sha256 or corpus.sha256,
        "guidelines_version": data.guidelines_version or defaults.guidelines_version,
        "annotators": defaults.annotators if data.annotators is None else data.annotators,
        **layers,
    }
    found, document = validate_rebuilt(rebuilt, store, sources, file)
    issues.extend(found)
    return document


def _choose(entries: list[LsAnnotation]) -> tuple[int, LsAnnotation] | None:
    """The annotation to import: not cancelled, the most recently updated (the last one on a tie)."""
    usable = [(i, e) for i, e in enumerate(entries) if not e.was_cancelled]
    if not usable:
        return None
    return max(usable, key=lambda pair: (pair[1].updated_at or "", pair[0]))


def _rebuild(
    results: list[LsResult], where: str, corpus: CorpusText, issues: list[Issue]
) -> tuple[JsonObject, dict[JsonPath, tuple[str, int | None]]]:
    """The annotation data of one annotation's results, and where in the export each part came from."""
    offsets = Utf16Offsets(corpus.text)
    regions: dict[str, _Region] = {}
    extras: list[tuple[int, LsResult]] = []
    relations: list[tuple[int, LsResult]] = []
    refused: set[str] = set()  # regions already reported: what hangs on them is not reported again
    for k, r in enumerate(results):
        path = f"{where}[{k}]"
        if r.type == "relation":
            relations.append((k, r))
        elif r.type == "labels":
            region = _region(r, path, offsets, corpus, issues)
            if region is None:
                refused.add(str(r.id))
            else:
                if str(r.id) in regions:
                    issues.append(issue("duplicate-id", f"two regions have the id {r.id!r}", path=f"{path}.id"))
                regions[str(r.id)] = region
        elif r.type in ("textarea", "choices"):
            extras.append((k, r))
        else:
            issues.append(issue("unknown-label", f"result type {r.type!r} is not part of the configuration", path=path))
    for k, r in extras:
        if str(r.id) in refused:
            continue
        _attach(r, f"{where}[{k}]", regions, issues)

    items: dict[str, dict[str, _Item]] = {layer: {} for layer in LAYERS}
    owner: dict[str, tuple[str, str]] = {}  # region id -> (layer, item id)
    for rid, region in regions.items():
        item_id = region.fields.get(ITEM)
        if item_id is None:
            issues.append(issue("missing-field", f"region {rid!r} does not name its item", path=region.path))
            continue
        item = items[region.layer].setdefault(item_id[0], _Item(item_id[0]))
        owner[rid] = (region.layer, item.id)
        span = region.span
        if (region.layer, region.role) in _TIMES and "value" in region.fields:
            span = {**span, "value": region.fields["value"][0]}
        if region.layer == "officials":
            span = {**span, "form": next(f for f, lab in MENTION_LABELS.items() if lab == region.label)}
        item.spans.setdefault(region.role, []).append(span)
        item.span_paths.setdefault(region.role, []).append(region.path)
        item.source = item.source or region.path
        for name, (value, path) in region.fields.items():
            _region_field(item, region, name, value, path, issues)
    for k, r in relations:
        if refused & {str(r.from_id), str(r.to_id)}:
            continue
        _relate(r, f"{where}[{k}]", owner, items, issues)
    sources: dict[JsonPath, tuple[str, int | None]] = {(): (where, None)}
    data: JsonObject = {
        layer: [_build(layer, n, item, issues, sources) for n, item in enumerate(group.values())]
        for layer, group in items.items()
    }
    return data, sources


def _region_field(item: _Item, region: _Region, name: str, value: str, path: str, issues: list[Issue]) -> None:
    """One per-region value, as a field of the region's item (the item id and a time's value are read
    with the span)."""
    control = CONTROLS[name]
    if name in (ITEM, "value"):
        if name == "value" and (region.layer, region.role) not in _TIMES:
            issues.append(issue("invalid-value", f"value is a time's calendar date, not a {region.label}'s", path=path))
    elif region.layer not in control.layers:
        message = (
            f"{name} belongs to {' or '.join(control.layers)}, not to a {region.label}"
            if control.choices
            else f"{name} is not a field of a {region.label}"
        )
        issues.append(issue("unknown-label", message, path=path))
    else:
        _set(item, control.field, value, path, issues)


def _region(r: LsResult, path: str, offsets: Utf16Offsets, corpus: CorpusText, issues: list[Issue]) -> _Region | None:
    if r.from_name != LABEL or r.to_name != TEXT:
        issues.append(issue("unknown-label", "a labels result must come from `label` on `text`", path=path))
        return None
    try:
        value = LsSpanValue.model_validate(r.value)
    except ValidationError as exc:
        issues.extend(shape_issues(exc, "-", "a region", prefix=(*parse_path(path), "value"), code=_import_code))
        return None
    names = value.labels
    if len(names) != 1 or names[0] not in SPAN_LABELS:
        issues.append(
            issue(
                "unknown-label",
                f"region labels {names!r}: each region has exactly one of {', '.join(SPAN_LABELS)}",
                path=f"{path}.value.labels",
            )
        )
        return None
    start, end = offsets.to_code_points(value.start), offsets.to_code_points(value.end)
    problem = check_span(corpus, start, end, value.text, f"{path}.value.text")
    if problem is not None:
        issues.append(problem)
        return None
    assert start is not None and end is not None and value.text is not None  # checked by check_span
    label = SPAN_LABELS[names[0]]
    return _Region(names[0], label.layer, label.role, span_data(start, end, value.text), path)


def _attach(r: LsResult, path: str, regions: dict[str, _Region], issues: list[Issue]) -> None:
    name = r.from_name
    region = regions.get(str(r.id))
    if region is None:
        issues.append(issue("dangling-reference", f"{name} is given for no region ({r.id!r})", path=path))
        return
    key = "text" if r.type == "textarea" else "choices"
    control = CONTROLS.get(name or "")
    if control is None or control.choices != (key == "choices"):
        issues.append(issue("unknown-label", f"{r.type} {name!r} is not part of the configuration", path=path))
        return
    assert name is not None  # a control's name
    try:
        given = _ONE_VALUE.validate_python(r.value.get(key))
    except ValidationError:
        given = []
    if len(given) != 1:
        issues.append(issue("type-error", f"{name} needs exactly one value", path=f"{path}.value.{key}"))
        return
    if control.choices and given[0] not in control.values:
        allowed_values = ", ".join(control.values)
        issues.append(
            issue("unknown-label", f"{name} {given[0]!r} is not one of {allowed_values}", path=f"{path}.value.{key}")
        )
        return
    if name in region.fields and region.fields[name][0] != given[0]:
        issues.append(issue("conflicting-values", f"{name} is given twice for one region", path=path))
        return
    region.fields[name] = (given[0], f"{path}.value.{key}")


def _set(item: _Item, name: str, value: JsonValue, path: str, issues: list[Issue]) -> None:
    if name in item.fields and item.fields[name][0] != value:
        issues.append(
            issue(
                "conflicting-values",
                f"{item.id}: {name} is {value!r} here but {item.fields[name][0]!r} elsewhere",
                path=path,
            )
        )
    item.fields.setdefault(name, (value, path))


def _relate(
    r: LsResult,
    path: str,
    owner: dict[str, tuple[str, str]],
    items: dict[str, dict[str, _Item]],
    issues: list[Issue],
) -> None:
    names = r.labels
    if names is None or len(names) != 1 or names[0] not in RELATIONS:
        issues.append(
            issue(
                "unknown-label",
                f"relation labels {names!r}: each relation has exactly one of {', '.join(RELATIONS)}",
                path=f"{path}.labels",
            )
        )
        return
    label = names[0]
    sources, target_layer, fld = RELATIONS[label]
    ends = [owner.get(str(r.from_id)), owner.get(str(r.to_id))]
    if None in ends:
        issues.append(issue("dangling-reference", f"the {label} relation joins an unknown region", path=path))
        return
    # the direction an annotator drew it in does not matter: the layers say which end is which
    for a, b in (ends, ends[::-1]):
        assert a is not None and b is not None
        if a[0] in sources.split("|") and b[0] in target_layer.split("|"):
            item = items[a[0]][a[1]]
            if fld in labels(ParticipantRole) or fld == PARTICIPANT:
                item.participants.append({"official_id": b[1], "role": None if fld == PARTICIPANT else fld})
                item.participant_paths.append(path)
            elif fld == "actors":
                item.actors.append(b[1])
                item.actor_paths.append(path)
            elif fld == "source":
                kind = "official" if b[0] == "officials" else "source"
                _set(item, "source", {"type": kind, f"{kind}_id": b[1]}, path, issues)
            else:
                _set(item, fld, b[1], path, issues)
            return
    issues.append(
        issue(
            "invalid-value",
            f"a {label} relation joins a {sources.replace('|', ' or ')} item and one of "
            f"{target_layer.replace('|', ' or ')}",
            path=path,
        )
    )


def _build(
    layer: str, index: int, item: _Item, issues: list[Issue], sources: dict[JsonPath, tuple[str, int | None]]
) -> JsonObject:
    out: JsonObject = {"id": item.id}
    sources[layer, index] = (item.source, None)
    for name, (value, path) in item.fields.items():
        out[name] = value
        sources[layer, index, name] = (path, None)
    for role, spans in item.spans.items():
        paths = item.span_paths[role]
        if (layer, role) in _SINGLE:
            if len(spans) > 1:
                issues.append(
                    issue("conflicting-values", f"{item.id}: {len(spans)} {role} spans, one allowed", path=paths[1])
                )
            out[role] = spans[0]
            sources[layer, index, role] = (paths[0], None)
        else:
            out[role] = spans
            sources.update(((layer, index, role, j), (path, None)) for j, path in enumerate(paths))
    sources.update(((layer, index, "participants", j), (path, None)) for j, path in enumerate(item.participant_paths))
    review = ("review",)
    if layer == "officials":
        for name in ("name", "title", "rank", "country", "organisation"):
            out.setdefault(name, None)
        order = ("id", "name", "title", "rank", "country", "organisation", "participation", "mentions", *review)
        return _ordered(out, order)
    if layer == "sources":
        out.setdefault("country", None)
        return _ordered(out, ("id", "type", "country", "mentions", *review))
    if layer == "meetings":
        out["participants"] = item.participants
        out.setdefault("location", None)
        out.setdefault("time", None)
        return _ordered(out, ("id", "participants", "location", "time", "evidence", "status", "mode", *review))
    if layer == "attributions":
        out.setdefault("cues", [])
        reason = out.pop(UNRESOLVED, None)
        if reason is not None:
            if "source" in out:
                issues.append(
                    issue(
                        "conflicting-values",
                        f"{item.id}: a source relation and an unresolved reason",
                        path=item.fields[UNRESOLVED][1],
                    )
                )
            out["source"] = {"type": "unresolved", "reason": reason}
            sources[layer, index, "source"] = (item.fields[UNRESOLVED][1], None)
        out.setdefault("source_span", None)
        order = ("id", "source", "source_span", "cues", "contents", "kind", "speech_act", "addressee_id", "meeting_id")
        return _ordered(out, (*order, *review))
    # commitments and stances: actors from the actor relations, their countries from the `countries` TextArea
    countries: dict[str, str | None] = {}
    given = out.pop(COUNTRIES, None)
    if given is not None:
        for pair in str(given).replace(",", " ").split():
            official, _, code = pair.partition(":")
            countries[official] = code or None
        unknown = set(countries) - set(item.actors)
        if unknown:
            issues.append(
                issue(
                    "invalid-value",
                    f"{item.id}: countries given for {', '.join(sorted(unknown))}, which are not its actors",
                    path=item.fields[COUNTRIES][1],
                )
            )
    out["actors"] = [{"official_id": o, "country": countries.get(o)} for o in item.actors]
    sources.update(((layer, index, "actors", j), (path, None)) for j, path in enumerate(item.actor_paths))
    order = ("id", "actors", "kind", "content", "evidence", "time", "modality", "modality_type", "condition")
    return _ordered(out, (*order, "attribution_id", "meeting_id", *review))


def _ordered(data: JsonObject, order: tuple[str, ...]) -> JsonObject:
    return {**{k: data[k] for k in order if k in data}, **{k: v for k, v in data.items() if k not in order}}


# -- convert --from labelstudio

_SPAN_TYPES = ("labels", "hypertextlabels")


def _convert_spans(
    task: LsTask, text: str, index: int, where: str, out: Converted
) -> tuple[dict[str, Labelled], list[tuple[str, str]]]:
    """The labelled spans (by result id) and relations of a task's first annotation (or prediction)."""
    key = "annotations" if task.annotations else "predictions"
    sources = task.annotations or task.predictions
    results = sources[0].result if sources else []
    offsets: Utf16Offsets | None = None
    spans: dict[str, Labelled] = {}
    for j, r in enumerate(results):
        at: JsonPath = (index, key, 0, "result", j, "value")
        if r.type not in _SPAN_TYPES or "start" not in r.value:
            continue
        try:
            value = LsSpanValue.model_validate(r.value)
        except ValidationError as exc:
            out.issues.extend(shape_issues(exc, where, f"task {index + 1}", prefix=at))
            continue
        labelled = value.labels or value.hypertextlabels
        if not labelled:
            continue
        start, end = value.start, value.end
        if 0 <= start < end and value.text is not None and text[start:end] != value.text:
            offsets = offsets or Utf16Offsets(text)  # what a browser counts
            points = offsets.to_code_points(start), offsets.to_code_points(end)
            start, end = (points[0], points[1]) if points[0] is not None and points[1] is not None else (start, end)
        dropped = dropped_span(where, f"task {index + 1}", start, end, len(text), path=at)
        if dropped is not None:
            out.issues.append(dropped)
            continue
        spans[str(r.id if r.id is not None else len(spans))] = (start, end, labelled[0], r.score or task.score)
    links = [(str(r.from_id), str(r.to_id)) for r in results if r.type == "relation"]
    return spans, links


def convert_label_studio(path: Path, index: CorpusIndex, out: Converted) -> None:
    """Predictions from a Label Studio JSON export (a list of tasks, or one task)."""
    export = read_export(path, code=lambda kind: "convert-bad-input", one_task=True)
    before = len(out.issues)
    skipped: list[str] = []
    for number, task in export.tasks(out.issues):
        text = task.data.the_text()
        target = index.find(document_id=task.data.document_id, text=text)
        if target is None or text is None:
            what = f"task {number + 1} (id {task.id!r})"
            out.issues.append(unknown_document(export.path, what, path=f"$[{number}].data"))
            continue
        builder = DocumentBuilder(target, text, "label studio", where=export.path)
        spans, links = _convert_spans(task, text, number, export.path, out)
        skipped += _labelled_with_links(builder, spans, links)
        finish_document(out, builder, f"task {number + 1}")
    out.issues[before:] = [i if i.path == "$" else export.locate(i) for i in out.issues[before:]]
    note_unplaced(out, export.path, skipped)


def _labelled_with_links(
    builder: DocumentBuilder, spans: dict[str, Labelled], links: list[tuple[str, str]]
) -> list[str]:
    """Flat spans, except that a quote linked to its speaker or cues takes those rather than the nearest."""
    linked: dict[str, dict[str, list[tuple[int, int]]]] = {}
    used: set[str] = set()
    for a, b in links:
        for quote, other in ((a, b), (b, a)):
            if quote in spans and other in spans and role_of(spans[quote][2]) == "content":
                role = role_of(spans[other][2])
                if role in ("cue", "speaker"):
                    linked.setdefault(quote, {"cue": [], "speaker": []})[role].append(spans[other][:2])
                    used.add(other)
    rest = [s for k, s in spans.items() if k not in used and k not in linked]
    for s, e, label, _ in rest:
        if role_of(label) == "mention":
            builder.add_mention(s, e, form="name")
    for key, parts in linked.items():
        s, e, _, confidence = spans[key]
        speaker = parts["speaker"][0] if parts["speaker"] else None
        builder.add_attribution([(s, e)], cues=parts["cue"], speaker=speaker, confidence=confidence)
    return builder.add_labelled([x for x in rest if role_of(x[2]) != "mention"])
