"""``communique draft``: an annotation file pre-filled from an extractor's predictions.

Every item is written with ``review: draft`` and a comment naming where it came from, so that ``validate``
warns about it and ``validate --strict`` (the CI mode) fails until a person has checked it and removed the
mark. Spans get their offsets where the text places them; a text-only span that does not occur exactly once
keeps its text (and ``occurrence``/``prefix``/``suffix``) for ``communique anchor`` to place after review.

The gold is stricter than a prediction, so drafting decides what a prediction leaves open, and says so in
the item's comment: a label that is required but not predicted gets a default (listed as ``guessed``); an
official referenced by a span that no drafted official holds becomes a new official with that mention; an
official referenced by a name that no drafted official bears cannot be drafted (a gold official needs a
mention), and the reference is dropped with a warning. Items left without what the gold requires (a meeting
with fewer than two participants, a commitment or stance without an actor) are skipped with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from communique.annotate.anchor import resolve
from communique.annotate.names import PRONOUNS, name_score
from communique.io.parse import dump_round_trip, format_path
from communique.schema.errors import Issue, issue
from communique.schema.models import (
    ANNOTATION_LAYERS,
    ID_PATTERN,
    SCHEMA_VERSION,
    AnnotatedDocument,
    CorpusDocument,
)
from communique.schema.predictions import (
    PredictedAttribution,
    PredictedCommitment,
    PredictedDocument,
    PredictedMeeting,
    PredictedSpan,
    PredictedStance,
)

__all__ = ["Draft", "draft_annotations", "drafted_document", "printable"]

#: Pronouns a drafted mention is given the form ``pronoun`` for when the prediction does not say.
GUIDELINES_VERSION = "2.1"


@dataclass
class Draft:
    """A drafted annotation document: its YAML text, how many items it holds, and what could not be drafted."""

    text: str
    items: int
    issues: list[Issue] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)  # the document as plain data


class _Drafter:
    def __init__(self, prediction: PredictedDocument, corpus: CorpusDocument, origin: str):
        self.prediction = prediction
        self.text = corpus.text
        self.origin = origin
        self.issues: list[Issue] = []
        self.officials: list[CommentedMap] = []
        self.official_ids: dict[str, str] = {}  # predicted id -> drafted id
        self.taken: set[str] = set()

    # ------------------------------------------------------------------------------------ helpers

    def new_id(self, wanted: str | None, prefix: str) -> str:
        """``wanted`` when it is a valid, unused id; else the next free ``prefix<N>``."""
        if wanted is not None and re.fullmatch(ID_PATTERN, wanted) and wanted not in self.taken:
            self.taken.add(wanted)
            return wanted
        n = 1
        while f"{prefix}{n}" in self.taken:
            n += 1
        self.taken.add(f"{prefix}{n}")
        return f"{prefix}{n}"

    def span(self, span: PredictedSpan, path: tuple[str | int, ...]) -> CommentedMap | None:
        """A span with offsets where the text places it exactly; text-only (for ``communique anchor`` after
        review) where it occurs but not exactly once; ``None`` where it does not occur at all. Warns."""
        raw = span.model_dump(exclude_none=True, include={"start", "end", "text", "occurrence", "prefix", "suffix"})
        raw["text"] = raw["text"].strip() or raw["text"]
        if "start" not in raw:
            raw.pop("end", None)
        found = resolve(self.text, raw, path)
        out = CommentedMap()
        if found is not None and found.start is not None and found.end is not None:
            out["start"], out["end"], out["text"] = found.start, found.end, self.text[found.start : found.end]
        elif raw["text"] not in self.text:
            self.issues.append(
                issue(
                    "draft-span-unanchored",
                    f"{raw['text'][:80]!r} does not occur in the text; left out",
                    path=format_path(path),
                )
            )
            return None
        else:
            out["text"] = raw["text"]
            for key in ("occurrence", "prefix", "suffix"):
                if key in raw:
                    out[key] = raw[key]
            self.issues.append(
                issue(
                    "draft-span-unanchored",
                    f"{raw['text'][:80]!r} is not placed exactly once in the text; drafted without offsets",
                    path=format_path(path),
                    hint="check it, then run `communique anchor` to write its offsets",
                )
            )
        out.fa.set_flow_style()
        return out

    def spans(self, spans: list[Any], path: tuple[str | int, ...]) -> CommentedSeq:
        """The spans of a list that occur in the text."""
        return CommentedSeq(s for j, x in enumerate(spans) if (s := self.span(x, (*path, j))) is not None)

    def skip(self, what: str, path: tuple[str | int, ...]) -> None:
        self.issues.append(issue("draft-item-skipped", f"{what}; not drafted", path=format_path(path)))

    def finish(self, item: CommentedMap, guessed: list[str]) -> CommentedMap:
        item["review"] = "draft"
        note = f"from {self.origin}" + (f"; guessed: {', '.join(guessed)}" if guessed else "")
        item.yaml_add_eol_comment(note, "review")
        return item

    # ------------------------------------------------------------------------------------ officials

    def draft_officials(self) -> None:
        for i, o in enumerate(self.prediction.officials):
            mentions = CommentedSeq()
            guessed_form = False
            for j, m in enumerate(o.mentions):
                span = self.span(m, ("officials", i, "mentions", j))
                if span is None:
                    continue
                span["form"] = m.form or self.guess_form(str(span["text"]))
                guessed_form |= m.form is None
                mentions.append(span)
            if not mentions:
                self.skip(f"official {o.name or o.id or i!r} has no mention in the text", ("officials", i))
                continue
            new = self.new_id(o.id, "o")
            if o.id is not None:
                self.official_ids[o.id] = new
            self.officials.append(self.official(new, o.name, mentions, o, guessed_form))

    def guess_form(self, text: str) -> str:
        if text.casefold() in PRONOUNS:
            return "pronoun"
        return "name" if text[:1].isupper() else "nominal"

    def official(
        self, new: str, name: str | None, mentions: CommentedSeq, source: Any = None, guessed_form: bool = True
    ) -> CommentedMap:
        item = CommentedMap()
        item["id"] = new
        item["name"] = name
        for key in ("title", "rank", "country", "organisation"):
            item[key] = getattr(source, key, None)
        item["participation"] = getattr(source, "participation", None) or "mentioned"
        item["mentions"] = mentions
        guessed = ["form"] if guessed_form else []
        if getattr(source, "participation", None) is None:
            guessed.append("participation")
        item["_guessed"] = guessed  # removed when the item is finished
        return item

    def official_ref(
        self, official_id: str | None, name: str | None, span: PredictedSpan | None, path: tuple[str | int, ...]
    ) -> str | None:
        """The drafted id of a referenced official, or ``None`` (with a warning) when it cannot be drafted."""
        if official_id is not None:
            return self.official_ids.get(official_id)
        if span is not None:
            placed = self.span(span, path)
            if placed is None:
                return None
            if "start" in placed:
                start, end = placed["start"], placed["end"]
                for o in self.officials:
                    if any("start" in m and m["start"] < end and start < m["end"] for m in o["mentions"]):
                        return str(o["id"])
            placed["form"] = self.guess_form(str(placed["text"]))
            new = self.new_id(None, "o")
            self.officials.append(self.official(new, None, CommentedSeq([placed])))
            return new
        if name is not None:
            scored = [
                (name_score(name, [o["name"] or "", *(str(m["text"]) for m in o["mentions"])]), -k, str(o["id"]))
                for k, o in enumerate(self.officials)
            ]
            best = max(scored, default=(0.0, 0, ""))
            if best[0] > 0:
                return best[2]
            self.issues.append(
                issue(
                    "draft-item-skipped",
                    f"{name[:80]!r} names no drafted official; the reference is left out",
                    path=format_path(path),
                    hint="declare the official with a mention, or reference it by a span",
                )
            )
        return None

    # ------------------------------------------------------------------------------------ layers

    def draft_sources(self) -> tuple[CommentedSeq, dict[str, str]]:
        out, ids = CommentedSeq(), {}
        for i, s in enumerate(self.prediction.sources):
            mentions = self.spans(s.mentions, ("sources", i, "mentions"))
            if not mentions:
                self.skip("a source needs a mention in the text", ("sources", i))
                continue
            item = CommentedMap()
            item["id"] = new = self.new_id(s.id, "s")
            if s.id is not None:
                ids[s.id] = new
            item["type"] = s.type or "other"
            item["country"] = s.country
            item["mentions"] = mentions
            out.append(self.finish(item, [] if s.type else ["type"]))
        return out, ids

    def draft_meeting(self, i: int, m: PredictedMeeting) -> CommentedMap | None:
        people: dict[str, str | None] = {}
        for j, p in enumerate(m.participants):
            path = ("meetings", i, "participants", j, "official_span")
            who = self.official_ref(p.official_id, p.official_name, p.official_span, path)
            if who is not None:
                people.setdefault(who, p.role)
        evidence = self.spans(m.evidence, ("meetings", i, "evidence"))
        if len(people) < 2 or not evidence:
            self.skip("a meeting needs two participants and evidence in the text", ("meetings", i))
            return None
        item = CommentedMap()
        item["id"] = self.new_id(m.id, "m")
        participants = CommentedSeq()
        for who, role in people.items():
            entry = CommentedMap([("official_id", who), ("role", role)])
            entry.fa.set_flow_style()
            participants.append(entry)
        item["participants"] = participants
        item["location"] = None if m.location is None else self.span(m.location, ("meetings", i, "location"))
        item["time"] = None if m.time is None else self.time(m.time, ("meetings", i, "time"))
        item["evidence"] = evidence
        item["status"] = m.status or "stated"
        item["mode"] = m.mode or "unspecified"
        return self.finish(item, [k for k in ("status", "mode") if getattr(m, k) is None])

    def time(self, span: Any, path: tuple[str | int, ...]) -> CommentedMap | None:
        out = self.span(span, path)
        if out is not None:
            out["value"] = span.value
        return out

    def draft_attribution(
        self, i: int, a: PredictedAttribution, sources: CommentedSeq, source_ids: dict[str, str]
    ) -> CommentedMap | None:
        contents = self.spans(a.contents, ("attributions", i, "contents"))
        if not contents:
            self.skip("an attribution needs contents in the text", ("attributions", i))
            return None
        guessed: list[str] = []
        source = CommentedMap()
        mention = None if a.source_span is None else self.span(a.source_span, ("attributions", i, "source_span"))
        if a.source_id is not None and a.source_id in source_ids:
            source["type"], source["source_id"] = "source", source_ids[a.source_id]
        elif mention is not None:
            new = self.new_id(None, "s")
            entry = CommentedMap([("id", new), ("type", a.source_type or "other"), ("country", None)])
            entry["mentions"] = CommentedSeq([mention])
            sources.append(self.finish(entry, [] if a.source_type else ["type"]))
            source["type"], source["source_id"] = "source", new
        elif a.source_unresolved is not None:
            source["type"], source["reason"] = "unresolved", a.source_unresolved
        else:
            path = ("attributions", i, "speaker_span")
            who = self.official_ref(a.speaker_id, a.speaker_name, a.speaker_span, path)
            if who is not None:
                source["type"], source["official_id"] = "official", who
            else:
                source["type"], source["reason"] = "unresolved", "unnamed"
                guessed.append("source")
        source.fa.set_flow_style()
        item = CommentedMap()
        item["id"] = self.new_id(a.id, "a")
        item["source"] = source
        item["source_span"] = None
        item["cues"] = self.spans(a.cues, ("attributions", i, "cues"))
        item["contents"] = contents
        item["kind"] = a.kind or "indirect"
        item["speech_act"] = a.speech_act or "assertive"
        guessed += [k for k in ("kind", "speech_act") if getattr(a, k) is None]
        item["addressee_id"] = self.official_ref(
            a.addressee_id, a.addressee_name, a.addressee_span, ("attributions", i, "addressee_span")
        )
        item["meeting_id"] = None  # links between layers are left to the reviewer
        return self.finish(item, guessed)

    def draft_act(self, layer: str, i: int, c: PredictedCommitment | PredictedStance) -> CommentedMap | None:
        """A commitment or stance (``layer``); the kind, when not predicted, is guessed (intend, support)."""
        what = "commitment" if layer == "commitments" else "stance"
        actors = CommentedSeq()
        seen: set[str] = set()
        for j, actor in enumerate(c.actors):
            path = (layer, i, "actors", j, "official_span")
            who = self.official_ref(actor.official_id, actor.official_name, actor.official_span, path)
            if who is not None and who not in seen:
                seen.add(who)
                entry = CommentedMap([("official_id", who), ("country", actor.country)])
                entry.fa.set_flow_style()
                actors.append(entry)
        evidence = self.span(c.evidence, (layer, i, "evidence"))
        if not actors or evidence is None:
            self.skip(f"a {what} needs an actor and evidence in the text", (layer, i))
            return None
        guessed: list[str] = []
        item = CommentedMap()
        item["id"] = self.new_id(c.id, "c" if layer == "commitments" else "st")
        item["actors"] = CommentedSeq(sorted(actors, key=lambda a: str(a["official_id"])))
        item["kind"] = c.kind or ("intend" if layer == "commitments" else "support")
        content = None if c.content is None else self.span(c.content, (layer, i, "content"))
        if content is None:
            guessed.append("content")
            content = evidence.copy()
            content.fa.set_flow_style()
        item["content"] = content
        item["evidence"] = evidence
        item["time"] = None if c.time is None else self.time(c.time, (layer, i, "time"))
        item["modality"] = None if c.modality is None else self.span(c.modality, (layer, i, "modality"))
        item["modality_type"] = c.modality_type if item["modality"] is not None else None
        if item["modality"] is not None and c.modality_type is None:
            item["modality_type"] = "deontic"
            guessed.append("modality_type")
        if isinstance(c, PredictedCommitment):
            condition = c.condition
            item["condition"] = None if condition is None else self.span(condition, (layer, i, "condition"))
        item["attribution_id"] = None
        item["meeting_id"] = None
        if c.kind is None:
            guessed.append("kind")
        return self.finish(item, guessed)

    def document(self, corpus: CorpusDocument) -> tuple[CommentedMap, int]:
        self.draft_officials()
        sources, source_ids = self.draft_sources()
        meetings = [d for i, m in enumerate(self.prediction.meetings) if (d := self.draft_meeting(i, m)) is not None]
        attributions = [
            d
            for i, a in enumerate(self.prediction.attributions)
            if (d := self.draft_attribution(i, a, sources, source_ids)) is not None
        ]
        commitments = [
            d
            for i, c in enumerate(self.prediction.commitments)
            if (d := self.draft_act("commitments", i, c)) is not None
        ]
        stances = [
            d for i, c in enumerate(self.prediction.stances) if (d := self.draft_act("stances", i, c)) is not None
        ]
        participants = {str(p["official_id"]) for m in meetings for p in m["participants"]}
        officials = CommentedSeq()
        for o in self.officials:
            guessed = list(o.pop("_guessed"))
            if str(o["id"]) in participants:
                o["participation"] = "participant"
            elif "participation" in guessed or o["participation"] == "participant":
                o["participation"] = "mentioned"
            officials.append(self.finish(o, guessed))
        doc = CommentedMap()
        doc["schema_version"] = DoubleQuotedScalarString(SCHEMA_VERSION)
        doc["document_id"] = corpus.id
        doc["text_sha256"] = corpus.sha256
        doc["guidelines_version"] = DoubleQuotedScalarString(GUIDELINES_VERSION)
        doc["annotators"] = CommentedSeq([f"draft: {self.origin}"])
        doc["officials"] = officials
        doc["sources"] = sources
        doc["meetings"] = CommentedSeq(meetings)
        doc["attributions"] = CommentedSeq(attributions)
        doc["commitments"] = CommentedSeq(commitments)
        doc["stances"] = CommentedSeq(stances)
        count = sum(len(doc[k]) for k in ANNOTATION_LAYERS)
        return doc, count


def draft_annotations(prediction: PredictedDocument, corpus: CorpusDocument, origin: str) -> Draft:
    """Draft the annotation file of ``corpus`` from ``prediction``; ``origin`` names the extractor or file
    (it goes into every item's comment and the ``annotators``, escaped by :func:`printable`)."""
    origin = printable(origin)
    drafter = _Drafter(prediction, corpus, origin)
    doc, count = drafter.document(corpus)
    header = (
        f"# Drafted by `communique draft` from {origin}: every item is `review: draft`.\n"
        "# Check each against annotations/GUIDELINES.md, fix it, then remove its `review: draft`\n"
        "# (`communique validate --strict` fails while any is left).\n"
    )
    return Draft(header + dump_round_trip(doc), count, drafter.issues, json.loads(json.dumps(doc)))


#: span lists an item may lose unplaced spans from, and single spans an item cannot do without
_SPAN_LISTS = ("mentions", "cues", "contents", "evidence")
_REQUIRED_SPANS = {"commitments": ("content", "evidence"), "stances": ("content", "evidence")}
_OPTIONAL_SPANS = ("location", "time", "modality", "condition", "source_span")


def printable(name: str) -> str:
    """``name`` with every character that is not printable (line breaks, U+2028, U+0085, other controls and
    separators) written as Python writes it in a ``repr`` (``\\n``, ``\\u2028``): a file name taken into a
    comment, a header or the ``annotators`` cannot add a line or an invisible character."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def drafted_document(prediction: PredictedDocument, corpus: CorpusDocument, origin: str) -> AnnotatedDocument:
    """The draft of ``prediction`` as a validated document, for viewing: spans the text does not place
    exactly are left out, and so are the items that cannot do without them (and the references to those)."""
    data = draft_annotations(prediction, corpus, origin).data

    def placed(span: Any) -> bool:
        return isinstance(span, dict) and "start" in span

    for layer in ANNOTATION_LAYERS:
        kept = []
        for item in data[layer]:
            for key in _SPAN_LISTS:
                if key in item:
                    item[key] = [s for s in item[key] if placed(s)]
            for key in _OPTIONAL_SPANS:
                if item.get(key) is not None and not placed(item[key]):
                    item[key] = None
            if all(placed(item[k]) for k in _REQUIRED_SPANS.get(layer, ())) and all(
                item[k] for k in _SPAN_LISTS if k in item and k != "cues"
            ):
                kept.append(item)
        data[layer] = kept
    officials = {o["id"] for o in data["officials"]}
    sources = {s["id"] for s in data["sources"]}
    data["meetings"] = [m for m in data["meetings"] if all(p["official_id"] in officials for p in m["participants"])]
    for a in data["attributions"]:
        source = a["source"]
        gone = (source["type"] == "official" and source["official_id"] not in officials) or (
            source["type"] == "source" and source["source_id"] not in sources
        )
        if gone:
            a["source"] = {"type": "unresolved", "reason": "unnamed"}
        if a["addressee_id"] not in officials:
            a["addressee_id"] = None
    for layer in ("commitments", "stances"):
        for c in data[layer]:
            c["actors"] = [x for x in c["actors"] if x["official_id"] in officials]
        data[layer] = [c for c in data[layer] if c["actors"]]
    return AnnotatedDocument.model_validate(data, strict=False)
