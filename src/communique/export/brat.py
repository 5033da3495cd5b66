"""``communique export brat``: standoff files that brat and INCEpTION open.

Per document ``<id>.txt`` (the corpus text, byte for byte) and ``<id>.ann``; once per export an
``annotation.conf`` generated from the models (labels are never listed by hand) and a ``visual.conf``.

Mapping:

* every mention is a ``Mention`` text-bound annotation with a ``Form`` attribute and an ``AnnotatorNotes``
  naming its official; the mentions of one official are linked by an ``Equiv`` equivalence;
* a quote is a ``Quote`` event triggered by its cue(s), with a ``Content`` argument (``QuoteContent``), a
  ``Speaker`` (and ``Addressee``) argument pointing at the speaker's mention nearest to the quote, and a
  ``QuoteKind`` attribute;
* a meeting is a ``Meeting`` event triggered by its evidence, with ``Visitor``/``Host``/``Participant``
  arguments (nearest mention of each official), ``Location`` and ``Time``, and a ``Status`` attribute;
* a commitment is a ``Commitment`` event triggered by its evidence, with ``Actor``, ``Content``
  (``CommitmentContent``), ``Modality`` and ``Time`` arguments and a ``CommitmentKind`` attribute; the
  country it speaks for is in its note.

Notes (``AnnotatorNotes``) carry what brat has no place for, as ``key=value; ...``: the ids, each mention's
official with the official's attributes, a time's calendar value. The document fields (annotators,
guidelines version, text hash) go to ``communique.json``. ``communique import brat`` reads all of it back.

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
    CommitmentKind,
    MeetingStatus,
    Mention,
    MentionForm,
    Official,
    ParticipantRole,
    QuoteKind,
    Span,
    TimeExpression,
    labels,
)

ROLE_ARGS = {role: role.capitalize() for role in labels(ParticipantRole)}  # visitor -> Visitor


def annotation_conf() -> str:
    """brat's type system for the export, derived from the models."""
    roles = ", ".join(f"{arg}*:Mention" for arg in ROLE_ARGS.values())
    return f"""# communique brat configuration, generated from the Pydantic models; do not edit.
[entities]
Mention
QuoteContent
CommitmentContent
Location
Time
Modality

[relations]
Equiv\tArg1:Mention, Arg2:Mention, <REL-TYPE>:symmetric-transitive
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
Quote\tContent+:QuoteContent, Speaker:Mention, Addressee?:Mention
Meeting\t{roles}, Participant*:Mention, Location?:Location, Time?:Time
Commitment\tActor:Mention, Content:CommitmentContent, Modality?:Modality, Time?:Time

[attributes]
Form\tArg:Mention, Value:{"|".join(labels(MentionForm))}
QuoteKind\tArg:Quote, Value:{"|".join(labels(QuoteKind))}
Status\tArg:Meeting, Value:{"|".join(labels(MeetingStatus))}
CommitmentKind\tArg:Commitment, Value:{"|".join(labels(CommitmentKind))}
"""


VISUAL_CONF = """# communique brat visual configuration
[labels]
Mention | Mention | M
QuoteContent | Quote content | QC
CommitmentContent | Commitment content | CC
[drawing]
Mention\tbgColor:#ffd6a5
QuoteContent\tbgColor:#caffbf
CommitmentContent\tbgColor:#ffc6ff
Location\tbgColor:#9bf6ff
Time\tbgColor:#9bf6ff
Modality\tbgColor:#fdffb6
Quote\tbgColor:#bdb2ff
Meeting\tbgColor:#a0c4ff
Commitment\tbgColor:#ffadad
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
    for key in ("name", "title", "rank", "country", "organisation", "participation"):
        value = getattr(official, key)
        if value is not None:
            fields.append((key, value))
    return "; ".join(f"{k}={note_value(v)}" for k, v in fields)


def time_textbound(ann: _Ann, time: TimeExpression) -> str:
    tid = ann.textbound("Time", [time])
    if time.value is not None:
        ann.note(tid, f"value={time.value}")
    return tid


def render_ann(doc: AnnotatedDocument, corpus: CorpusLike) -> str:
    """The .ann standoff text for one document."""
    ann = _Ann(corpus.text)
    mention_ids: dict[str, list[tuple[Mention, str]]] = {}
    for official in doc.officials:
        ids = []
        for mention in official.mentions:
            tid = ann.textbound("Mention", [mention])
            ann.attribute("Form", tid, mention.form)
            ann.note(tid, official_note(official))
            ids.append((mention, tid))
        mention_ids[official.id] = ids
        if len(ids) > 1:
            ann.lines.append("*\tEquiv " + " ".join(tid for _, tid in ids))

    def nearest(official_id: str, at: int) -> str:
        return min(mention_ids[official_id], key=lambda pair: (abs(pair[0].start - at), pair[0].start))[1]

    for quote in doc.quotes:
        where = min(s.start for s in quote.contents)
        trigger = ann.textbound("Quote", quote.cues or quote.contents)
        content = ann.textbound("QuoteContent", quote.contents)
        args = [("Content", content), ("Speaker", nearest(quote.speaker_id, where))]
        if quote.addressee_id:
            args.append(("Addressee", nearest(quote.addressee_id, where)))
        eid = ann.event("Quote", trigger, args)
        ann.attribute("QuoteKind", eid, quote.kind)
        ann.note(eid, f"quote={quote.id}" + (f"; meeting={quote.meeting_id}" if quote.meeting_id else ""))
    for meeting in doc.meetings:
        where = min(s.start for s in meeting.evidence)
        trigger = ann.textbound("Meeting", meeting.evidence)
        args = [
            (ROLE_ARGS[p.role] if p.role else "Participant", nearest(p.official_id, where))
            for p in meeting.participants
        ]
        if meeting.location:
            args.append(("Location", ann.textbound("Location", [meeting.location])))
        if meeting.time:
            args.append(("Time", time_textbound(ann, meeting.time)))
        eid = ann.event("Meeting", trigger, args)
        ann.attribute("Status", eid, meeting.status)
        ann.note(eid, f"meeting={meeting.id}")
    for c in doc.commitments:
        trigger = ann.textbound("Commitment", [c.evidence])
        args = [
            ("Actor", nearest(c.actor_id, c.evidence.start)),
            ("Content", ann.textbound("CommitmentContent", [c.content])),
        ]
        if c.modality:
            args.append(("Modality", ann.textbound("Modality", [c.modality])))
        if c.time:
            args.append(("Time", time_textbound(ann, c.time)))
        eid = ann.event("Commitment", trigger, args)
        ann.attribute("CommitmentKind", eid, c.kind)
        notes = [
            f"commitment={c.id}",
            *(f"{k}={v}" for k, v in (("country", c.country), ("quote", c.quote_id), ("meeting", c.meeting_id)) if v),
        ]
        ann.note(eid, "; ".join(notes))
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
