"""``communique import brat``: a folder of brat standoff files back into validated annotation YAML.

The reverse of ``communique export brat`` (see :mod:`communique.export.brat` for the mapping): ``Mention``
text-bounds with a ``Form`` attribute and a note naming the official (and its attributes); ``SourceMention``
text-bounds with a ``SourceType`` attribute and a note naming the source; ``Attribution``, ``Meeting`` and
``Commitment`` and ``Stance`` events with their arguments, label attributes and id notes; ``communique.json``
for the document fields brat has no place for. A mention without a note takes its official from an
``Equiv`` with a mention that has one. What brat gives is taken as given: text-bounds are checked against
the corpus text and refused when they differ, never re-anchored.

brat splits a span at line breaks; fragments of one text-bound separated only by whitespace that holds a
line break are joined back into one span. An attribution without cues is exported with its content as
trigger; a trigger equal to the content reads back as no cues.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communique.annotate.importers import ImportResult, span_data, validate_rebuilt
from communique.corpus.store import CorpusStore, CorpusText, CorpusUnreadable
from communique.io.parse import JsonPath, ParseFailure, decode_utf8, parse_json
from communique.schema.errors import Issue, issue
from communique.schema.models import (
    SCHEMA_VERSION,
    AnnotatedDocument,
    AttributionKind,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    ParticipantRole,
    SourceType,
    SpeechAct,
    StanceKind,
    UnresolvedReason,
    labels,
)

DOCUMENTS_FILE = "communique.json"  # written by `export brat`
#: text-bound labels, event labels with their argument roles, attributes with their values
TEXTBOUNDS = (
    "Mention",
    "SourceMention",
    "AttributionContent",
    "AttributionSource",
    "CommitmentContent",
    "StanceContent",
    "Location",
    "Time",
    "Modality",
    "Condition",
)
ROLES = {role.capitalize(): role for role in labels(ParticipantRole)}
EVENTS: dict[str, tuple[str, ...]] = {
    "Attribution": ("Content", "Source", "SourceSpan", "Addressee"),
    "Meeting": (*ROLES, "Participant", "Location", "Time"),
    "Commitment": ("Actor", "Content", "Modality", "Time", "Condition"),
    "Stance": ("Actor", "Content", "Modality", "Time"),
}
ATTRIBUTES: dict[str, tuple[str, list[str]]] = {
    "Form": ("Mention", labels(MentionForm)),
    "SourceType": ("SourceMention", labels(SourceType)),
    "AttributionKind": ("Attribution", labels(AttributionKind)),
    "SpeechAct": ("Attribution", labels(SpeechAct)),
    "Unresolved": ("Attribution", labels(UnresolvedReason)),
    "Status": ("Meeting", labels(MeetingStatus)),
    "MeetingMode": ("Meeting", labels(MeetingMode)),
    "CommitmentKind": ("Commitment", labels(CommitmentKind)),
    "StanceKind": ("Stance", labels(StanceKind)),
    "ModalityType": ("Commitment|Stance", labels(ModalityType)),
}
OFFICIAL_FIELDS = ("name", "title", "rank", "country", "organisation", "participation", "review")
#: the official fields written as null when a note does not give them (``review`` is absent once checked)
OFFICIAL_NULLS = ("name", "title", "rank", "country", "organisation")
_NOTE_FIELD = re.compile(r'\s*(\w+)=("(?:[^"\\]|\\.)*"|[^;]*?)\s*(?:;|$)')


@dataclass
class _Textbound:
    label: str
    spans: list[dict[str, Any]]
    line: int


@dataclass
class _Event:
    label: str
    trigger: str
    args: list[tuple[str, str]]
    line: int


@dataclass
class _Ann:
    textbounds: dict[str, _Textbound] = field(default_factory=dict)
    events: dict[str, _Event] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> name -> value
    notes: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> key -> value
    equivs: list[list[str]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # annotation id -> line


def parse_note(note: str) -> dict[str, str] | None:
    """``key=value; key="json string"`` -> mapping; None when the note is not such a list."""
    out: dict[str, str] = {}
    at = 0
    note = note.strip()
    while at < len(note):
        match = _NOTE_FIELD.match(note, at)
        if match is None or match.end() == at:
            return None
        raw = match[2]
        if raw.startswith('"'):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                return None
        out[match[1]] = raw
        at = match.end()
    return out


def read_brat(folder: Path, corpus_dir: Path) -> ImportResult:
    """Rebuild and validate the annotation documents of a brat folder (nothing is written)."""
    result = ImportResult()
    store = CorpusStore(corpus_dir)
    documents: dict[str, Any] = {}
    meta_path = folder / DOCUMENTS_FILE
    if meta_path.is_file():
        try:
            documents = parse_json(decode_utf8(meta_path.read_bytes()))
        except ParseFailure as failure:
            result.issues.append(failure.issue.located(str(meta_path), failure.issue.line, failure.issue.column))
            return result
        if not isinstance(documents, dict):
            result.issues.append(issue("type-error", "a mapping of document ids is expected", file=str(meta_path)))
            return result
    anns = sorted(folder.glob("*.ann"))
    if not anns:
        result.issues.append(issue("file-not-found", "no .ann files in the folder", file=str(folder)))
    for path in anns:
        document = _read_document(path, documents.get(path.stem), str(meta_path), store, result.issues)
        if document is not None:
            result.documents.append(document)
    return result


def _read_document(
    path: Path, fields: Any, meta: str, store: CorpusStore, issues: list[Issue]
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
        same = txt.read_bytes() == corpus.text.encode("utf-8")
    except OSError:
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
    if not isinstance(fields, dict):
        issues.append(
            issue("missing-field", f"no document fields for {doc_id!r} (annotators, guidelines_version)", file=meta)
        )
        return None
    try:
        text = decode_utf8(path.read_bytes())
    except (OSError, ParseFailure) as exc:
        found = exc.issue if isinstance(exc, ParseFailure) else issue("file-not-found", f"cannot read: {exc}")
        issues.append(found.located(name, found.line, found.column))
        return None
    before = len(issues)
    ann = _parse(text, corpus, name, issues)
    if len(issues) > before:
        return None
    layers, sources = _rebuild(ann, corpus, name, issues)
    rebuilt = {
        "schema_version": SCHEMA_VERSION,
        "document_id": doc_id,
        "text_sha256": fields.get("text_sha256", corpus.sha256),
        "guidelines_version": fields.get("guidelines_version"),
        "annotators": fields.get("annotators"),
        **layers,
    }
    if len(issues) > before:
        return None
    problems, document = validate_rebuilt(rebuilt, store, sources, name)
    issues.extend(problems)
    return document


def _parse(text: str, corpus: CorpusText, name: str, issues: list[Issue]) -> _Ann:
    ann = _Ann()

    def bad(code: str, message: str, line: int) -> None:
        issues.append(issue(code, message, file=name, line=line, column=1))

    for number, line in enumerate(text.split("\n"), 1):  # brat's own line breaks: \n only
        if not line.strip():
            continue
        parts = line.split("\t")
        aid = parts[0]
        ann.lines[aid] = number
        try:
            if aid.startswith("T"):
                label, where = parts[1].split(" ", 1)
                if label not in TEXTBOUNDS and label not in EVENTS:
                    bad("unknown-label", f"text-bound label {label!r} is not in annotation.conf", number)
                    continue
                frags = [tuple(int(x) for x in frag.split()) for frag in where.split(";")]
                spans = _spans(frags, corpus, parts[2], name, number, issues)
                if spans is not None:
                    ann.textbounds[aid] = _Textbound(label, spans, number)
            elif aid.startswith("E"):
                head, *args = parts[1].split()
                label, trigger = head.split(":")
                if label not in EVENTS:
                    bad("unknown-label", f"event label {label!r} is not in annotation.conf", number)
                    continue
                pairs = [tuple(a.split(":")) for a in args]
                for role, _ in pairs:
                    if role.rstrip("0123456789") not in EVENTS[label]:
                        bad("unknown-label", f"{label} has no argument {role!r} in annotation.conf", number)
                ann.events[aid] = _Event(label, trigger, [(r.rstrip("0123456789"), t) for r, t in pairs], number)
            elif aid.startswith("A"):
                attr, target, *value = parts[1].split()
                allowed = ATTRIBUTES.get(attr)
                if allowed is None or len(value) != 1 or value[0] not in allowed[1]:
                    bad("unknown-label", f"attribute {attr} {' '.join(value)!r} is not in annotation.conf", number)
                    continue
                ann.attributes.setdefault(target, {})[attr] = value[0]
            elif aid.startswith("#"):
                _, target = parts[1].split()
                note = parse_note(parts[2] if len(parts) > 2 else "")
                if note is None:
                    bad("invalid-value", "a note must be a `key=value; ...` list", number)
                    continue
                ann.notes.setdefault(target, {}).update(note)
            elif aid == "*":
                kind, *members = parts[1].split()
                if kind != "Equiv":
                    bad("unknown-label", f"relation {kind!r} is not in annotation.conf", number)
                ann.equivs.append(members)
            else:
                bad("unknown-label", f"brat annotation {aid!r}: communique uses T, E, A, * and # lines only", number)
        except (IndexError, ValueError):
            bad("standoff-syntax", "not a well-formed brat standoff line", number)
    return ann


def _spans(
    frags: list[tuple[int, ...]], corpus: CorpusText, shown: str, name: str, line: int, issues: list[Issue]
) -> list[dict[str, Any]] | None:
    """The spans of a text-bound: fragments joined across the line breaks brat splits at."""
    text = corpus.text
    for frag in frags:
        if len(frag) != 2 or not 0 <= frag[0] < frag[1] <= len(text):
            issues.append(
                issue("span-out-of-range", f"fragment {frag} lies outside the text", file=name, line=line, column=1)
            )
            return None
    found = " ".join(text[s:e] for s, e in frags)
    if found != shown:
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
    ann: _Ann, corpus: CorpusText, name: str, issues: list[Issue]
) -> tuple[dict[str, Any], dict[JsonPath, tuple[str, int | None]]]:
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
    officials: dict[str, dict[str, Any]] = {}
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
        official = officials.setdefault(oid, {"id": oid, **dict.fromkeys(OFFICIAL_NULLS), "mentions": []})
        for key in OFFICIAL_FIELDS:
            value = ann.notes.get(tid, {}).get(key)
            if value is None:
                continue
            if official.get(key) not in (None, value):
                bad("conflicting-values", f"{oid}: {key} is {value!r} here but {official[key]!r} before", tid)
            official[key] = value
        official["mentions"].append({**tb.spans[0], "form": form})
        lines.setdefault(oid, []).append(tb.line)
    for official in officials.values():  # mentions last, as in the model
        official["mentions"] = official.pop("mentions")

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
    found_sources: dict[str, dict[str, Any]] = {}
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
        entry = found_sources.setdefault(sid, {"id": sid, "type": kind, "country": None, "mentions": []})
        for key in ("country", "review"):
            value = ann.notes.get(tid, {}).get(key)
            if value is not None:
                entry[key] = value
        entry["mentions"].append(tb.spans[0])
        source_lines.setdefault(sid, []).append(tb.line)
    for found in found_sources.values():  # mentions before review, as in the model
        review = found.pop("review", None)
        found["mentions"] = found.pop("mentions")
        if review is not None:
            found["review"] = review

    layers: dict[str, list[dict[str, Any]]] = {"meetings": [], "attributions": [], "commitments": [], "stances": []}
    for eid, event in ann.events.items():
        item = _event_item(eid, event, ann, official_of, source_of, bad)
        if item is not None:
            layer = {
                "Attribution": "attributions",
                "Meeting": "meetings",
                "Commitment": "commitments",
                "Stance": "stances",
            }[event.label]
            sources[layer, len(layers[layer])] = ("$", event.line)
            layers[layer].append(item)
    for n, oid in enumerate(officials):
        sources["officials", n] = ("$", lines[oid][0])
        sources.update((("officials", n, "mentions", j), ("$", line)) for j, line in enumerate(lines[oid]))
    for n, sid in enumerate(found_sources):
        sources["sources", n] = ("$", source_lines[sid][0])
        sources.update((("sources", n, "mentions", j), ("$", line)) for j, line in enumerate(source_lines[sid]))
    data = {"officials": list(officials.values()), "sources": list(found_sources.values()), **layers}
    return data, sources


def _event_item(
    eid: str, event: _Event, ann: _Ann, official_of: dict[str, str], source_of: dict[str, str], bad: Any
) -> dict[str, Any] | None:
    note = ann.notes.get(eid, {})
    key = event.label.lower()
    trigger = ann.textbounds.get(event.trigger)
    if key not in note or trigger is None:
        bad("missing-field", f"{event.label} {eid} needs a trigger and its id (note `{key}=`)", eid)
        return None
    attributes = ann.attributes.get(eid, {})
    spans: dict[str, list[dict[str, Any]]] = {}
    participants: list[dict[str, Any]] = []
    actors: list[str] = []
    refs: dict[str, str] = {}
    source: dict[str, Any] | None = None
    for role, target in event.args:
        if role == "Source" and target in source_of:
            source = {"type": "source", "source_id": source_of[target]}
        elif role in (*ROLES, "Participant", "Source", "Addressee", "Actor"):
            official = official_of.get(target)
            if official is None:
                bad("dangling-reference", f"{eid}: {role} {target} is not a mention of a known official", eid)
                return None
            if role in ROLES or role == "Participant":
                participants.append({"official_id": official, "role": ROLES.get(role)})
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


def _one(spans: list[dict[str, Any]] | None) -> Any:
    """A single span (a list of several is left for validation to refuse, as a type error)."""
    if not spans:
        return None
    return spans[0] if len(spans) == 1 else spans
