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
what the gold requires (a meeting with fewer than two participants, a commitment or stance without an actor) are
skipped with a warning.

The draft is built as the annotation model (:class:`~communique.schema.models.AnnotatedDocument`, every item
``review: draft``; a span the text does not place exactly is an ``_Unplaced`` span) and its YAML is written
from that model; :attr:`Draft.document` is its validated view (:func:`drafted_document`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from communique.annotate.anchor import resolve
from communique.annotate.locate import Found, NormalisedText, Place, find_text_only, place_by_proximity
from communique.annotate.names import PRONOUNS, description_score
from communique.annotate.walk import SpanNode, walk
from communique.io.parse import JsonPath, dump_round_trip, format_path
from communique.schema.errors import Issue, issue
from communique.schema.guidelines import PRINT_COMMAND, guidelines_version
from communique.schema.models import (
    ANNOTATION_LAYERS,
    ID_PATTERN,
    Actor,
    AnnotatedDocument,
    Attribution,
    AttributionSource,
    Commitment,
    CorpusDocument,
    Meeting,
    Mention,
    MentionForm,
    Official,
    OfficialSource,
    Participant,
    ParticipantRole,
    Source,
    SourceReference,
    Span,
    SpanModel,
    Stance,
    TimeExpression,
    UnresolvedSource,
)
from communique.schema.predictions import (
    PredictedAttribution,
    PredictedCommitment,
    PredictedDocument,
    PredictedMeeting,
    PredictedOfficial,
    PredictedSpan,
    PredictedStance,
    PredictedTime,
)

__all__ = ["Draft", "draft_annotations", "drafted_document", "printable"]

#: the version of the shipped guidelines, which a draft is made under (read from the guidelines themselves)
GUIDELINES_VERSION = guidelines_version()
#: the fields of a span that only say where a text-only span is (written when given)
_HINTS = ("occurrence", "prefix", "suffix")


@dataclass
class Draft:
    """A drafted annotation document: its YAML text, how many items it holds, what could not be drafted, and
    the draft as a validated document (:func:`drafted_document`)."""

    text: str
    items: int
    document: AnnotatedDocument = field(repr=False)
    issues: list[Issue] = field(default_factory=list)


class _Unplaced:
    """Marks a drafted span the text does not place exactly (it occurs, but more than once or not with its
    context): it is written text-only, with its ``occurrence``/``prefix``/``suffix``, for ``communique anchor``
    after review, and left out of the validated view. Its offsets are those of the text's first occurrence,
    only so that its item is a model; nothing reads them."""


class _UnplacedSpan(Span, _Unplaced):
    pass


class _UnplacedTime(TimeExpression, _Unplaced):
    pass


class _UnplacedMention(Mention, _Unplaced):
    pass


@dataclass(frozen=True)
class _Place:
    """Where the text places a predicted span: ``exact``, or a text-only span (``hints`` kept) that occurs."""

    start: int
    end: int
    text: str
    exact: bool
    occurrence: int | None = None
    prefix: str | None = None
    suffix: str | None = None


def _placed(span: SpanModel) -> bool:
    return not isinstance(span, _Unplaced)


def _placements(prediction: PredictedDocument, text: str) -> tuple[dict[JsonPath, Place], dict[JsonPath, Found]]:
    """Where the resolver bench uses places each text-only span of ``prediction`` (path -> place), and the
    spans it finds but cannot place (path -> what it found): several places and a tie, or nothing near."""
    normalised: NormalisedText | None = None
    placed: dict[JsonPath, Place] = {}
    unplaced: dict[JsonPath, Found] = {}
    contents: dict[JsonPath, str] = {}  # the unplaced spans as strings: placed in their order, not the list's
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
            contents[node.path] = json.dumps(span, sort_keys=True)
    near = place_by_proximity({p: f.places for p, f in unplaced.items() if f.ambiguous}, placed, contents)
    placed |= near
    return placed, {p: f for p, f in unplaced.items() if p not in near}


class _Drafter:
    def __init__(self, prediction: PredictedDocument, corpus: CorpusDocument, origin: str):
        self.prediction = prediction
        self.text = corpus.text
        self.origin = origin
        self.issues: list[Issue] = []
        self.officials: list[Official] = []
        self.official_ids: dict[str, str] = {}  # predicted id -> drafted id
        self.meeting_ids: dict[str, str] = {}  # the same for meetings and attributions, to keep links
        self.attribution_ids: dict[str, str] = {}
        self.taken: set[str] = set()
        self.guessed: dict[str, list[str]] = {}  # drafted id -> the labels it got by default
        self.links: dict[str, list[str]] = {}  # drafted id -> the links between layers the prediction made
        self.placed, self.unplaced = _placements(prediction, corpus.text)
        self.normalised: NormalisedText | None = None

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

    def place(self, span: PredictedSpan, path: tuple[str | int, ...]) -> _Place | None:
        """Where the text places ``span``: by its offsets, by its text alone, its occurrence or context, or as the
        place nearest its item's other spans (:mod:`communique.annotate.locate`, as bench places it); not exactly
        where it occurs several times and nothing places it (written text-only, for ``communique anchor`` after
        review); ``None`` where it does not occur as whole tokens. Warns."""
        raw = span.model_dump(exclude_none=True, include={"start", "end", "text", *_HINTS})
        raw["text"] = raw["text"].strip() or raw["text"]
        at: Place | None
        if "start" in raw and "end" in raw:
            found = resolve(self.text, raw, path)
            at = None if found is None or found.start is None or found.end is None else (found.start, found.end)
        else:
            at = self.placed.get(path)
        if at is not None:
            return _Place(at[0], at[1], self.text[at[0] : at[1]], True)
        unplaced = self.unplaced.get(path)
        if unplaced is not None and (not unplaced.places or unplaced.occurrence is not None):
            # its occurrence or context matches none of the places of its text: kept text-only with its hints, so
            # that the reviewer sees them and `anchor` says what is wrong, where the text occurs at all
            self.normalised = self.normalised or NormalisedText.of(self.text)  # made once, for the first such span
            bare = find_text_only(self.normalised, {"text": raw["text"]})
            if bare.places:
                self.issues.append(
                    issue(
                        "draft-span-unanchored",
                        f"{raw['text'][:80]!r}: its occurrence or prefix/suffix match none of its "
                        f"{len(bare.places)} place(s); drafted without offsets",
                        path=format_path(path),
                        hint="check it and its hints, then run `communique anchor` to write its offsets",
                    )
                )
                first = bare.places[0]
                at_text = self.text[first[0] : first[1]]
                return _Place(first[0], first[1], at_text, False, span.occurrence, span.prefix, span.suffix)
        if unplaced is None or not unplaced.places or unplaced.occurrence is not None:
            self.issues.append(
                issue(
                    "draft-span-unanchored",
                    f"{raw['text'][:80]!r} does not occur in the text as whole tokens; left out",
                    path=format_path(path),
                )
            )
            return None
        texts = {self.text[s:e] for s, e in unplaced.places}  # the document's spelling, for `anchor`
        text: str = texts.pop() if len(texts) == 1 else raw["text"]
        self.issues.append(
            issue(
                "draft-span-unanchored",
                f"{raw['text'][:80]!r} occurs {len(unplaced.places)} times and nothing in its item places it; "
                "drafted without offsets",
                path=format_path(path),
                hint="check it, add occurrence or prefix/suffix, then run `communique anchor` to write its offsets",
            )
        )
        first = unplaced.places[0]
        return _Place(first[0], first[1], text, False, None, span.prefix, span.suffix)

    def span(self, span: PredictedSpan, path: tuple[str | int, ...]) -> Span | None:
        """A span with offsets where the text places it exactly; text-only where it occurs but not exactly once;
        ``None`` where it does not occur at all."""
        at = self.place(span, path)
        if at is None:
            return None
        if at.exact:
            return Span(start=at.start, end=at.end, text=at.text)
        return _UnplacedSpan(
            start=at.start, end=at.end, text=at.text, occurrence=at.occurrence, prefix=at.prefix, suffix=at.suffix
        )

    def mention(self, span: PredictedSpan, path: tuple[str | int, ...], form: MentionForm | None) -> Mention | None:
        """A mention, placed as :meth:`span` places it; its form guessed from its text when not given."""
        at = self.place(span, path)
        if at is None:
            return None
        form = form or self.guess_form(at.text)
        if at.exact:
            return Mention(start=at.start, end=at.end, text=at.text, form=form)
        return _UnplacedMention(
            start=at.start,
            end=at.end,
            text=at.text,
            form=form,
            occurrence=at.occurrence,
            prefix=at.prefix,
            suffix=at.suffix,
        )

    def time(self, span: PredictedTime, path: tuple[str | int, ...]) -> TimeExpression | None:
        at = self.place(span, path)
        if at is None:
            return None
        if at.exact:
            return TimeExpression(start=at.start, end=at.end, text=at.text, value=span.value)
        return _UnplacedTime(
            start=at.start,
            end=at.end,
            text=at.text,
            value=span.value,
            occurrence=at.occurrence,
            prefix=at.prefix,
            suffix=at.suffix,
        )

    def spans(self, spans: list[PredictedSpan], path: tuple[str | int, ...]) -> list[Span]:
        """The spans of a list that occur in the text."""
        return [s for j, x in enumerate(spans) if (s := self.span(x, (*path, j))) is not None]

    def skip(self, what: str, path: tuple[str | int, ...]) -> None:
        self.issues.append(issue("draft-item-skipped", f"{what}; not drafted", path=format_path(path)))

    def guess(self, item_id: str, guessed: list[str]) -> str:
        """Record the labels item ``item_id`` got by default (they go into its comment); return the id."""
        self.guessed[item_id] = guessed
        return item_id

    # ------------------------------------------------------------------------------------ officials

    def draft_officials(self) -> None:
        for i, o in enumerate(self.prediction.officials):
            mentions: list[Mention] = []
            guessed_form = False
            for j, m in enumerate(o.mentions):
                mention = self.mention(m, ("officials", i, "mentions", j), m.form)
                if mention is None:
                    continue
                guessed_form |= m.form is None
                mentions.append(mention)
            if not mentions:
                self.skip(f"official {o.name or o.id or i!r} has no mention in the text", ("officials", i))
                continue
            new = self.new_id(o.id, "o")
            if o.id is not None:
                self.official_ids[o.id] = new
            self.officials.append(self.official(new, o.name, mentions, o, guessed_form))

    def guess_form(self, text: str) -> MentionForm:
        if text.casefold() in PRONOUNS:
            return "pronoun"
        return "name" if text[:1].isupper() else "nominal"

    def official(
        self,
        new: str,
        name: str | None,
        mentions: list[Mention],
        source: PredictedOfficial | None = None,
        guessed_form: bool = True,
    ) -> Official:
        """A drafted official; its participation is settled once the meetings are drafted."""
        guessed = ["form"] if guessed_form else []
        if source is None or source.participation is None:
            guessed.append("participation")
        return Official(
            id=self.guess(new, guessed),
            name=name,
            title=source.title if source else None,
            rank=source.rank if source else None,
            country=source.country if source else None,
            organisation=source.organisation if source else None,
            participation=(source.participation if source else None) or "mentioned",
            mentions=mentions,
            review="draft",
        )

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
            placed = self.mention(span, path, None)
            if placed is None:
                return None
            if _placed(placed):
                start, end = placed.start, placed.end
                for o in self.officials:
                    if any(_placed(m) and m.start < end and start < m.end for m in o.mentions):
                        return o.id
            new = self.new_id(None, "o")
            self.officials.append(self.official(new, None, [placed]))
            return new
        if name is not None:
            scored = sorted(
                ((description_score(name, _keys(o), o.country), -k, o.id) for k, o in enumerate(self.officials)),
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

    def linked(self, item_id: str, links: dict[str, str | None]) -> str:
        """Record the links item ``item_id`` keeps (named in its comment, for the reviewer to check); the id."""
        self.links[item_id] = [k for k, v in links.items() if v is not None]
        return item_id

    # ------------------------------------------------------------------------------------ layers

    def draft_sources(self) -> tuple[list[Source], dict[str, str]]:
        out, ids = [], {}
        for i, s in enumerate(self.prediction.sources):
            mentions = self.spans(s.mentions, ("sources", i, "mentions"))
            if not mentions:
                self.skip("a source needs a mention in the text", ("sources", i))
                continue
            new = self.new_id(s.id, "s")
            if s.id is not None:
                ids[s.id] = new
            guessed = [] if s.type else ["type"]
            out.append(
                Source(
                    id=self.guess(new, guessed),
                    type=s.type or "other",
                    country=s.country,
                    mentions=mentions,
                    review="draft",
                )
            )
        return out, ids

    def draft_meeting(self, i: int, m: PredictedMeeting) -> Meeting | None:
        people: dict[str, ParticipantRole | None] = {}
        for j, p in enumerate(m.participants):
            path = ("meetings", i, "participants", j, "official_span")
            who = self.official_ref(p.official_id, p.official_name, p.official_span, path)
            if who is not None:
                people.setdefault(who, p.role)
        evidence = self.spans(m.evidence, ("meetings", i, "evidence"))
        if len(people) < 2 or not evidence:
            self.skip("a meeting needs two participants and evidence in the text", ("meetings", i))
            return None
        new = self.new_id(m.id, "m")
        if m.id is not None:
            self.meeting_ids[m.id] = new
        location = None if m.location is None else self.span(m.location, ("meetings", i, "location"))
        time = None if m.time is None else self.time(m.time, ("meetings", i, "time"))
        return Meeting(
            id=self.guess(new, [k for k in ("status", "mode") if getattr(m, k) is None]),
            participants=[Participant(official_id=who, role=role) for who, role in people.items()],
            location=location,
            time=time,
            evidence=evidence,
            status=m.status or "stated",
            mode=m.mode or "unspecified",
            review="draft",
        )

    def draft_attribution(
        self, i: int, a: PredictedAttribution, sources: list[Source], source_ids: dict[str, str]
    ) -> Attribution | None:
        contents = self.spans(a.contents, ("attributions", i, "contents"))
        if not contents:
            self.skip("an attribution needs contents in the text", ("attributions", i))
            return None
        guessed: list[str] = []
        source: AttributionSource
        mention = None if a.source_span is None else self.span(a.source_span, ("attributions", i, "source_span"))
        source_span = mention  # the source as written is the relation's source span
        if a.source_id is not None and a.source_id in source_ids:
            source = SourceReference(type="source", source_id=source_ids[a.source_id])
        elif mention is not None:
            new = self.new_id(None, "s")
            sources.append(
                Source(
                    id=self.guess(new, [] if a.source_type else ["type"]),
                    type=a.source_type or "other",
                    country=None,
                    mentions=[mention],
                    review="draft",
                )
            )
            source = SourceReference(type="source", source_id=new)
        elif a.source_unresolved is not None:
            source = UnresolvedSource(type="unresolved", reason=a.source_unresolved)
        else:
            path = ("attributions", i, "speaker_span")
            who = self.official_ref(a.speaker_id, a.speaker_name, a.speaker_span, path)
            if who is not None:
                source = OfficialSource(type="official", official_id=who)
                # the speaker as written is the relation's source span (the gold's source_span), where placed
                if a.speaker_span is not None and (path in self.placed or a.speaker_span.start is not None):
                    source_span = self.span(a.speaker_span, path)
            else:
                source = UnresolvedSource(type="unresolved", reason="unnamed")
                guessed.append("source")
        new = self.new_id(a.id, "a")
        cues = self.spans(a.cues, ("attributions", i, "cues"))
        guessed += [k for k in ("kind", "speech_act") if getattr(a, k) is None]
        addressee = self.official_ref(
            a.addressee_id, a.addressee_name, a.addressee_span, ("attributions", i, "addressee_span")
        )
        meeting = self.link(a.meeting_id, self.meeting_ids, "meeting", ("attributions", i, "meeting_id"))
        if a.id is not None:
            self.attribution_ids[a.id] = new
        return Attribution(
            id=self.linked(self.guess(new, guessed), {"meeting_id": meeting}),
            source=source,
            source_span=source_span,
            cues=cues,
            contents=contents,
            kind=a.kind or "indirect",
            speech_act=a.speech_act or "assertive",
            addressee_id=addressee,
            meeting_id=meeting,
            review="draft",
        )

    def draft_act(self, layer: str, i: int, c: PredictedCommitment | PredictedStance) -> Commitment | Stance | None:
        """A commitment or a stance (``layer``): its kind, when not predicted, is guessed (intend, support); a
        commitment's condition is placed like its other spans; its links are kept."""
        what = "commitment" if isinstance(c, PredictedCommitment) else "stance"
        actors: list[Actor] = []
        seen: set[str] = set()
        for j, actor in enumerate(c.actors):
            path = (layer, i, "actors", j, "official_span")
            who = self.official_ref(actor.official_id, actor.official_name, actor.official_span, path)
            if who is not None and who not in seen:
                seen.add(who)
                actors.append(Actor(official_id=who, country=actor.country))
        evidence = self.span(c.evidence, (layer, i, "evidence"))
        if not actors or evidence is None:
            self.skip(f"a {what} needs an actor and evidence in the text", (layer, i))
            return None
        guessed: list[str] = []
        new = self.new_id(c.id, "c" if isinstance(c, PredictedCommitment) else "st")
        content = None if c.content is None else self.span(c.content, (layer, i, "content"))
        if content is None:
            guessed.append("content")
            content = evidence
        time = None if c.time is None else self.time(c.time, (layer, i, "time"))
        modality = None if c.modality is None else self.span(c.modality, (layer, i, "modality"))
        modality_type = c.modality_type if modality is not None else None
        if modality is not None and c.modality_type is None:
            modality_type = "deontic"
            guessed.append("modality_type")
        if c.kind is None:
            guessed.append("kind")
        where = (layer, i)
        attribution = self.link(c.attribution_id, self.attribution_ids, "attribution", (*where, "attribution_id"))
        meeting = self.link(c.meeting_id, self.meeting_ids, "meeting", (*where, "meeting_id"))
        item_id = self.linked(self.guess(new, guessed), {"attribution_id": attribution, "meeting_id": meeting})
        actors.sort(key=lambda a: a.official_id)
        if isinstance(c, PredictedStance):
            return Stance(
                id=item_id,
                actors=actors,
                kind=c.kind or "support",
                content=content,
                evidence=evidence,
                time=time,
                modality=modality,
                modality_type=modality_type,
                attribution_id=attribution,
                meeting_id=meeting,
                review="draft",
            )
        condition = None if c.condition is None else self.span(c.condition, (layer, i, "condition"))
        return Commitment(
            id=item_id,
            actors=actors,
            kind=c.kind or "intend",
            content=content,
            evidence=evidence,
            time=time,
            modality=modality,
            modality_type=modality_type,
            condition=condition,
            attribution_id=attribution,
            meeting_id=meeting,
            review="draft",
        )

    def document(self, corpus: CorpusDocument) -> AnnotatedDocument:
        self.draft_officials()
        sources, source_ids = self.draft_sources()
        meetings = [d for i, m in enumerate(self.prediction.meetings) if (d := self.draft_meeting(i, m)) is not None]
        attributions = [
            a
            for i, p in enumerate(self.prediction.attributions)
            if (a := self.draft_attribution(i, p, sources, source_ids)) is not None
        ]
        commitments = [
            c
            for i, p in enumerate(self.prediction.commitments)
            if isinstance(c := self.draft_act("commitments", i, p), Commitment)
        ]
        stances = [
            s for i, p in enumerate(self.prediction.stances) if isinstance(s := self.draft_act("stances", i, p), Stance)
        ]
        participants = {p.official_id for m in meetings for p in m.participants}
        officials = []
        for o in self.officials:
            if o.id in participants:
                o = o.model_copy(update={"participation": "participant"})
            elif "participation" in self.guessed[o.id] or o.participation == "participant":
                o = o.model_copy(update={"participation": "mentioned"})
            officials.append(o)
        return AnnotatedDocument(
            schema_version="2.1",
            document_id=corpus.id,
            text_sha256=corpus.sha256,
            guidelines_version=GUIDELINES_VERSION,
            annotators=[f"draft: {self.origin}"],
            officials=officials,
            sources=sources,
            meetings=meetings,
            attributions=attributions,
            commitments=commitments,
            stances=stances,
        )


def _keys(official: Official) -> list[str]:
    """What a name or description is matched against: a drafted official's name, title and mentions."""
    return [official.name or "", official.title or "", *(m.text for m in official.mentions)]


def draft_annotations(
    prediction: PredictedDocument, corpus: CorpusDocument, origin: str, guidelines: str = PRINT_COMMAND
) -> Draft:
    """Draft the annotation file of ``corpus`` from ``prediction``; ``origin`` names the extractor or file
    (it goes into every item's comment and the ``annotators``, escaped by :func:`printable`). The header
    sends the annotator to ``guidelines``: a copy that exists in their project, or the command printing them."""
    origin = printable(origin)
    drafter = _Drafter(prediction, corpus, origin)
    document = drafter.document(corpus)
    notes = {
        item_id: f"from {origin}"
        + (f"; guessed: {', '.join(guessed)}" if guessed else "")
        # links between layers the prediction makes: kept, and named so that the reviewer checks them
        + (f"; predicted links: {', '.join(links)}" if (links := drafter.links.get(item_id)) else "")
        for item_id, guessed in drafter.guessed.items()
    }
    header = (
        f"# Drafted by `communique draft` from {origin}: every item is `review: draft`.\n"
        f"# Check each against the guidelines ({printable(guidelines)}), fix it, then remove its `review: draft`\n"
        "# (`communique validate --strict` fails while any is left).\n"
    )
    count = sum(len(getattr(document, layer)) for layer in ANNOTATION_LAYERS)
    return Draft(header + dump_round_trip(_yaml(document, notes)), count, _view(document), drafter.issues)


#: models written on one line in the YAML (as in the gold files): spans, participants, actors, sources
_FLOW = (SpanModel, Participant, Actor, OfficialSource, SourceReference, UnresolvedSource)


def _yaml(document: AnnotatedDocument, notes: dict[str, str]) -> CommentedMap:
    """The YAML of a drafted document: every field written (nulls included), a text-only span with the hints it
    has and without offsets, each item's ``review: draft`` commented with ``notes`` (where it came from, what
    was guessed)."""
    root = _node(document)
    for key in ("schema_version", "guidelines_version"):
        root[key] = DoubleQuotedScalarString(root[key])
    for layer in ANNOTATION_LAYERS:
        for node in root[layer]:
            node.yaml_add_eol_comment(notes[node["id"]], "review")
    return root


def _node(model: BaseModel) -> CommentedMap:
    node = CommentedMap()
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(model, SpanModel) and (
            (name in _HINTS and value is None) or (name in ("start", "end") and not _placed(model))
        ):
            continue
        node[name] = _value(value)
    if isinstance(model, _FLOW):
        node.fa.set_flow_style()
    return node


def _value(value: object) -> object:
    if isinstance(value, BaseModel):
        return _node(value)
    if isinstance(value, list):
        return CommentedSeq(_value(v) for v in value)
    return value


def _view(document: AnnotatedDocument) -> AnnotatedDocument:
    """The draft for viewing: spans the text does not place exactly are left out, and so are the items that
    cannot do without them (and the references to those)."""
    officials = [o.model_copy(update={"mentions": [m for m in o.mentions if _placed(m)]}) for o in document.officials]
    officials = [o for o in officials if o.mentions]
    sources = [s.model_copy(update={"mentions": [m for m in s.mentions if _placed(m)]}) for s in document.sources]
    sources = [s for s in sources if s.mentions]
    official_ids, source_ids = {o.id for o in officials}, {s.id for s in sources}
    meetings = []
    for m in document.meetings:
        m = m.model_copy(
            update={
                "evidence": [e for e in m.evidence if _placed(e)],
                "location": m.location if m.location is not None and _placed(m.location) else None,
                "time": m.time if m.time is not None and _placed(m.time) else None,
            }
        )
        if m.evidence and all(p.official_id in official_ids for p in m.participants):
            meetings.append(m)
    meeting_ids = {m.id for m in meetings}
    attributions = []
    for a in document.attributions:
        source = a.source
        gone = (source.type == "official" and source.official_id not in official_ids) or (
            source.type == "source" and source.source_id not in source_ids
        )
        a = a.model_copy(
            update={
                "cues": [c for c in a.cues if _placed(c)],
                "contents": [c for c in a.contents if _placed(c)],
                "source": UnresolvedSource(type="unresolved", reason="unnamed") if gone else source,
                "addressee_id": a.addressee_id if a.addressee_id in official_ids else None,
                "source_span": a.source_span if a.source_span is not None and _placed(a.source_span) else None,
                "meeting_id": a.meeting_id if a.meeting_id in meeting_ids else None,  # links to items left out go
            }
        )
        if a.contents:
            attributions.append(a)
    attribution_ids = {a.id for a in attributions}
    commitments = []
    for c in document.commitments:
        update = _act_view(c, official_ids, attribution_ids, meeting_ids)
        c = c.model_copy(update={**update, "condition": c.condition if c.condition and _placed(c.condition) else None})
        if c.actors and _placed(c.content) and _placed(c.evidence):
            commitments.append(c)
    stances = []
    for st in document.stances:
        st = st.model_copy(update=_act_view(st, official_ids, attribution_ids, meeting_ids))
        if st.actors and _placed(st.content) and _placed(st.evidence):
            stances.append(st)
    viewed = document.model_copy(
        update={
            "officials": officials,
            "sources": sources,
            "meetings": meetings,
            "attributions": attributions,
            "commitments": commitments,
            "stances": stances,
        }
    )
    return AnnotatedDocument.model_validate(viewed.model_dump())


def _act_view(
    act: Commitment | Stance, official_ids: set[str], attribution_ids: set[str], meeting_ids: set[str]
) -> dict[str, object]:
    """What changes in a commitment or stance in the view: actors, optional spans and links to items left out
    go."""
    return {
        "actors": [x for x in act.actors if x.official_id in official_ids],
        "time": act.time if act.time is not None and _placed(act.time) else None,
        "modality": act.modality if act.modality is not None and _placed(act.modality) else None,
        "attribution_id": act.attribution_id if act.attribution_id in attribution_ids else None,
        "meeting_id": act.meeting_id if act.meeting_id in meeting_ids else None,
    }


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
    return draft_annotations(prediction, corpus, origin).document
