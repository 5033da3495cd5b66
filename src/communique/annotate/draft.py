"""``communique draft``: an annotation file pre-filled from an extractor's predictions.

Every item is written with ``review: draft`` and a comment naming where it came from, so that ``validate``
warns about it and ``validate --strict`` (the CI mode) fails until a person has checked it and removed the
mark. Spans are placed as ``bench`` places them (:mod:`communique.annotate.locate`: offsets, whole tokens,
``occurrence``/``prefix``/``suffix``, else the occurrence nearest the item's other spans); a text-only span
that still occurs several times with nothing to choose keeps its text (and ``prefix``/``suffix``) for
``communique anchor`` to place after review. The links a prediction makes (``meeting_id``,
``attribution_id``, the speaker as ``source_span``) are kept and named in the item's comment; a link to an
item that could not be drafted is dropped with a warning.

The gold is stricter than a prediction, so drafting decides what a prediction leaves open, and says so in the
item's comment: a label that is required but not predicted gets a default (listed as ``guessed``); an official
referenced by a span that no drafted official holds becomes a new official with that mention; an official
referenced by a name or description that no drafted official matches (by name, title, mentions and country:
:func:`communique.annotate.names.description_score`), or several match equally, cannot be drafted (a gold
official needs a mention), and the reference is dropped with a warning that says which. Items left without
what the gold requires (a meeting with fewer than two participants, a commitment without an actor) are skipped
with a warning."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from communique.annotate.anchor import resolve
from communique.annotate.locate import Found, NormalisedText, Place, find_text_only, place_by_proximity
from communique.annotate.names import PRONOUNS, description_score
from communique.annotate.walk import SpanNode, walk
from communique.io.parse import JsonPath, dump_round_trip, format_path
from communique.schema.errors import Issue, issue
from communique.schema.models import ID_PATTERN, SCHEMA_VERSION, AnnotatedDocument, CorpusDocument
from communique.schema.predictions import (
    PredictedAttribution,
    PredictedCommitment,
    PredictedDocument,
    PredictedMeeting,
    PredictedSpan,
)

__all__ = ["Draft", "draft_annotations", "drafted_document", "printable"]

#: Pronouns a drafted mention is given the form ``pronoun`` for when the prediction does not say.
GUIDELINES_VERSION = "2.0"


@dataclass
class Draft:
    """A drafted annotation document: its YAML text, how many items it holds, and what could not be drafted."""

    text: str
    items: int
    issues: list[Issue] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)  # the document as plain data


def _placements(prediction: PredictedDocument, text: str) -> tuple[dict[JsonPath, Place], dict[JsonPath, Found]]:
    """Where the resolver bench uses places each text-only span of ``prediction`` (path -> place), and the
    spans it finds but cannot place (path -> what it found): several places and a tie, or nothing near."""
    normalised: NormalisedText | None = None
    placed: dict[JsonPath, Place] = {}
    unplaced: dict[JsonPath, Found] = {}
    for node in walk(PredictedDocument, prediction.model_dump(mode="json", exclude_none=True)):
        span = node.value
        if not isinstance(node, SpanNode) or not isinstance(span, dict):
            continue
        if isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            placed[node.path] = (span["start"], span["end"])  # checked when the predictions were read
            continue
        normalised = normalised or NormalisedText.of(text)
        found = find_text_only(normalised, {**span, "text": span["text"].strip() or span["text"]})
        if found.chosen is not None:
            placed[node.path] = found.chosen
        else:
            unplaced[node.path] = found
    near = place_by_proximity({p: f.places for p, f in unplaced.items() if f.ambiguous}, placed)
    placed |= near
    return placed, {p: f for p, f in unplaced.items() if p not in near}


class _Drafter:
    def __init__(self, prediction: PredictedDocument, corpus: CorpusDocument, origin: str):
        self.prediction = prediction
        self.text = corpus.text
        self.origin = origin
        self.issues: list[Issue] = []
        self.officials: list[CommentedMap] = []
        self.official_ids: dict[str, str] = {}  # predicted id -> drafted id
        self.meeting_ids: dict[str, str] = {}  # the same for meetings and attributions, to keep links
        self.attribution_ids: dict[str, str] = {}
        self.taken: set[str] = set()
        self.placed, self.unplaced = _placements(prediction, corpus.text)

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
        """A span with offsets where the text places it (by its offsets, by its text alone, its occurrence or
        context, or as the place nearest its item's other spans: :mod:`communique.annotate.locate`, as bench
        places it); text-only (for ``communique anchor`` after review) where it occurs several times and
        nothing places it; ``None`` where it does not occur at all. Warns."""
        raw = span.model_dump(exclude_none=True, include={"start", "end", "text", "occurrence", "prefix", "suffix"})
        raw["text"] = raw["text"].strip() or raw["text"]
        out = CommentedMap()
        if "start" in raw and "end" in raw:
            found = resolve(self.text, raw, path)
            place = None if found is None or found.start is None or found.end is None else (found.start, found.end)
        else:
            place = self.placed.get(path)
        unplaced = self.unplaced.get(path)
        if place is not None:
            out["start"], out["end"], out["text"] = place[0], place[1], self.text[place[0] : place[1]]
        elif unplaced is None or not unplaced.places or unplaced.occurrence is not None:
            self.issues.append(
                issue(
                    "draft-span-unanchored",
                    f"{raw['text'][:80]!r} does not occur in the text as whole tokens; left out",
                    path=format_path(path),
                )
            )
            return None
        else:
            texts = {self.text[s:e] for s, e in unplaced.places}  # the document's spelling, for `anchor`
            out["text"] = texts.pop() if len(texts) == 1 else raw["text"]
            for key in ("prefix", "suffix"):
                if key in raw:
                    out[key] = raw[key]
            self.issues.append(
                issue(
                    "draft-span-unanchored",
                    f"{raw['text'][:80]!r} occurs {len(unplaced.places)} times and nothing in its item places it; "
                    "drafted without offsets",
                    path=format_path(path),
                    hint="check it, add occurrence or prefix/suffix, then run `communique anchor` to write its offsets",
                )
            )
        out.fa.set_flow_style()
        return out

    def spans(self, spans: list[Any], path: tuple[str | int, ...]) -> CommentedSeq:
        """The spans of a list that occur in the text."""
        return CommentedSeq(s for j, x in enumerate(spans) if (s := self.span(x, (*path, j))) is not None)

    def skip(self, what: str, path: tuple[str | int, ...]) -> None:
        self.issues.append(issue("draft-item-skipped", f"{what}; not drafted", path=format_path(path)))

    def finish(self, item: CommentedMap, guessed: list[str], links: list[str] | None = None) -> CommentedMap:
        item["review"] = "draft"
        note = f"from {self.origin}" + (f"; guessed: {', '.join(guessed)}" if guessed else "")
        if links:  # links between layers the prediction makes: kept, and named so that the reviewer checks them
            note += f"; predicted links: {', '.join(links)}"
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
            if official_id not in self.official_ids:  # its official had no mention in the text
                self.issues.append(
                    issue(
                        "draft-item-skipped",
                        f"official {official_id!r} was not drafted; the reference is left out",
                        path=format_path((*path[:-1], str(path[-1]).replace("_span", "_id"))),
                    )
                )
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
            scored = sorted(
                (
                    (description_score(name, _keys(o), o["country"]), -k, str(o["id"]))
                    for k, o in enumerate(self.officials)
                ),
                reverse=True,
            )
            if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
                return scored[0][2]
            tied = [who for score, _, who in scored if score > 0 and score == scored[0][0]]
            what = (
                f"several drafted officials match it equally: {', '.join(tied)}"
                if tied
                else ("no drafted official matches it (by name, office or country)")
            )
            hint = "declare the official with a mention, or reference it by a span"
            if path[-1] == "speaker_span":  # a speaker may be no official at all
                hint += "; a speaker who is no official (a ministry, a spokesperson) is given as source_span"
            self.issues.append(
                issue(
                    "draft-item-skipped",
                    f"{name[:80]!r}: {what}; the reference is left out",
                    path=format_path((*path[:-1], str(path[-1]).replace("_span", "_name"))),
                    hint=hint,
                )
            )
        return None

    def link(self, wanted: str | None, drafted: dict[str, str], what: str, path: tuple[str | int, ...]) -> str | None:
        """The drafted id of the predicted item ``wanted`` links to; ``None`` with a warning when that item was
        not drafted (a link is never dropped silently)."""
        if wanted is None:
            return None
        if wanted not in drafted:
            self.issues.append(
                issue(
                    "draft-item-skipped",
                    f"{what} {wanted!r} was not drafted; the link is left out",
                    path=format_path(path),
                )
            )
        return drafted.get(wanted)

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
        if m.id is not None:
            self.meeting_ids[m.id] = item["id"]
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
        source_span = None if mention is None else mention.copy()
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
                # the speaker as written is the relation's source span (the gold's source_span), where placed
                if a.speaker_span is not None and (path in self.placed or a.speaker_span.start is not None):
                    source_span = self.span(a.speaker_span, path)
            else:
                source["type"], source["reason"] = "unresolved", "unnamed"
                guessed.append("source")
        source.fa.set_flow_style()
        item = CommentedMap()
        item["id"] = self.new_id(a.id, "a")
        item["source"] = source
        if source_span is not None:
            source_span.fa.set_flow_style()
        item["source_span"] = source_span
        item["cues"] = self.spans(a.cues, ("attributions", i, "cues"))
        item["contents"] = contents
        item["kind"] = a.kind or "indirect"
        item["speech_act"] = a.speech_act or "assertive"
        guessed += [k for k in ("kind", "speech_act") if getattr(a, k) is None]
        item["addressee_id"] = self.official_ref(
            a.addressee_id, a.addressee_name, a.addressee_span, ("attributions", i, "addressee_span")
        )
        item["meeting_id"] = self.link(a.meeting_id, self.meeting_ids, "meeting", ("attributions", i, "meeting_id"))
        if a.id is not None:
            self.attribution_ids[a.id] = item["id"]
        return self.finish(item, guessed, ["meeting_id"] if item["meeting_id"] is not None else [])

    def draft_commitment(self, i: int, c: PredictedCommitment) -> CommentedMap | None:
        actors = CommentedSeq()
        seen: set[str] = set()
        for j, actor in enumerate(c.actors):
            path = ("commitments", i, "actors", j, "official_span")
            who = self.official_ref(actor.official_id, actor.official_name, actor.official_span, path)
            if who is not None and who not in seen:
                seen.add(who)
                entry = CommentedMap([("official_id", who), ("country", actor.country)])
                entry.fa.set_flow_style()
                actors.append(entry)
        evidence = self.span(c.evidence, ("commitments", i, "evidence"))
        if not actors or evidence is None:
            self.skip("a commitment needs an actor and evidence in the text", ("commitments", i))
            return None
        guessed: list[str] = []
        item = CommentedMap()
        item["id"] = self.new_id(c.id, "c")
        item["actors"] = CommentedSeq(sorted(actors, key=lambda a: str(a["official_id"])))
        item["kind"] = c.kind or "intend"
        content = None if c.content is None else self.span(c.content, ("commitments", i, "content"))
        if content is None:
            guessed.append("content")
            content = evidence.copy()
            content.fa.set_flow_style()
        item["content"] = content
        item["evidence"] = evidence
        item["time"] = None if c.time is None else self.time(c.time, ("commitments", i, "time"))
        item["modality"] = None if c.modality is None else self.span(c.modality, ("commitments", i, "modality"))
        item["modality_type"] = c.modality_type if item["modality"] is not None else None
        if item["modality"] is not None and c.modality_type is None:
            item["modality_type"] = "deontic"
            guessed.append("modality_type")
        where = ("commitments", i)
        item["attribution_id"] = self.link(
            c.attribution_id, self.attribution_ids, "attribution", (*where, "attribution_id")
        )
        item["meeting_id"] = self.link(c.meeting_id, self.meeting_ids, "meeting", (*where, "meeting_id"))
        if c.kind is None:
            guessed.append("kind")
        return self.finish(item, guessed, [k for k in ("attribution_id", "meeting_id") if item[k] is not None])

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
            d for i, c in enumerate(self.prediction.commitments) if (d := self.draft_commitment(i, c)) is not None
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
        count = sum(len(doc[k]) for k in ("officials", "sources", "meetings", "attributions", "commitments"))
        return doc, count


def _keys(official: CommentedMap) -> list[str]:
    """What a name or description is matched against: a drafted official's name, title and mentions."""
    return [official["name"] or "", official["title"] or "", *(str(m["text"]) for m in official["mentions"])]


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
_REQUIRED_SPANS = {"commitments": ("content", "evidence")}
_OPTIONAL_SPANS = ("location", "time", "modality", "source_span")


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

    for layer in ("officials", "sources", "meetings", "attributions", "commitments"):
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
    for c in data["commitments"]:
        c["actors"] = [x for x in c["actors"] if x["official_id"] in officials]
    data["commitments"] = [c for c in data["commitments"] if c["actors"]]
    meetings = {m["id"] for m in data["meetings"]}
    attributions = {a["id"] for a in data["attributions"]}
    for item in (*data["attributions"], *data["commitments"]):  # links to items left out go too
        if item.get("meeting_id") not in meetings:
            item["meeting_id"] = None
        if "attribution_id" in item and item["attribution_id"] not in attributions:
            item["attribution_id"] = None
    return AnnotatedDocument.model_validate(data, strict=False)
