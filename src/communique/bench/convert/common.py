"""What every converter shares: finding the corpus document, and building one prediction line from spans.

The line is in prediction format 2.1: ``officials``, ``sources``, ``meetings``, ``attributions`` (what a
source calls a quote), ``commitments`` and ``stances`` (with their ``actors``). Commitment kinds of format 1
that a source still uses (``pledge``, ``invitation`` ...) are mapped onto the kinds of guidelines 2.0, and a
kind that format 2.1 calls a stance (``propose``, ``invite``, ``praise`` ...) makes a stance.

A converter reads spans in the *source's* text (a spaCy ``Doc``, a brat ``.txt``, a Label Studio task). When
that text is the corpus text, spans keep their offsets. When it differs (a tokenizer rejoined the words, a
tool normalised quotes), spans are written as text alone with the ``occurrence`` they have in the source
text, and the bench anchors them; a ``convert-text-differs`` warning says so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communique.annotate.migrate import KIND_MAP
from communique.annotate.names import name_words
from communique.schema.errors import Issue, issue
from communique.schema.models import StanceKind, labels
from communique.schema.predictions import PREDICTION_VERSION

__all__ = [
    "LABELS",
    "CorpusIndex",
    "DocumentBuilder",
    "Target",
    "role_of",
]

#: source labels (case-insensitive) -> what they become in a prediction
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


def role_of(label: str) -> str | None:
    """What a source label becomes (``mention``, ``content`` of an attribution, ``cue``, ``speaker`` (its
    source), ``meeting``, ``commitment``, ``stance``), or None for labels a prediction has no place for (``ORG``,
    ``GPE`` ...)."""
    bare = re.sub(r"^[BIES]-", "", label.strip(), flags=re.IGNORECASE)  # IOB prefixes, as pipelines leave them
    bare = re.sub(r"^mention:.*", "mention", bare, flags=re.IGNORECASE)  # "Mention: name" (export label-studio)
    return LABELS.get(re.sub(r"[\s_-]", "", bare).casefold())


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
    mentions: list[dict[str, Any]] = field(default_factory=list)
    words: frozenset[str] = frozenset()


class DocumentBuilder:
    """Collects spans of one source document and builds its prediction line (a JSON-ready dict).

    ``source_text`` is the text the offsets refer to; None means the corpus text itself.
    """

    def __init__(self, target: Target, source_text: str | None, annotator: str, *, where: str = "-"):
        self.target = target
        self.source = target.text if source_text is None else source_text
        self.same_text = self.source == target.text
        self.annotator = annotator
        self.where = where
        self.officials: list[_Official] = []
        self.by_key: dict[str, _Official] = {}
        self.mention_at: dict[tuple[int, int], _Official] = {}
        self.attributions: list[dict[str, Any]] = []
        self.sources: list[dict[str, Any]] = []
        self.source_by_key: dict[str, dict[str, Any]] = {}
        self.source_at: dict[tuple[int, int], str] = {}  # a source mention's offsets -> its source's id
        self.meetings: list[dict[str, Any]] = []
        self.commitments: list[dict[str, Any]] = []
        self.stances: list[dict[str, Any]] = []
        self.meta: dict[str, Any] = {}
        self.skipped: list[str] = []  # what had no place in the line, for a note

    # -- spans

    def span(self, start: int, end: int) -> dict[str, Any] | None:
        """A prediction span for source offsets; None when they cover only whitespace or lie outside."""
        if not 0 <= start < end <= len(self.source):
            return None
        piece = self.source[start:end]
        start += len(piece) - len(piece.lstrip())
        end -= len(piece) - len(piece.rstrip())
        if start >= end:
            return None
        if self.same_text:
            return {"start": start, "end": end, "text": self.source[start:end]}
        return {"text": self.source[start:end], "occurrence": _occurrence(self.source, start, end)}

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
        meta: dict[str, Any] | None = None,
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
        owner = self._official_for(span["text"], official, name)
        mention: dict[str, Any] = {**span}
        if form:
            mention["form"] = form
        if confidence is not None:
            mention["confidence"] = _unit(confidence)
        if meta:
            mention["meta"] = meta
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

    def person(self, field_name: str, span: tuple[int, int] | None) -> dict[str, Any]:
        """A reference to the person at ``span``: ``<field>_id`` when a mention is there, else
        ``<field>_span`` (the span itself)."""
        if span is None:
            return {}
        official = self.official_at(*span)
        if official is not None:
            return {f"{field_name}_id": official}
        placed = self.span(*span)
        return {f"{field_name}_span": placed} if placed else {}

    def add_source_mention(
        self, start: int, end: int, *, key: str, type_: str | None = None, country: str | None = None
    ) -> str | None:
        """Add a mention of a non-official source (``key``: the source's own key); return the source's id."""
        span = self.span(start, end)
        if span is None:
            return None
        source = self.source_by_key.get(key)
        if source is None:
            source = {"id": f"s{len(self.sources) + 1}", "mentions": []}
            source.update({k: v for k, v in (("type", type_), ("country", country)) if v})
            self.sources.append(source)
            self.source_by_key[key] = source
        source["mentions"].append(span)
        self.source_at[(start, end)] = source["id"]
        return str(source["id"])

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
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Add an attribution (a quote, in most tools' words). ``speaker`` is where its source is named: a
        mention of a non-official source makes it ``source_id``, else the official there (``speaker_id`` or
        ``speaker_span``); with no speaker, ``unresolved`` gives the reason."""
        spans = [s for s in (self.span(*c) for c in contents) if s]
        if not spans:
            return
        source: dict[str, Any] = {}
        if speaker is not None and speaker in self.source_at:
            source = {"source_id": self.source_at[speaker]}
        elif speaker is not None:
            source = self.person("speaker", speaker)
        elif unresolved:
            source = {"source_unresolved": unresolved}
        attribution: dict[str, Any] = {
            "id": f"a{len(self.attributions) + 1}",
            **source,
            **self.person("addressee", addressee),
            "cues": [s for s in (self.span(*c) for c in cues) if s],
            "contents": spans,
        }
        if kind:
            attribution["kind"] = kind
        if speech_act:
            attribution["speech_act"] = speech_act
        _extras(attribution, confidence, meta)
        self.attributions.append(attribution)

    def add_meeting(
        self,
        evidence: Iterable[tuple[int, int]],
        *,
        participants: Iterable[tuple[tuple[int, int], str | None]] = (),
        location: tuple[int, int] | None = None,
        time: tuple[int, int] | None = None,
        status: str | None = None,
        mode: str | None = None,
        confidence: float | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        meeting: dict[str, Any] = {
            "id": f"m{len(self.meetings) + 1}",
            "evidence": [s for s in (self.span(*e) for e in evidence) if s],
            "participants": [],
        }
        for where, role in participants:
            reference = self.person("official", where)
            if reference:
                meeting["participants"].append({**reference, **({"role": role} if role else {})})
        if location and (placed := self.span(*location)):
            meeting["location"] = placed
        if time and (placed := self.span(*time)):
            meeting["time"] = {**placed, "value": None}
        if status:
            meeting["status"] = status
        if mode:
            meeting["mode"] = mode
        _extras(meeting, confidence, meta)
        if meeting["evidence"] or meeting["participants"]:
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
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Add a commitment (a stance, when ``stance`` or when its kind is a stance kind) of the officials at
        ``actors``; without one it is skipped and noted (format 2.1 has no act without an actor)."""
        placed = self.span(*evidence)
        if placed is None:
            return
        places = list(actors)
        spoken_for = [*countries, *[None] * len(places)][: len(places)]  # per actor, in order
        found = [
            {**ref, **({"country": each or country} if each or country else {})}
            for ref, each in zip((self.person("official", where) for where in places), spoken_for, strict=True)
            if ref
        ]
        kind = KIND_MAP.get(kind, kind) if kind else None
        stance = stance or kind in labels(StanceKind)
        if not found:  # format 2.1: a commitment or stance is an act of at least one official
            self.skipped.append(f"{'stance' if stance else 'commitment'} without an actor")
            return
        layer = self.stances if stance else self.commitments
        commitment: dict[str, Any] = {"id": f"{'st' if stance else 'c'}{len(layer) + 1}", "actors": found}
        if kind:
            commitment["kind"] = kind
        commitment["evidence"] = placed
        for name, where in (("content", content), ("modality", modality), ("condition", condition)):
            if where and (span := self.span(*where)) and (name != "condition" or not stance):
                commitment[name] = span
        if time and (span := self.span(*time)):
            commitment["time"] = {**span, "value": None}
        if modality_type:
            commitment["modality_type"] = modality_type
        _extras(commitment, confidence, meta)
        layer.append(commitment)

    # -- flat labelled spans (IOB tags, pipelines, Label Studio, plain brat entities)

    def add_labelled(self, spans: Iterable[tuple[int, int, str, float | None]]) -> list[str]:
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

    # -- the line

    def build(self) -> dict[str, Any]:
        line: dict[str, Any] = {"schema_version": PREDICTION_VERSION, "document_id": self.target.id}
        if self.same_text:
            line["text_sha256"] = self.target.sha256
        line["annotators"] = [self.annotator]
        line["officials"] = [
            {"id": o.id, **({"name": o.name} if o.name else {}), "mentions": sorted(o.mentions, key=_order)}
            for o in self.officials
        ]
        line["sources"] = self.sources
        line["meetings"] = self.meetings
        line["attributions"] = self.attributions
        line["commitments"] = self.commitments
        line["stances"] = self.stances
        if self.meta:
            line["meta"] = self.meta
        return line


def _order(span: dict[str, Any]) -> tuple[int, str, int]:
    return (span.get("start", -1), span["text"], span.get("occurrence") or 0)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def _extras(item: dict[str, Any], confidence: float | None, meta: dict[str, Any] | None) -> None:
    if confidence is not None:
        item["confidence"] = _unit(confidence)
    if meta:
        item["meta"] = meta
