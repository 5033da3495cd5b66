"""What every converter of another tool's output shares: finding the corpus document, building one prediction
from spans, the labels of flat-labelled formats, and the problems met on the way.

A converter's output is a :class:`~communique.schema.predictions.PredictedDocument` (prediction format 2.1:
``officials``, ``sources``, ``meetings``, ``attributions`` (what a tool calls a quote), ``commitments`` and
``stances`` (with their ``actors``)), built item by item by :class:`DocumentBuilder` and validated as it is
built, so a value the format does not allow is a located ``convert-bad-input`` error, never a line ``bench``
refuses later. Commitment kinds of format 1 that a source still uses (``pledge``, ``invitation`` ...) are
mapped onto the kinds of guidelines 2.0, and a kind that format 2.1 calls a stance (``propose``, ``invite``,
``praise`` ...) makes a stance.

A converter reads spans in the *source's* text (a spaCy ``Doc``, a brat ``.txt``, a Label Studio task). When
that text is the corpus text, spans keep their offsets. When it differs (a tokenizer rejoined the words, a
tool normalised quotes), spans are written as text alone with the ``occurrence`` they have in the source
text, and the bench anchors them; a ``convert-text-differs`` warning says so.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, ValidationError

from communique.annotate.checks import show_value
from communique.annotate.migrate import KIND_MAP
from communique.annotate.names import name_words
from communique.io.parse import JsonPath, format_path
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject
from communique.schema.models import ParticipantRole, StanceKind, labels
from communique.schema.predictions import (
    PREDICTION_VERSION,
    PredictedActor,
    PredictedAttribution,
    PredictedCommitment,
    PredictedDocument,
    PredictedMeeting,
    PredictedMention,
    PredictedOfficial,
    PredictedParticipant,
    PredictedSource,
    PredictedSpan,
    PredictedStance,
    PredictedTime,
)

__all__ = [
    "LABELS",
    "Converted",
    "CorpusIndex",
    "DocumentBuilder",
    "Labelled",
    "Reader",
    "Score",
    "Target",
    "align_tokens",
    "prediction_json",
    "role_of",
]

#: the labels of flat-labelled formats (spaCy, CoNLL, pipelines, Label Studio and plain brat entities),
#: case-insensitive and without spaces, dashes or underscores -> what they become in a prediction
LABELS: dict[str, str] = {
    "person": "mention",
    "per": "mention",
    "official": "mention",
    "mention": "mention",
    "quote": "content",
    "attribution": "content",
    "attributioncontent": "content",
    "quotecontent": "content",
    "content": "content",
    "cue": "cue",
    "attributioncue": "cue",
    "speaker": "speaker",
    "source": "speaker",
    "attributionsource": "speaker",
    "meeting": "meeting",
    "commitment": "commitment",
    "stance": "stance",
}

#: a confidence score: a JSON number (not a string, not a boolean), finite
Score = Annotated[float, Field(strict=True, allow_inf_nan=False)]

#: a labelled span of a source text: start, end, label, confidence
Labelled = tuple[int, int, str, float | None]


def role_of(label: str) -> str | None:
    """What a source label becomes (``mention``, ``content`` of an attribution, ``cue``, ``speaker`` (its
    source), ``meeting``, ``commitment``, ``stance``), or None for labels a prediction has no place for (``ORG``,
    ``GPE`` ...)."""
    bare = re.sub(r"^[BIES]-", "", label.strip(), flags=re.IGNORECASE)  # IOB prefixes, as pipelines leave them
    bare = re.sub(r"^mention:.*", "mention", bare, flags=re.IGNORECASE)  # "Mention: name" (export label-studio)
    return LABELS.get(re.sub(r"[\s_-]", "", bare).casefold())


def prediction_json(document: PredictedDocument) -> str:
    """One prediction as a JSON Lines line (without its line break): the fields it gives, in model order."""
    return json.dumps(document.model_dump(mode="json", exclude_none=True), ensure_ascii=False)


# -- the corpus


@dataclass(frozen=True)
class Target:
    """The corpus document a source document is for."""

    id: str
    text: str
    sha256: str


class CorpusIndex:
    """The corpus documents, found by id or by their exact text."""

    def __init__(self, corpus: Path):
        from communique.corpus.build import iter_corpus

        self.by_id: dict[str, Target] = {}
        self.by_sha: dict[str, Target] = {}
        for doc in iter_corpus(corpus):
            target = Target(doc.id, doc.text, doc.sha256)
            self.by_id[doc.id] = target
            self.by_sha[doc.sha256] = target

    def find(self, *, text: str | None = None, document_id: str | None = None) -> Target | None:
        """The document named ``document_id``, or else the one whose text is ``text``."""
        if document_id is not None:
            return self.by_id.get(document_id)
        if text is not None:
            return self.by_sha.get(hashlib.sha256(text.encode("utf-8")).hexdigest())
        return None


# -- the result of a conversion, and its problems


@dataclass
class Converted:
    """The predictions made from one input, and the problems met on the way (errors stop the conversion
    once the whole input has been read; warnings go with the predictions)."""

    lines: list[PredictedDocument] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # corpus document id -> where the input gave it first


#: a format's reader: an input path, the corpus, and what it adds its predictions and problems to
Reader = Callable[[Path, CorpusIndex, Converted], None]


def bad_input(where: str, message: str, *, line: int | None = None, hint: str | None = None) -> CommuniqueError:
    return CommuniqueError([issue("convert-bad-input", message, file=where, line=line, hint=hint)])


def unknown_document(where: str, what: str, *, line: int | None = None, path: str = "$") -> Issue:
    return issue(
        "unknown-document",
        f"no corpus document for {what}",
        file=where,
        line=line,
        path=path,
        hint="give its document id, or convert the exact corpus text",
    )


def need_library(module: str, extra: str = "convert") -> ModuleType:
    """Import an optional library, or stop with a message saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CommuniqueError(
            [
                issue(
                    "missing-library",
                    f"this format needs the {module!r} package: {exc}",
                    hint=f"pip install 'communique[{extra}]'",
                )
            ]
        ) from None


def note_unplaced(out: Converted, where: str, labels: Iterable[str]) -> None:
    """One ``convert-label-skipped`` warning counting the labels that had no place in a prediction."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if counts:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items()))
        out.issues.append(issue("convert-label-skipped", f"labels with no place in a prediction: {listed}", file=where))


def finish_document(out: Converted, builder: DocumentBuilder, what: str, *, line: int | None = None) -> None:
    """Add the builder's prediction, unless an earlier document of the input was for the same corpus
    document; ``what`` says where this one is (``line 3``, ``task 2``, ``doc 1``)."""
    first = out.seen.get(builder.target.id)
    if first is not None:
        out.issues.append(
            issue(
                "convert-duplicate-document",
                f"{what} is for corpus document {builder.target.id!r}, as {first} is",
                file=builder.where,
                line=line,
                hint="merge them into one document, or convert them as separate inputs",
            )
        )
        return
    out.seen[builder.target.id] = what
    out.issues.extend(builder.text_issues())
    out.issues.extend(builder.problems)
    note_unplaced(out, builder.where, builder.skipped)
    out.lines.append(builder.build())


def shape_issues(
    exc: ValidationError,
    where: str,
    what: str,
    *,
    line: int | None = None,
    prefix: JsonPath = (),
    code: Callable[[str], str] = lambda kind: "convert-bad-input",
) -> list[Issue]:
    """A model's validation errors as issues located by ``line`` and JSON path; ``code`` names the issue
    code for a Pydantic error type (``convert-bad-input`` for all, by default)."""
    return [
        issue(
            code(error["type"]),
            f"{what}: {error['msg']} (found {show_value(error.get('input'))})",
            file=where,
            line=line,
            path=format_path((*prefix, *(p for p in error["loc"] if isinstance(p, str | int)))),
        )
        for error in exc.errors(include_url=False)
    ]


def dropped_span(
    where: str, what: str, start: int, end: int, length: int, *, line: int | None = None, path: JsonPath = ()
) -> Issue | None:
    """A ``convert-span-dropped`` warning when ``[start, end)`` is no span of a text of ``length``."""
    if 0 <= start < end <= length:
        return None
    why = (
        "negative"
        if min(start, end) < 0
        else "reversed or empty"
        if end <= start
        else f"beyond the text's end ({length})"
    )
    return issue(
        "convert-span-dropped",
        f"{what}: offsets [{start}, {end}) are {why}; the span is left out",
        file=where,
        line=line,
        path=format_path(path),
        hint="offsets are code points into the document's text, start < end",
    )


def align_tokens(text: str, tokens: list[tuple[str, int]], where: str, out: Converted) -> list[tuple[int, int] | None]:
    """Character offsets of each ``(token, line)`` in ``text``, found in order (None, with a located
    ``convert-token-unaligned`` warning, for one that is not there). Word-piece marks are ignored."""
    offsets: list[tuple[int, int] | None] = []
    at = 0
    for token, line in tokens:
        word = re.sub(r"^(##|▁|Ġ)", "", token)
        found = text.find(word, at, at + max(64, 4 * len(word))) if word else -1
        if found == -1:
            out.issues.append(
                issue("convert-token-unaligned", f"token {token!r} not found in the text here", file=where, line=line)
            )
            offsets.append(None)
            continue
        offsets.append((found, found + len(word)))
        at = found + len(word)
    return offsets


# -- building one prediction


def _occurrence(text: str, start: int, end: int) -> int:
    """Which occurrence (1 = first) of ``text[start:end]`` starts at ``start``."""
    needle, count, at = text[start:end], 0, -1
    while (at := text.find(needle, at + 1)) != -1 and at <= start:
        count += 1
    return max(count, 1)


@dataclass
class _Official:
    id: str
    name: str | None = None
    mentions: list[PredictedMention] = field(default_factory=list)
    words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Person:
    """A reference to a person: the id of the prediction's official with a mention there, else the span."""

    id: str | None = None
    span: PredictedSpan | None = None

    def __bool__(self) -> bool:
        return self.id is not None or self.span is not None


Model = TypeVar("Model", bound=BaseModel)


class DocumentBuilder:
    """Collects the spans of one source document and builds its :class:`PredictedDocument`.

    ``source_text`` is the text the offsets refer to; None means the corpus text itself. Items are
    validated as they are added: a value the prediction format does not allow is a ``convert-bad-input``
    error in :attr:`problems`, located at ``where`` and :attr:`line` (which a reader sets to the input line
    it is reading, when it has lines).
    """

    def __init__(self, target: Target, source_text: str | None, annotator: str, *, where: str = "-"):
        self.target = target
        self.source = target.text if source_text is None else source_text
        self.same_text = self.source == target.text
        self.annotator = annotator
        self.where = where
        self.line: int | None = None
        self.officials: list[_Official] = []
        self.by_key: dict[str, _Official] = {}
        self.mention_at: dict[tuple[int, int], _Official] = {}
        self.attributions: list[PredictedAttribution] = []
        self.sources: list[PredictedSource] = []
        self.source_by_key: dict[str, int] = {}  # the source's own key -> index in ``sources``
        self.source_at: dict[tuple[int, int], str] = {}  # a source mention's offsets -> its source's id
        self.meetings: list[PredictedMeeting] = []
        self.commitments: list[PredictedCommitment] = []
        self.stances: list[PredictedStance] = []
        self.skipped: list[str] = []  # what had no place in the prediction, for a note
        self.problems: list[Issue] = []  # values the prediction format refuses

    def _make(self, model: type[Model], what: str, **fields: object) -> Model | None:
        """``model(**fields)``, or None after recording why the format refuses it."""
        try:
            return model(**fields)
        except ValidationError as exc:
            self.problems.extend(shape_issues(exc, self.where, what, line=self.line))
            return None

    # -- spans

    def span(self, start: int, end: int) -> PredictedSpan | None:
        """A prediction span for source offsets; None when they cover only whitespace or lie outside."""
        if not 0 <= start < end <= len(self.source):
            return None
        piece = self.source[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        if start >= end:
            return None
        if self.same_text:
            return PredictedSpan(start=start, end=end, text=self.source[start:end])
        return PredictedSpan(text=self.source[start:end], occurrence=_occurrence(self.source, start, end))

    def spans(self, places: Iterable[tuple[int, int]]) -> list[PredictedSpan]:
        return [s for s in (self.span(*p) for p in places) if s is not None]

    def time(self, start: int, end: int) -> PredictedTime | None:
        """A time expression at source offsets (its calendar value is not read from other tools)."""
        span = self.span(start, end)
        return None if span is None else PredictedTime(**span.model_dump(exclude_none=True), value=None)

    def text_issues(self) -> list[Issue]:
        """A warning when the source text is not the corpus text (spans then go by text)."""
        if self.same_text:
            return []
        return [
            issue(
                "convert-text-differs",
                f"the text of {self.target.id!r} differs from the corpus text; spans are written as text "
                "with their occurrence and anchored by the bench",
                file=self.where,
            )
        ]

    # -- items

    def add_mention(
        self,
        start: int,
        end: int,
        *,
        official: str | None = None,
        name: str | None = None,
        form: str | None = None,
        confidence: float | None = None,
        meta: JsonObject | None = None,
    ) -> str | None:
        """Add a mention; return the id of its official. ``official`` is the source's own key for the
        official (a brat ``Equiv`` group, a coreference chain); without one, mentions whose names nest
        (*Bagheri*, *Mohammad Bagheri*) are one official."""
        span = self.span(start, end)
        if span is None:
            return None
        key = (start, end)
        if key in self.mention_at:
            return self.mention_at[key].id
        mention = self._make(
            PredictedMention,
            "a mention",
            **span.model_dump(exclude_none=True),
            form=form,
            confidence=None if confidence is None else _unit(confidence),
            meta=meta or None,
        )
        if mention is None:
            return None
        owner = self._official_for(span.text, official, name)
        owner.mentions.append(mention)
        self.mention_at[key] = owner
        return owner.id

    def _official_for(self, text: str, key: str | None, name: str | None) -> _Official:
        if key is not None and key in self.by_key:
            return self.by_key[key]
        words = name_words(name or text)
        found = None
        if key is None and words:
            found = next((o for o in self.officials if o.words and (words <= o.words or o.words <= words)), None)
        if found is None:
            found = _Official(id=f"o{len(self.officials) + 1}")
            self.officials.append(found)
        if len(words) > len(found.words):
            found.words, found.name = words, name or text
        if key is not None:
            self.by_key[key] = found
        return found

    def official_at(self, start: int, end: int) -> str | None:
        """The official one of whose mentions overlaps ``[start, end)`` most, if any."""
        best, overlap = None, 0
        for (s, e), official in self.mention_at.items():
            shared = min(e, end) - max(s, start)
            if shared > overlap:
                best, overlap = official.id, shared
        return best

    def person(self, span: tuple[int, int] | None) -> Person:
        """The person at ``span``: the official with a mention there when there is one, else the span itself."""
        if span is None:
            return Person()
        official = self.official_at(*span)
        if official is not None:
            return Person(id=official)
        return Person(span=self.span(*span))

    def add_source_mention(
        self, start: int, end: int, *, key: str, type_: str | None = None, country: str | None = None
    ) -> str | None:
        """Add a mention of a non-official source (``key``: the source's own key); return the source's id."""
        span = self.span(start, end)
        if span is None:
            return None
        at = self.source_by_key.get(key)
        if at is None:
            source = self._make(
                PredictedSource, "a source", id=f"s{len(self.sources) + 1}", type=type_ or None, country=country or None
            )
            if source is None:
                return None
            at = self.source_by_key[key] = len(self.sources)
            self.sources.append(source)
        source = self.sources[at]
        self.sources[at] = source.model_copy(update={"mentions": [*source.mentions, span]})
        self.source_at[(start, end)] = str(source.id)
        return source.id

    def add_attribution(
        self,
        contents: Iterable[tuple[int, int]],
        *,
        cues: Iterable[tuple[int, int]] = (),
        speaker: tuple[int, int] | None = None,
        unresolved: str | None = None,
        addressee: tuple[int, int] | None = None,
        kind: str | None = None,
        speech_act: str | None = None,
        confidence: float | None = None,
        meta: JsonObject | None = None,
        by_span: bool = False,
    ) -> None:
        """Add an attribution (a quote, in most tools' words). ``speaker`` is where its source is named: a
        mention of a non-official source makes it ``source_id``, else the official there (``speaker_id`` or
        ``speaker_span``; always ``speaker_span`` when ``by_span``: the bench resolves it against the gold
        mentions); with no speaker, ``unresolved`` gives the reason."""
        spans = self.spans(contents)
        if not spans:
            return
        source: dict[str, object] = {}
        if speaker is not None and speaker in self.source_at:
            source = {"source_id": self.source_at[speaker]}
        elif speaker is not None and by_span:
            source = {"speaker_span": self.span(*speaker)}
        elif speaker is not None:
            who = self.person(speaker)
            source = {"speaker_id": who.id, "speaker_span": who.span}
        elif unresolved:
            source = {"source_unresolved": unresolved}
        addressed = self.person(addressee)
        attribution = self._make(
            PredictedAttribution,
            "an attribution",
            id=f"a{len(self.attributions) + 1}",
            **source,
            addressee_id=addressed.id,
            addressee_span=addressed.span,
            cues=self.spans(cues),
            contents=spans,
            kind=kind or None,
            speech_act=speech_act or None,
            confidence=None if confidence is None else _unit(confidence),
            meta=meta or None,
        )
        if attribution is not None:
            self.attributions.append(attribution)

    def add_meeting(
        self,
        evidence: Iterable[tuple[int, int]],
        *,
        participants: Iterable[tuple[tuple[int, int], ParticipantRole | None]] = (),
        location: tuple[int, int] | None = None,
        time: tuple[int, int] | None = None,
        status: str | None = None,
        mode: str | None = None,
        confidence: float | None = None,
        meta: JsonObject | None = None,
    ) -> None:
        """Add a meeting of the officials at ``participants`` (each with its role, if any); one without
        evidence or participants is left out."""
        found = []
        for where, role in participants:
            who = self.person(where)
            if who:
                found.append(PredictedParticipant(official_id=who.id, official_span=who.span, role=role or None))
        meeting = self._make(
            PredictedMeeting,
            "a meeting",
            id=f"m{len(self.meetings) + 1}",
            evidence=self.spans(evidence),
            participants=found,
            location=self.span(*location) if location else None,
            time=self.time(*time) if time else None,
            status=status or None,
            mode=mode or None,
            confidence=None if confidence is None else _unit(confidence),
            meta=meta or None,
        )
        if meeting is not None and (meeting.evidence or meeting.participants):
            self.meetings.append(meeting)

    def add_commitment(
        self,
        evidence: tuple[int, int],
        *,
        actors: Iterable[tuple[int, int]] = (),
        content: tuple[int, int] | None = None,
        modality: tuple[int, int] | None = None,
        time: tuple[int, int] | None = None,
        kind: str | None = None,
        country: str | None = None,
        countries: Iterable[str | None] = (),
        modality_type: str | None = None,
        condition: tuple[int, int] | None = None,
        stance: bool = False,
        confidence: float | None = None,
        meta: JsonObject | None = None,
    ) -> None:
        """Add a commitment (a stance, when ``stance`` or when its kind is a stance kind) of the officials at
        ``actors``; without one it is skipped and noted (format 2.1 has no act without an actor). A stance
        has no condition: one given for it is left out."""
        placed = self.span(*evidence)
        if placed is None:
            return
        places = list(actors)
        spoken_for = [*countries, *[None] * len(places)][: len(places)]  # per actor, in order
        found = []
        for where, each in zip(places, spoken_for, strict=True):
            who = self.person(where)
            if who:
                actor = self._make(
                    PredictedActor, "an actor", official_id=who.id, official_span=who.span, country=each or country
                )
                if actor is None:
                    return
                found.append(actor)
        kind = KIND_MAP.get(kind, kind) if kind else None
        stance = stance or kind in labels(StanceKind)
        if not found:  # format 2.1: a commitment or stance is an act of at least one official
            self.skipped.append(f"{'stance' if stance else 'commitment'} without an actor")
            return
        common: dict[str, object] = {
            "actors": found,
            "kind": kind,
            "evidence": placed,
            "content": self.span(*content) if content else None,
            "modality": self.span(*modality) if modality else None,
            "time": self.time(*time) if time else None,
            "modality_type": modality_type or None,
            "confidence": None if confidence is None else _unit(confidence),
            "meta": meta or None,
        }
        if stance:
            made = self._make(PredictedStance, "a stance", id=f"st{len(self.stances) + 1}", **common)
            if made is not None:
                self.stances.append(made)
            return
        commitment = self._make(
            PredictedCommitment,
            "a commitment",
            id=f"c{len(self.commitments) + 1}",
            condition=self.span(*condition) if condition else None,
            **common,
        )
        if commitment is not None:
            self.commitments.append(commitment)

    # -- flat labelled spans (IOB tags, pipelines, Label Studio, plain brat entities)

    def add_labelled(self, spans: Iterable[Labelled]) -> list[str]:
        """Turn labelled spans into items: mentions, and attributions whose cues and speakers are the nearest
        ``CUE``/``SPEAKER`` spans. Return the labels that had no place (for a note)."""
        by_role: dict[str, list[tuple[int, int, float | None]]] = {}
        unplaced: list[str] = []
        for start, end, label, confidence in spans:
            role = role_of(label)
            if role is None:
                unplaced.append(label)
            else:
                by_role.setdefault(role, []).append((start, end, confidence))
        for start, end, confidence in sorted(by_role.get("mention", [])):
            self.add_mention(start, end, form="name", confidence=confidence)
        contents = sorted(by_role.get("content", []))
        attached: dict[int, dict[str, list[tuple[int, int]]]] = {
            i: {"cue": [], "speaker": []} for i in range(len(contents))
        }
        for role in ("cue", "speaker"):
            for start, end, _ in by_role.get(role, []):
                if contents:
                    nearest = min(range(len(contents)), key=lambda i: _gap(contents[i][:2], (start, end)))
                    attached[nearest][role].append((start, end))
        for i, (start, end, confidence) in enumerate(contents):
            speakers = attached[i]["speaker"]
            self.add_attribution(
                [(start, end)],
                cues=attached[i]["cue"],
                speaker=speakers[0] if speakers else None,
                confidence=confidence,
            )
        for start, end, confidence in sorted(by_role.get("meeting", [])):
            self.add_meeting([(start, end)], confidence=confidence)
        for start, end, confidence in sorted(by_role.get("commitment", [])):
            self.add_commitment((start, end), confidence=confidence)
        for start, end, confidence in sorted(by_role.get("stance", [])):
            self.add_commitment((start, end), stance=True, confidence=confidence)
        return unplaced

    # -- the prediction

    def build(self) -> PredictedDocument:
        return PredictedDocument(
            schema_version=PREDICTION_VERSION,
            document_id=self.target.id,
            text_sha256=self.target.sha256 if self.same_text else None,
            annotators=[self.annotator],
            officials=[
                PredictedOfficial(id=o.id, name=o.name, mentions=sorted(o.mentions, key=_order)) for o in self.officials
            ],
            sources=self.sources,
            meetings=self.meetings,
            attributions=self.attributions,
            commitments=self.commitments,
            stances=self.stances,
        )


def _order(span: PredictedSpan) -> tuple[int, str, int]:
    return (-1 if span.start is None else span.start, span.text, span.occurrence or 0)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))
