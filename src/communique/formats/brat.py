"""brat (and INCEpTION) standoff: ``communique export brat``, ``communique import brat`` and
``communique convert --from brat``, all from the one vocabulary table below (:data:`ENTITIES`,
:data:`EVENTS`, :data:`ATTRIBUTES`, built from the models' ``Literal`` types), which also gives
``annotation.conf`` and ``visual.conf``. The syntax is :mod:`communique.formats.standoff`'s.

Export: per document ``<id>.txt`` (the corpus text, byte for byte) and ``<id>.ann``; once per export the
``annotation.conf`` and ``visual.conf`` made from the table (labels are never listed by hand).

Mapping:

* every mention is a ``Mention`` text-bound annotation with a ``Form`` attribute and an ``AnnotatorNotes``
  naming its official; the mentions of one official are linked by an ``Equiv`` equivalence;
* every mention of a non-official source is a ``SourceMention`` with a ``SourceType`` attribute and a note
  naming the source (and its country); a source's mentions are linked by an ``Equiv`` too;
* an attribution is an ``Attribution`` event triggered by its cue(s), with a ``Content`` argument
  (``AttributionContent``), a ``Source`` argument (the mention of its official or source nearest to the
  content), a ``SourceSpan`` argument (``AttributionSource``, the source expression), an ``Addressee``, and
  ``AttributionKind`` and ``SpeechAct`` attributes; an unresolved source is an ``Unresolved`` attribute with
  its reason;
* a meeting is a ``Meeting`` event triggered by its evidence, with ``Visitor``/``Host``/``Participant``
  arguments (nearest mention of each official), ``Location`` and ``Time``, and ``Status`` and
  ``MeetingMode`` attributes;
* a commitment is a ``Commitment`` event triggered by its evidence, with one ``Actor`` argument per actor (in
  order), ``Content`` (``CommitmentContent``), ``Modality``, ``Time`` and ``Condition`` arguments and
  ``CommitmentKind`` and ``ModalityType`` attributes; the countries its actors speak for are in its note;
* a stance is a ``Stance`` event, as a commitment is (``StanceContent``, ``StanceKind``; no condition).

Notes (``AnnotatorNotes``) carry what brat has no place for, as ``key=value; ...``: the ids, each mention's
official with the official's attributes, a time's calendar value, ``review=draft`` on unchecked items. The
document fields (annotators, guidelines version, text hash) go to ``communique.json``.

Offsets are code points, as brat counts them (it reads text as Unicode). A span that crosses a line
break is written as fragments, as brat itself does.

Import (:func:`import_brat`) is the reverse, into validated annotation documents. A mention without a note
takes its official from an ``Equiv`` with a mention that has one. What brat gives is taken as given:
text-bounds are checked against the corpus text and refused when they differ, never re-anchored; fragments
of one text-bound separated only by whitespace that holds a line break are joined back into one span; an
attribution exported with its content as trigger (it had no cues) reads back as no cues.

Convert (:func:`convert_brat`) reads any brat folder (or one ``.ann``) into predictions, leniently: the
events above (and format 1's ``Quote`` events, ``Speaker`` arguments and ``QuoteKind`` attributes,
:data:`FORMAT_1`), ``Equiv`` groups as officials, plain entities by label through the flat-label table
(:data:`communique.formats.builder.LABELS`). A ``.txt`` that differs from the corpus text makes spans go by
text; offsets outside it are left out with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from communique.annotate.checks import show_value
from communique.annotate.importers import ImportResult, span_data, validate_rebuilt
from communique.corpus.store import CorpusLike, CorpusStore, CorpusText, CorpusUnreadable
from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    Labelled,
    dropped_span,
    finish_document,
    note_unplaced,
    role_of,
    shape_issues,
    unknown_document,
)
from communique.formats.standoff import Standoff, note_fields, note_text, one_line, parse_standoff
from communique.io.folder import replace_folder
from communique.io.parse import JsonPath, Locator, ParseFailure, decode_utf8, parse_json, parse_path
from communique.io.read import MAX_TEXT_BYTES, InputRefused, read_input, read_text
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
    Official,
    OfficialSource,
    ParticipantRole,
    Source,
    SourceReference,
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
    "ATTRIBUTES",
    "DOCUMENTS_FILE",
    "ENTITIES",
    "EVENTS",
    "FORMAT_1",
    "OFFICIAL_NOTE",
    "ROLE_ARGS",
    "DocumentFields",
    "annotation_conf",
    "convert_brat",
    "export_brat",
    "import_brat",
    "render_ann",
    "visual_conf",
]

# -- the vocabulary


@dataclass(frozen=True)
class EntityType:
    """A text-bound label: its colour, and its name and abbreviation in brat's menus (None: the label)."""

    colour: str
    shown: tuple[str, str] | None = None


@dataclass(frozen=True)
class Argument:
    """An event argument: its role, how many (brat's ``""`` once, ``?``, ``*``, ``+``), what it points at."""

    role: str
    times: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class EventType:
    """An event label: its colour, its layer in the annotation, and its arguments."""

    colour: str
    layer: str
    arguments: tuple[Argument, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(a.role for a in self.arguments)


@dataclass(frozen=True)
class AttributeType:
    """An attribute: the label it is set on, and its values (a model's ``Literal``)."""

    target: str
    values: tuple[str, ...]


#: text-bound labels (an event's trigger is a text-bound with the event's label)
ENTITIES: dict[str, EntityType] = {
    "Mention": EntityType("#ffd6a5", ("Mention", "M")),
    "SourceMention": EntityType("#ffe5b4", ("Source mention", "SM")),
    "AttributionContent": EntityType("#caffbf", ("Attribution content", "AC")),
    "AttributionSource": EntityType("#e4c1f9", ("Attribution source", "AS")),
    "CommitmentContent": EntityType("#ffc6ff", ("Commitment content", "CC")),
    "StanceContent": EntityType("#d0e1ff", ("Stance content", "SC")),
    "Location": EntityType("#9bf6ff"),
    "Time": EntityType("#9bf6ff"),
    "Modality": EntityType("#fdffb6"),
    "Condition": EntityType("#ffe0e0"),
}
#: a meeting participant's role -> its argument (visitor -> Visitor)
ROLE_ARGS: dict[str, str] = {role: role.capitalize() for role in labels(ParticipantRole)}
#: meeting argument -> participant role (Visitor -> visitor)
_ROLES: dict[str, ParticipantRole] = {arg: cast(ParticipantRole, role) for role, arg in ROLE_ARGS.items()}
_MENTION = ("Mention",)
EVENTS: dict[str, EventType] = {
    "Attribution": EventType(
        "#bdb2ff",
        "attributions",
        (
            Argument("Content", "+", ("AttributionContent",)),
            Argument("Source", "?", ("Mention", "SourceMention")),
            Argument("SourceSpan", "?", ("AttributionSource",)),
            Argument("Addressee", "?", _MENTION),
        ),
    ),
    "Meeting": EventType(
        "#a0c4ff",
        "meetings",
        (
            *(Argument(arg, "*", _MENTION) for arg in ROLE_ARGS.values()),
            Argument("Participant", "*", _MENTION),
            Argument("Location", "?", ("Location",)),
            Argument("Time", "?", ("Time",)),
        ),
    ),
    "Commitment": EventType(
        "#ffadad",
        "commitments",
        (
            Argument("Actor", "+", _MENTION),
            Argument("Content", "", ("CommitmentContent",)),
            Argument("Modality", "?", ("Modality",)),
            Argument("Time", "?", ("Time",)),
            Argument("Condition", "?", ("Condition",)),
        ),
    ),
    "Stance": EventType(
        "#9db4e8",
        "stances",
        (
            Argument("Actor", "+", _MENTION),
            Argument("Content", "", ("StanceContent",)),
            Argument("Modality", "?", ("Modality",)),
            Argument("Time", "?", ("Time",)),
        ),
    ),
}
ATTRIBUTES: dict[str, AttributeType] = {
    "Form": AttributeType("Mention", tuple(labels(MentionForm))),
    "SourceType": AttributeType("SourceMention", tuple(labels(SourceType))),
    "AttributionKind": AttributeType("Attribution", tuple(labels(AttributionKind))),
    "SpeechAct": AttributeType("Attribution", tuple(labels(SpeechAct))),
    "Unresolved": AttributeType("Attribution", tuple(labels(UnresolvedReason))),
    "Status": AttributeType("Meeting", tuple(labels(MeetingStatus))),
    "MeetingMode": AttributeType("Meeting", tuple(labels(MeetingMode))),
    "CommitmentKind": AttributeType("Commitment", tuple(labels(CommitmentKind))),
    "StanceKind": AttributeType("Stance", tuple(labels(StanceKind))),
    "ModalityType": AttributeType("Commitment|Stance", tuple(labels(ModalityType))),
}
#: format 1's names, still read by ``convert --from brat``: event labels, argument roles, attribute names
FORMAT_1: dict[str, str] = {"Quote": "Attribution", "Speaker": "Source", "QuoteKind": "AttributionKind"}
#: the official's fields the note on each of its mentions carries (after ``official=<id>``)
OFFICIAL_NOTE = ("name", "title", "rank", "country", "organisation", "participation", "review")
#: the official fields written as null when a note does not give them (``review`` is absent once checked)
_OFFICIAL_NULLS = ("name", "title", "rank", "country", "organisation")
#: the document fields brat has no place for (brat ignores files other than .txt, .ann and .conf)
DOCUMENTS_FILE = "communique.json"


def annotation_conf() -> str:
    """brat's type system for the export, from the vocabulary table."""
    events = "\n".join(
        f"{label}\t" + ", ".join(f"{a.role}{a.times}:{'|'.join(a.targets)}" for a in event.arguments)
        for label, event in EVENTS.items()
    )
    attributes = "\n".join(f"{name}\tArg:{a.target}, Value:{'|'.join(a.values)}" for name, a in ATTRIBUTES.items())
    entities = "\n".join(ENTITIES)
    return f"""# communique brat configuration, generated from the Pydantic models; do not edit.
[entities]
{entities}

[relations]
Equiv\tArg1:Mention|SourceMention, Arg2:Mention|SourceMention, <REL-TYPE>:symmetric-transitive
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
{events}

[attributes]
{attributes}
"""


def visual_conf() -> str:
    """brat's display configuration: menu names of the text-bound labels, and every label's colour."""
    shown = [f"{label} | {long} | {short}" for label, e in ENTITIES.items() if e.shown for long, short in [e.shown]]
    colours = [f"{label}\tbgColor:{e.colour}" for label, e in ENTITIES.items()]
    colours += [f"{label}\tbgColor:{e.colour}" for label, e in EVENTS.items()]
    return "\n".join(["# communique brat visual configuration", "[labels]", *shown, "[drawing]", *colours]) + "\n"


class DocumentFields(BaseModel):
    """What ``communique.json`` says of one document."""

    model_config = ConfigDict(strict=True, extra="forbid")

    text_sha256: str | None = None
    guidelines_version: str | None = None
    annotators: list[str] | None = None


_DOCUMENTS: TypeAdapter[dict[str, DocumentFields]] = TypeAdapter(dict[str, DocumentFields])


# -- export brat


def _fragments(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Spans as brat fragments: sorted, split at line breaks, without edge whitespace."""
    out: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start = span.start
        for line in text[span.start : span.end].split("\n"):
            stripped = line.strip()
            if stripped:
                lead = len(line) - len(line.lstrip())
                out.append((start + lead, start + lead + len(stripped)))
            start += len(line) + 1
    return out


class _Ann:
    """Numbers and formats .ann lines."""

    def __init__(self, text: str):
        self.text = text
        self.lines: list[str] = []
        self.count = {"T": 0, "E": 0, "A": 0, "#": 0}

    def next_id(self, kind: str) -> str:
        self.count[kind] += 1
        return f"{kind}{self.count[kind]}"

    def textbound(self, label: str, spans: Sequence[Span]) -> str:
        frags = _fragments(self.text, spans)
        tid = self.next_id("T")
        where = ";".join(f"{s} {e}" for s, e in frags)
        self.lines.append(f"{tid}\t{label} {where}\t{one_line(' '.join(self.text[s:e] for s, e in frags))}")
        return tid

    def event(self, label: str, trigger: str, args: list[tuple[str, str]]) -> str:
        eid = self.next_id("E")
        numbered: list[str] = []
        seen: dict[str, int] = {}
        for role, target in args:
            seen[role] = seen.get(role, 0) + 1
            numbered.append(f"{role}{seen[role] if seen[role] > 1 else ''}:{target}")
        self.lines.append(f"{eid}\t{label}:{trigger}" + "".join(f" {a}" for a in numbered))
        return eid

    def attribute(self, name: str, target: str, value: str) -> None:
        self.lines.append(f"{self.next_id('A')}\t{name} {target} {value}")

    def note(self, target: str, value: str) -> None:
        self.lines.append(f"{self.next_id('#')}\tAnnotatorNotes {target}\t{one_line(value)}")


def official_note(official: Official) -> str:
    """The note on each mention: its official and the official's attributes (brat has no place for them)."""
    fields = [("official", official.id)]
    fields += [(key, value) for key in OFFICIAL_NOTE if (value := getattr(official, key)) is not None]
    return note_text(fields)


def source_note(source: Source) -> str:
    """The note on each mention of a non-official source: the source, its country, its review mark."""
    return note_text([("source", source.id), *((k, v) for k in ("country", "review") if (v := getattr(source, k)))])


def _item_note(key: str, item_id: str, *pairs: tuple[str, str | None]) -> str:
    return "; ".join([f"{key}={item_id}", *(f"{k}={v}" for k, v in pairs if v)])


def time_textbound(ann: _Ann, time: TimeExpression) -> str:
    tid = ann.textbound("Time", [time])
    if time.value is not None:
        ann.note(tid, f"value={time.value}")
    return tid


def render_ann(doc: AnnotatedDocument, corpus: CorpusLike) -> str:
    """The .ann standoff text for one document."""
    ann = _Ann(corpus.text)
    mention_ids: dict[str, list[tuple[Span, str]]] = {}  # official or source id -> its mentions
    for official in doc.officials:
        ids: list[tuple[Span, str]] = []
        for mention in official.mentions:
            tid = ann.textbound("Mention", [mention])
            ann.attribute("Form", tid, mention.form)
            ann.note(tid, official_note(official))
            ids.append((mention, tid))
        mention_ids[official.id] = ids
        if len(ids) > 1:
            ann.lines.append("*\tEquiv " + " ".join(tid for _, tid in ids))
    source_ids: dict[str, list[tuple[Span, str]]] = {}
    for source in doc.sources:
        spans: list[tuple[Span, str]] = []
        for span in source.mentions:
            tid = ann.textbound("SourceMention", [span])
            ann.attribute("SourceType", tid, source.type)
            ann.note(tid, source_note(source))
            spans.append((span, tid))
        source_ids[source.id] = spans
        if len(spans) > 1:
            ann.lines.append("*\tEquiv " + " ".join(tid for _, tid in spans))

    def nearest(mentions: list[tuple[Span, str]], at: int) -> str:
        return min(mentions, key=lambda pair: (abs(pair[0].start - at), pair[0].start))[1]

    for a in doc.attributions:
        where = min(s.start for s in a.contents)
        trigger = ann.textbound("Attribution", a.cues or a.contents)
        args = [("Content", ann.textbound("AttributionContent", a.contents))]
        if isinstance(a.source, OfficialSource):
            args.append(("Source", nearest(mention_ids[a.source.official_id], where)))
        elif isinstance(a.source, SourceReference):
            args.append(("Source", nearest(source_ids[a.source.source_id], where)))
        if a.source_span is not None:
            args.append(("SourceSpan", ann.textbound("AttributionSource", [a.source_span])))
        if a.addressee_id:
            args.append(("Addressee", nearest(mention_ids[a.addressee_id], where)))
        eid = ann.event("Attribution", trigger, args)
        ann.attribute("AttributionKind", eid, a.kind)
        ann.attribute("SpeechAct", eid, a.speech_act)
        if a.source.type == "unresolved":
            ann.attribute("Unresolved", eid, a.source.reason)
        ann.note(eid, _item_note("attribution", a.id, ("meeting", a.meeting_id), ("review", a.review)))
    for meeting in doc.meetings:
        where = min(s.start for s in meeting.evidence)
        trigger = ann.textbound("Meeting", meeting.evidence)
        args = [
            (ROLE_ARGS[p.role] if p.role else "Participant", nearest(mention_ids[p.official_id], where))
            for p in meeting.participants
        ]
        if meeting.location:
            args.append(("Location", ann.textbound("Location", [meeting.location])))
        if meeting.time:
            args.append(("Time", time_textbound(ann, meeting.time)))
        eid = ann.event("Meeting", trigger, args)
        ann.attribute("Status", eid, meeting.status)
        ann.attribute("MeetingMode", eid, meeting.mode)
        ann.note(eid, _item_note("meeting", meeting.id, ("review", meeting.review)))
    acts: list[Commitment | Stance] = [*doc.commitments, *doc.stances]
    for c in acts:
        label = "Commitment" if isinstance(c, Commitment) else "Stance"
        trigger = ann.textbound(label, [c.evidence])
        args = [("Actor", nearest(mention_ids[a.official_id], c.evidence.start)) for a in c.actors]
        args.append(("Content", ann.textbound(f"{label}Content", [c.content])))
        if c.modality:
            args.append(("Modality", ann.textbound("Modality", [c.modality])))
        if c.time:
            args.append(("Time", time_textbound(ann, c.time)))
        if isinstance(c, Commitment) and c.condition:
            args.append(("Condition", ann.textbound("Condition", [c.condition])))
        eid = ann.event(label, trigger, args)
        ann.attribute(f"{label}Kind", eid, c.kind)
        if c.modality_type:
            ann.attribute("ModalityType", eid, c.modality_type)
        # the country each actor speaks for, in actor order; "-" where the text does not say
        countries = ",".join(a.country or "-" for a in c.actors) if any(a.country for a in c.actors) else None
        ann.note(
            eid,
            _item_note(
                label.lower(),
                c.id,
                ("countries", countries),
                ("attribution", c.attribution_id),
                ("meeting", c.meeting_id),
                ("review", c.review),
            ),
        )
    return "\n".join(ann.lines) + "\n"


def document_fields(doc: AnnotatedDocument) -> DocumentFields:
    return DocumentFields(
        text_sha256=doc.text_sha256, guidelines_version=doc.guidelines_version, annotators=list(doc.annotators)
    )


def export_brat(pairs: Iterable[tuple[AnnotatedDocument, CorpusLike]], out: Path) -> int:
    """Write the brat files for every document; returns how many documents were written.

    The files are written into a staging folder that replaces ``out`` atomically once every document was
    valid (the iterator raises on invalid input, and then ``out`` is left as it was); see
    :func:`communique.io.folder.replace_folder` for which folders may be replaced.
    """
    count = 0
    documents: dict[str, DocumentFields] = {}

    def write(staging: Path) -> None:
        nonlocal count
        for doc, corpus in pairs:
            write_atomic(staging / f"{doc.document_id}.txt", corpus.text.encode("utf-8"))
            write_atomic(staging / f"{doc.document_id}.ann", render_ann(doc, corpus))
            documents[doc.document_id] = document_fields(doc)
            count += 1
        listed = _DOCUMENTS.dump_python(documents, mode="json")
        write_atomic(staging / DOCUMENTS_FILE, json.dumps(listed, ensure_ascii=False, indent=2) + "\n")
        write_atomic(staging / "annotation.conf", annotation_conf())
        write_atomic(staging / "visual.conf", visual_conf())

    replace_folder(out, write, kind="brat")
    return count


# -- import brat


@dataclass
class _Textbound:
    label: str
    spans: list[JsonObject]
    line: int


@dataclass
class _Event:
    label: str
    trigger: str
    args: list[tuple[str, str]]
    line: int


@dataclass
class _Checked:
    """One .ann file as the import reads it: only what fits the vocabulary, spans checked against the text."""

    textbounds: dict[str, _Textbound] = field(default_factory=dict)
    events: dict[str, _Event] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> name -> value
    notes: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> key -> value
    equivs: list[list[str]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # annotation id -> line


def import_brat(folder: Path, corpus_dir: Path) -> ImportResult:
    """Rebuild and validate the annotation documents of a brat folder (nothing is written)."""
    result = ImportResult()
    store = CorpusStore(corpus_dir)
    documents: dict[str, DocumentFields] = {}
    meta_path = folder / DOCUMENTS_FILE
    if meta_path.exists():
        try:
            meta_text = decode_utf8(read_input(meta_path))
            documents = _DOCUMENTS.validate_python(parse_json(meta_text))
        except InputRefused as refused:
            result.issues.append(refused.issue)
            return result
        except ParseFailure as failure:
            result.issues.append(failure.issue.located(str(meta_path), failure.issue.line, failure.issue.column))
            return result
        except ValidationError as exc:
            locator = Locator(meta_text)
            found = shape_issues(exc, str(meta_path), DOCUMENTS_FILE, code=_shape_code)
            result.issues += [i.located(str(meta_path), *locator.find(parse_path(i.path))) for i in found]
            return result
    anns = sorted(folder.glob("*.ann"))
    if not anns:
        result.issues.append(issue("file-not-found", "no .ann files in the folder", file=str(folder)))
    for path in anns:
        document = _import_document(path, documents.get(path.stem), str(meta_path), store, result.issues)
        if document is not None:
            result.documents.append(document)
    return result


def _shape_code(kind: str) -> str:
    """The issue code for a Pydantic error type in a file the import reads."""
    return "missing-field" if kind == "missing" else "unknown-field" if kind == "extra_forbidden" else "type-error"


def _import_document(
    path: Path, fields: DocumentFields | None, meta: str, store: CorpusStore, issues: list[Issue]
) -> AnnotatedDocument | None:
    name, doc_id = str(path), path.stem
    try:
        corpus = store.text(doc_id)
    except CorpusUnreadable as exc:
        issues.append(exc.as_issue().located(name, 1, 1))
        return None
    if corpus is None:
        issues.append(issue("unknown-document", f"no corpus document {doc_id!r} (named by the file)", file=name))
        return None
    txt = path.with_suffix(".txt")
    try:
        same = read_input(txt, MAX_TEXT_BYTES) == corpus.text.encode("utf-8")
    except InputRefused as refused:
        if refused.issue.code != "file-not-found":  # a FIFO or device, or a text too large: say so
            issues.append(refused.issue)
            return None
        same = False
    if not same:
        issues.append(
            issue(
                "stale-hash",
                f"{txt.name} is missing or differs from the corpus text",
                file=str(txt),
                hint="the export was made against another text; it is not re-anchored",
            )
        )
        return None
    if fields is None:
        issues.append(
            issue("missing-field", f"no document fields for {doc_id!r} (annotators, guidelines_version)", file=meta)
        )
        return None
    try:
        text = decode_utf8(read_input(path))
    except InputRefused as refused:
        issues.append(refused.issue)
        return None
    except ParseFailure as failure:
        issues.append(failure.issue.located(name, failure.issue.line, failure.issue.column))
        return None
    before = len(issues)
    ann = _checked(parse_standoff(text), corpus, name, issues)
    if len(issues) > before:
        return None
    layers, sources = _rebuild(ann, corpus, name, issues)
    rebuilt: JsonObject = {
        "schema_version": SCHEMA_VERSION,
        "document_id": doc_id,
        "text_sha256": fields.text_sha256 or corpus.sha256,
        "guidelines_version": fields.guidelines_version,
        "annotators": fields.annotators,
        **layers,
    }
    if len(issues) > before:
        return None
    problems, document = validate_rebuilt(rebuilt, store, sources, name)
    issues.extend(problems)
    return document


_ONLY = "communique uses T, E, A, * and # lines only"


def _checked(parsed: Standoff, corpus: CorpusText, name: str, issues: list[Issue]) -> _Checked:
    """What the import reads of a parsed .ann file: every line that does not fit the vocabulary is reported."""
    ann = _Checked()

    def bad(code: str, message: str, line: int) -> None:
        issues.append(issue(code, message, file=name, line=line, column=1))

    for line, _ in parsed.malformed:
        bad("standoff-syntax", "not a well-formed brat standoff line", line)
    for ident, line in parsed.others:
        bad("unknown-label", f"brat annotation {ident!r}: {_ONLY}", line)
    for tb in parsed.textbounds.values():
        ann.lines[tb.id] = tb.line
        if tb.label not in ENTITIES and tb.label not in EVENTS:
            bad("unknown-label", f"text-bound label {tb.label!r} is not in annotation.conf", tb.line)
        elif tb.text is None:
            bad("standoff-syntax", "a text-bound line ends in its text", tb.line)
        elif (spans := _spans(tb.fragments, corpus, tb.text, name, tb.line, issues)) is not None:
            ann.textbounds[tb.id] = _Textbound(tb.label, spans, tb.line)
    for event in parsed.events.values():
        ann.lines[event.id] = event.line
        if event.label not in EVENTS:
            bad("unknown-label", f"event label {event.label!r} is not in annotation.conf", event.line)
            continue
        for role, _ in event.args:
            if role not in EVENTS[event.label].roles:
                bad("unknown-label", f"{event.label} has no argument {role!r} in annotation.conf", event.line)
        ann.events[event.id] = _Event(event.label, event.trigger, list(event.args), event.line)
    for attribute in parsed.attributes:
        ann.lines[attribute.id] = attribute.line
        allowed = ATTRIBUTES.get(attribute.name)
        if not attribute.id.startswith("A"):
            bad("unknown-label", f"brat annotation {attribute.id!r}: {_ONLY}", attribute.line)
        elif allowed is None or len(attribute.values) != 1 or attribute.values[0] not in allowed.values:
            shown = " ".join(attribute.values)
            bad("unknown-label", f"attribute {attribute.name} {shown!r} is not in annotation.conf", attribute.line)
        else:
            ann.attributes.setdefault(attribute.target, {})[attribute.name] = attribute.values[0]
    for note in parsed.notes:
        ann.lines[note.id] = note.line
        read = note_fields(note.text)
        if not read.complete:
            bad("invalid-value", "a note must be a `key=value; ...` list", note.line)
        else:
            ann.notes.setdefault(note.target, {}).update(read.fields)
    for equiv in parsed.equivs:
        ann.lines["*"] = equiv.line
        if equiv.kind != "Equiv":
            bad("unknown-label", f"relation {equiv.kind!r} is not in annotation.conf", equiv.line)
        ann.equivs.append(list(equiv.members))
    return ann


def _spans(
    frags: tuple[tuple[int, int], ...], corpus: CorpusText, shown: str, name: str, line: int, issues: list[Issue]
) -> list[JsonObject] | None:
    """The spans of a text-bound: fragments joined across the line breaks brat splits at."""
    text = corpus.text
    for frag in frags:
        if not 0 <= frag[0] < frag[1] <= len(text):
            issues.append(
                issue("span-out-of-range", f"fragment {frag} lies outside the text", file=name, line=line, column=1)
            )
            return None
    found = " ".join(text[s:e] for s, e in frags)
    if one_line(found) != one_line(shown):  # as export brat writes it: control characters as spaces
        issues.append(
            issue(
                "span-text-mismatch",
                f"the text at the offsets is {found!r}, the .ann line says {shown!r}",
                file=name,
                line=line,
                column=1,
                hint="the export was made against another text; it is not re-anchored",
            )
        )
        return None
    groups: list[list[int]] = []
    for s, e in frags:
        gap = text[groups[-1][1] : s] if groups else ""
        if groups and s >= groups[-1][1] and "\n" in gap and not gap.strip():
            groups[-1][1] = e
        else:
            groups.append([s, e])
    return [span_data(s, e, text[s:e]) for s, e in groups]


def _rebuild(
    ann: _Checked, corpus: CorpusText, name: str, issues: list[Issue]
) -> tuple[JsonObject, dict[JsonPath, tuple[str, int | None]]]:
    """The annotation data of one .ann file, and the line each part of it came from."""

    def bad(code: str, message: str, aid: str) -> None:
        issues.append(issue(code, message, file=name, line=ann.lines.get(aid), column=1))

    # mentions: their official from the note, else from an Equiv partner that has one
    official_of: dict[str, str] = {
        tid: ann.notes[tid]["official"]
        for tid, tb in ann.textbounds.items()
        if tb.label == "Mention" and "official" in ann.notes.get(tid, {})
    }
    for members in ann.equivs:
        known = {official_of[m] for m in members if m in official_of}
        if len(known) == 1:
            for m in members:
                official_of.setdefault(m, next(iter(known)))
    officials: dict[str, JsonObject] = {}  # official -> its fields, mentions aside
    mentions: dict[str, list[JsonObject]] = {}
    lines: dict[str, list[int]] = {}  # official -> line of each mention
    sources: dict[JsonPath, tuple[str, int | None]] = {(): ("$", None)}
    for tid, tb in ann.textbounds.items():
        if tb.label != "Mention":
            continue
        oid = official_of.get(tid)
        form = ann.attributes.get(tid, {}).get("Form")
        if oid is None or form is None or len(tb.spans) != 1:
            what = "its official (note `official=`)" if oid is None else "a Form" if form is None else "one span"
            bad("missing-field", f"mention {tid} needs {what}", tid)
            continue
        official = officials.setdefault(oid, {"id": oid, **dict.fromkeys(_OFFICIAL_NULLS)})
        for key in OFFICIAL_NOTE:
            value = ann.notes.get(tid, {}).get(key)
            if value is None:
                continue
            if official.get(key) not in (None, value):
                bad("conflicting-values", f"{oid}: {key} is {value!r} here but {official[key]!r} before", tid)
            official[key] = value
        mentions.setdefault(oid, []).append({**tb.spans[0], "form": form})
        lines.setdefault(oid, []).append(tb.line)

    # non-official sources: their id from the note, else from an Equiv partner that has one
    source_of: dict[str, str] = {
        tid: ann.notes[tid]["source"]
        for tid, tb in ann.textbounds.items()
        if tb.label == "SourceMention" and "source" in ann.notes.get(tid, {})
    }
    for members in ann.equivs:
        known = {source_of[m] for m in members if m in source_of}
        if len(known) == 1:
            for m in members:
                source_of.setdefault(m, next(iter(known)))
    found_sources: dict[str, JsonObject] = {}  # source -> its fields, mentions aside
    source_mentions: dict[str, list[JsonObject]] = {}
    source_lines: dict[str, list[int]] = {}
    for tid, tb in ann.textbounds.items():
        if tb.label != "SourceMention":
            continue
        sid = source_of.get(tid)
        kind = ann.attributes.get(tid, {}).get("SourceType")
        if sid is None or kind is None or len(tb.spans) != 1:
            what = "its source (note `source=`)" if sid is None else "a SourceType" if kind is None else "one span"
            bad("missing-field", f"source mention {tid} needs {what}", tid)
            continue
        entry = found_sources.setdefault(sid, {"id": sid, "type": kind, "country": None})
        for key in ("country", "review"):
            value = ann.notes.get(tid, {}).get(key)
            if value is not None:
                entry[key] = value
        source_mentions.setdefault(sid, []).append(tb.spans[0])
        source_lines.setdefault(sid, []).append(tb.line)

    layers: dict[str, list[JsonObject]] = {"meetings": [], "attributions": [], "commitments": [], "stances": []}
    for eid, event in ann.events.items():
        item = _event_item(eid, event, ann, official_of, source_of, bad)
        if item is not None:
            layer = EVENTS[event.label].layer
            sources[layer, len(layers[layer])] = ("$", event.line)
            layers[layer].append(item)
    for n, oid in enumerate(officials):
        sources["officials", n] = ("$", lines[oid][0])
        sources.update((("officials", n, "mentions", j), ("$", line)) for j, line in enumerate(lines[oid]))
    for n, sid in enumerate(found_sources):
        sources["sources", n] = ("$", source_lines[sid][0])
        sources.update((("sources", n, "mentions", j), ("$", line)) for j, line in enumerate(source_lines[sid]))
    # mentions after the other fields of an official, and before a source's review, as in the model
    listed_officials = [{**official, "mentions": mentions[oid]} for oid, official in officials.items()]
    listed_sources: list[JsonObject] = []
    for sid, found in found_sources.items():
        review = {"review": found.pop("review")} if "review" in found else {}
        listed_sources.append({**found, "mentions": source_mentions[sid], **review})
    data: JsonObject = {"officials": listed_officials, "sources": listed_sources, **layers}
    return data, sources


def _event_item(
    eid: str,
    event: _Event,
    ann: _Checked,
    official_of: dict[str, str],
    source_of: dict[str, str],
    bad: Callable[[str, str, str], None],
) -> JsonObject | None:
    note = ann.notes.get(eid, {})
    key = event.label.lower()
    trigger = ann.textbounds.get(event.trigger)
    if key not in note or trigger is None:
        bad("missing-field", f"{event.label} {eid} needs a trigger and its id (note `{key}=`)", eid)
        return None
    attributes = ann.attributes.get(eid, {})
    spans: dict[str, list[JsonObject]] = {}
    participants: list[JsonObject] = []
    actors: list[str] = []
    refs: dict[str, str] = {}
    source: JsonObject | None = None
    for role, target in event.args:
        if role == "Source" and target in source_of:
            source = {"type": "source", "source_id": source_of[target]}
        elif role in (*_ROLES, "Participant", "Source", "Addressee", "Actor"):
            official = official_of.get(target)
            if official is None:
                bad("dangling-reference", f"{eid}: {role} {target} is not a mention of a known official", eid)
                return None
            if role in _ROLES or role == "Participant":
                participants.append({"official_id": official, "role": _ROLES.get(role)})
            elif role == "Actor":
                actors.append(official)
            elif role == "Source":
                source = {"type": "official", "official_id": official}
            else:
                refs[role] = official
        else:
            tb = ann.textbounds.get(target)
            if tb is None:
                bad("dangling-reference", f"{eid}: {role} {target} is not a text-bound", eid)
                return None
            found = tb.spans
            if tb.label == "Time":
                value = ann.notes.get(target, {}).get("value")
                found = [{**s, "value": value} if value is not None else s for s in found]
            spans[role] = found
    review = {"review": note["review"]} if "review" in note else {}
    if event.label == "Attribution":
        if "Unresolved" in attributes:
            source = {"type": "unresolved", "reason": attributes["Unresolved"]}
        contents = spans.get("Content", [])
        return {
            "id": note[key],
            "source": source,
            "source_span": _one(spans.get("SourceSpan")),
            "cues": [] if trigger.spans == contents else trigger.spans,
            "contents": contents,
            "kind": attributes.get("AttributionKind"),
            "speech_act": attributes.get("SpeechAct"),
            "addressee_id": refs.get("Addressee"),
            "meeting_id": note.get("meeting"),
            **review,
        }
    if event.label == "Meeting":
        return {
            "id": note[key],
            "participants": participants,
            "location": _one(spans.get("Location")),
            "time": _one(spans.get("Time")),
            "evidence": trigger.spans,
            "status": attributes.get("Status"),
            "mode": attributes.get("MeetingMode"),
            **review,
        }
    countries = note["countries"].split(",") if "countries" in note else ["-"] * len(actors)
    if len(countries) != len(actors):
        bad("invalid-value", f"{eid}: the note gives {len(countries)} countries for {len(actors)} actor(s)", eid)
        return None
    condition = {"condition": _one(spans.get("Condition"))} if event.label == "Commitment" else {}
    return {
        "id": note[key],
        "actors": [{"official_id": o, "country": None if c == "-" else c} for o, c in zip(actors, countries)],
        "kind": attributes.get(f"{event.label}Kind"),
        "content": _one(spans.get("Content")),
        "evidence": _one(trigger.spans),
        "time": _one(spans.get("Time")),
        "modality": _one(spans.get("Modality")),
        "modality_type": attributes.get("ModalityType"),
        **condition,
        "attribution_id": note.get("attribution"),
        "meeting_id": note.get("meeting"),
        **review,
    }


def _one(spans: list[JsonObject] | None) -> JsonValue:
    """A single span (a list of several is left for validation to refuse, as a type error)."""
    if not spans:
        return None
    return spans[0] if len(spans) == 1 else spans


# -- convert --from brat


def _convert_document(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    txt = path.with_suffix(".txt")
    ann_text = read_text(path)
    source = read_text(txt, MAX_TEXT_BYTES) if txt.exists() else None
    target = index.find(document_id=path.stem) or (index.find(text=source) if source is not None else None)
    if target is None:
        out.issues.append(unknown_document(where, repr(path.stem)))
        return
    parsed = parse_standoff(ann_text)
    if parsed.malformed:
        out.issues += [
            issue("convert-bad-input", f"not a brat annotation line: {show_value(text)}", file=where, line=number)
            for number, text in parsed.malformed
        ]
        return
    builder = DocumentBuilder(target, source, "brat", where=where)
    bounds: dict[str, list[tuple[int, int]]] = {}  # text-bound -> its fragments that lie in the text
    for tid, bound in parsed.textbounds.items():
        bounds[tid] = []
        for lo, hi in bound.fragments:
            dropped = dropped_span(where, f"text-bound {tid}", lo, hi, len(builder.source), line=bound.line)
            if dropped is None:
                bounds[tid].append((lo, hi))
            else:
                out.issues.append(dropped)
    official_of = {tid: f"equiv{i}" for i, e in enumerate(parsed.equivs) if e.kind == "Equiv" for tid in e.members}
    in_event = {t for e in parsed.events.values() for t in (e.trigger, *(t for _, t in e.args))}
    attributes = _attributes(parsed)
    notes = {note.target: note.text for note in parsed.notes}  # a repeated note: the later one

    def frags(tid: str | None) -> list[tuple[int, int]]:
        return bounds.get(tid, []) if tid else []

    def first(tid: str | None) -> tuple[int, int] | None:
        found = frags(tid)
        return (found[0][0], found[-1][1]) if found else None

    for tid, bound in parsed.textbounds.items():
        fields = note_fields(notes.get(tid, "")).fields
        span = first(tid)
        builder.line = bound.line
        if span and role_of(bound.label) == "mention":
            builder.add_mention(
                *span,
                official=fields.get("official") or official_of.get(tid, tid),
                name=fields.get("name"),
                form=attributes.get(tid, {}).get("Form"),
            )
        elif span and bound.label == "SourceMention":
            builder.add_source_mention(
                *span,
                key=fields.get("source") or official_of.get(tid, tid),
                type_=attributes.get(tid, {}).get("SourceType"),
                country=fields.get("country"),
            )
    for eid, event in parsed.events.items():
        roles: dict[str, list[str]] = {}
        for role, tid in event.args:
            roles.setdefault(FORMAT_1.get(role, role), []).append(tid)
        attrs = attributes.get(eid, {})
        builder.line = event.line
        label = FORMAT_1.get(event.label, event.label)
        if label == "Attribution":
            contents = [f for t in roles.get("Content", []) for f in frags(t)]
            cues = frags(event.trigger) if frags(event.trigger) != contents else []
            builder.add_attribution(
                contents,
                cues=cues,
                speaker=first(next(iter(roles.get("Source", [])), None)),
                unresolved=attrs.get("Unresolved"),
                addressee=first(next(iter(roles.get("Addressee", [])), None)),
                kind=attrs.get("AttributionKind"),
                speech_act=attrs.get("SpeechAct"),
            )
        elif label == "Meeting":
            people = [
                (span, _ROLES.get(role))
                for role, tids in roles.items()
                if role not in ("Location", "Time")
                for t in tids
                if (span := first(t))
            ]
            builder.add_meeting(
                frags(event.trigger),
                participants=people,
                location=first(next(iter(roles.get("Location", [])), None)),
                time=first(next(iter(roles.get("Time", [])), None)),
                status=attrs.get("Status"),
                mode=attrs.get("MeetingMode"),
            )
        elif label in ("Commitment", "Stance") and (evidence := first(event.trigger)):
            fields = note_fields(notes.get(eid, "")).fields
            builder.add_commitment(
                evidence,
                actors=[s for t in roles.get("Actor", []) if (s := first(t))],
                content=first(next(iter(roles.get("Content", [])), None)),
                modality=first(next(iter(roles.get("Modality", [])), None)),
                time=first(next(iter(roles.get("Time", [])), None)),
                kind=attrs.get(f"{label}Kind"),
                country=fields.get("country"),  # format 1: one country
                # format 2.0: the country each actor speaks for, in actor order ("-": not said)
                countries=[c if c != "-" else None for c in fields.get("countries", "").split(",") if c],
                modality_type=attrs.get("ModalityType"),
                condition=first(next(iter(roles.get("Condition", [])), None)),
                stance=label == "Stance",
            )
    builder.line = None
    loose: list[Labelled] = [
        (f[0], f[1], b.label, None)
        for tid, b in parsed.textbounds.items()
        if tid not in in_event and role_of(b.label) not in (None, "mention")
        for f in bounds[tid]
    ]
    unplaced = builder.add_labelled(loose)
    loose_labels = [  # source mentions were read above
        b.label
        for t, b in parsed.textbounds.items()
        if t not in in_event and role_of(b.label) is None and b.label != "SourceMention"
    ]
    note_unplaced(out, where, unplaced + loose_labels)
    finish_document(out, builder, where)


def _attributes(parsed: Standoff) -> dict[str, dict[str, str]]:
    """Every annotation's attributes by name (format 1's names read as today's; a repeated one: the later)."""
    found: dict[str, dict[str, str]] = {}
    for attribute in parsed.attributes:
        found.setdefault(attribute.target, {})[FORMAT_1.get(attribute.name, attribute.name)] = attribute.value
    return found


def convert_brat(path: Path, index: CorpusIndex, out: Converted) -> None:
    """Predictions from a brat folder of ``.ann`` (+ ``.txt``) files, or from one ``.ann``."""
    files = sorted(path.glob("*.ann")) if path.is_dir() else [path]
    if not files:
        raise CommuniqueError([issue("convert-bad-input", "no .ann files in this folder", file=str(path))])
    for ann in files:
        _convert_document(ann, index, out)
