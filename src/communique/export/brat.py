"""``communique export brat``: standoff files that brat and INCEpTION open.

Per document ``<id>.txt`` (the corpus text, byte for byte) and ``<id>.ann``; once per export an
``annotation.conf`` generated from the models (labels are never listed by hand) and a ``visual.conf``.

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
document fields (annotators, guidelines version, text hash) go to ``communique.json``. ``communique import
brat`` reads all of it back.

Offsets are code points, as brat counts them (it reads text as Unicode). A span that crosses a line
break is written as fragments, as brat itself does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from communique.corpus.store import CorpusLike
from communique.io.folder import replace_folder
from communique.io.write import write_atomic
from communique.schema.models import (
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

ROLE_ARGS = {role: role.capitalize() for role in labels(ParticipantRole)}  # visitor -> Visitor


def annotation_conf() -> str:
    """brat's type system for the export, derived from the models."""
    roles = ", ".join(f"{arg}*:Mention" for arg in ROLE_ARGS.values())
    attribution = (
        "Content+:AttributionContent, Source?:Mention|SourceMention, SourceSpan?:AttributionSource, Addressee?:Mention"
    )
    return f"""# communique brat configuration, generated from the Pydantic models; do not edit.
[entities]
Mention
SourceMention
AttributionContent
AttributionSource
CommitmentContent
StanceContent
Location
Time
Modality
Condition

[relations]
Equiv\tArg1:Mention|SourceMention, Arg2:Mention|SourceMention, <REL-TYPE>:symmetric-transitive
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
Attribution\t{attribution}
Meeting\t{roles}, Participant*:Mention, Location?:Location, Time?:Time
Commitment\tActor+:Mention, Content:CommitmentContent, Modality?:Modality, Time?:Time, Condition?:Condition
Stance\tActor+:Mention, Content:StanceContent, Modality?:Modality, Time?:Time

[attributes]
Form\tArg:Mention, Value:{"|".join(labels(MentionForm))}
SourceType\tArg:SourceMention, Value:{"|".join(labels(SourceType))}
AttributionKind\tArg:Attribution, Value:{"|".join(labels(AttributionKind))}
SpeechAct\tArg:Attribution, Value:{"|".join(labels(SpeechAct))}
Unresolved\tArg:Attribution, Value:{"|".join(labels(UnresolvedReason))}
Status\tArg:Meeting, Value:{"|".join(labels(MeetingStatus))}
MeetingMode\tArg:Meeting, Value:{"|".join(labels(MeetingMode))}
CommitmentKind\tArg:Commitment, Value:{"|".join(labels(CommitmentKind))}
StanceKind\tArg:Stance, Value:{"|".join(labels(StanceKind))}
ModalityType\tArg:Commitment|Stance, Value:{"|".join(labels(ModalityType))}
"""


VISUAL_CONF = """# communique brat visual configuration
[labels]
Mention | Mention | M
SourceMention | Source mention | SM
AttributionContent | Attribution content | AC
AttributionSource | Attribution source | AS
CommitmentContent | Commitment content | CC
StanceContent | Stance content | SC
[drawing]
Mention\tbgColor:#ffd6a5
SourceMention\tbgColor:#ffe5b4
AttributionContent\tbgColor:#caffbf
AttributionSource\tbgColor:#e4c1f9
CommitmentContent\tbgColor:#ffc6ff
StanceContent\tbgColor:#d0e1ff
Condition\tbgColor:#ffe0e0
Location\tbgColor:#9bf6ff
Time\tbgColor:#9bf6ff
Modality\tbgColor:#fdffb6
Attribution\tbgColor:#bdb2ff
Meeting\tbgColor:#a0c4ff
Commitment\tbgColor:#ffadad
Stance\tbgColor:#9db4e8
"""


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


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str) -> str:
    """``value`` as one .ann field: every tab, line break or other control character becomes a space, so
    free text can never end a field or a line (validation refuses them in names; this holds regardless)."""
    return _LINE_BREAKING.sub(" ", value)


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


def note_value(value: str) -> str:
    """A value in an ``AnnotatorNotes`` ``key=value; ...`` list: as is when that reads back unchanged, else
    as a JSON string (``communique import brat`` reads both)."""
    plain = re.fullmatch(r'[^;"\s](?:[^;"\t]*[^;"\s])?', value) and value.splitlines() == [value]
    return value if plain else json.dumps(value, ensure_ascii=False)


def official_note(official: Official) -> str:
    """The note on each mention: its official and the official's attributes (brat has no place for them)."""
    fields = [("official", official.id)]
    for key in ("name", "title", "rank", "country", "organisation", "participation", "review"):
        value = getattr(official, key)
        if value is not None:
            fields.append((key, value))
    return "; ".join(f"{k}={note_value(v)}" for k, v in fields)


def source_note(source: Source) -> str:
    """The note on each mention of a non-official source: the source, its country, its review mark."""
    fields = [("source", source.id), *((k, v) for k in ("country", "review") if (v := getattr(source, k)))]
    return "; ".join(f"{k}={note_value(v)}" for k, v in fields)


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


#: The document fields brat has no place for (brat ignores files other than .txt, .ann and .conf).
DOCUMENTS_FILE = "communique.json"


def document_fields(doc: AnnotatedDocument) -> dict[str, object]:
    return {
        "text_sha256": doc.text_sha256,
        "guidelines_version": doc.guidelines_version,
        "annotators": list(doc.annotators),
    }


def export_brat(pairs: Iterable[tuple[AnnotatedDocument, CorpusLike]], out: Path) -> int:
    """Write the brat files for every document; returns how many documents were written.

    The files are written into a staging folder that replaces ``out`` atomically once every document was
    valid (the iterator raises on invalid input, and then ``out`` is left as it was); see
    :func:`communique.io.folder.replace_folder` for which folders may be replaced.
    """
    count = 0
    documents: dict[str, dict[str, object]] = {}

    def write(staging: Path) -> None:
        nonlocal count
        for doc, corpus in pairs:
            write_atomic(staging / f"{doc.document_id}.txt", corpus.text.encode("utf-8"))
            write_atomic(staging / f"{doc.document_id}.ann", render_ann(doc, corpus))
            documents[doc.document_id] = document_fields(doc)
            count += 1
        write_atomic(staging / DOCUMENTS_FILE, json.dumps(documents, ensure_ascii=False, indent=2) + "\n")
        write_atomic(staging / "annotation.conf", annotation_conf())
        write_atomic(staging / "visual.conf", VISUAL_CONF)

    replace_folder(out, write, kind="brat")
    return count
