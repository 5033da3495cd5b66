"""The common form in which gold and predictions are scored.

Both sides become :class:`Annotations`: spans are :class:`Extent`\\ s (anchored offsets, or an unanchored
marker that matches nothing), officials are referenced by an opaque ``ref`` and every item is a frozen,
hashable value, so identical duplicates collapse by set semantics and every list has a canonical order
that does not depend on the order of the input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol, TypeVar

from communique.annotate.names import PRONOUNS
from communique.schema.models import AnnotatedDocument, Attribution, Official, OfficialSource, Span, UnresolvedSource

__all__ = [
    "Annotations",
    "AttributionItem",
    "CommitmentItem",
    "Extent",
    "MeetingItem",
    "MentionItem",
    "OfficialItem",
    "Source",
    "StanceItem",
    "attribution_source",
    "extent",
    "from_gold",
    "iou",
    "official_item",
    "overlap",
    "overlap_all",
    "same",
    "trim",
]

QUOTATION_MARKS = "\"'“”‘’«»„‟‹›"


@dataclass(frozen=True, order=True)
class Extent:
    """A stretch of the document: half-open code-point offsets and the text they cover.

    An unanchored extent (a predicted text that could not be placed) has ``start == end == -1``: it counts
    as a prediction but overlaps and equals no gold extent.
    """

    start: int
    end: int
    text: str

    @property
    def anchored(self) -> bool:
        return self.start >= 0

    @staticmethod
    def unanchored(text: str) -> Extent:
        return Extent(-1, -1, text)


def overlap(a: Extent, b: Extent) -> int:
    """Characters shared by two extents (0 when either is unanchored)."""
    if not (a.anchored and b.anchored):
        return 0
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def overlap_all(a: Sequence[Extent], b: Sequence[Extent]) -> int:
    return sum(overlap(x, y) for x in a for y in b)


def iou(a: Sequence[Extent], b: Sequence[Extent]) -> float:
    """Character intersection over union of two extent lists (each list's own extents disjoint)."""
    inter = overlap_all(a, b)
    union = sum(x.end - x.start for x in a if x.anchored) + sum(y.end - y.start for y in b if y.anchored) - inter
    return inter / union if union > 0 else 0.0


def same(a: Sequence[Extent], b: Sequence[Extent]) -> bool:
    """The same set of anchored extents (an unanchored extent never equals anything)."""
    if any(not x.anchored for x in (*a, *b)):
        return False
    return {(x.start, x.end) for x in a} == {(y.start, y.end) for y in b}


def first_start(extents: Iterable[Extent | None]) -> int | None:
    """Where an item starts: its earliest anchored extent (it goes with that section in splits)."""
    return min((e.start for e in extents if e is not None and e.anchored), default=None)


@dataclass(frozen=True)
class Source:
    """Where a predicted item came from, to locate warnings raised while scoring."""

    file: str
    line: int | None
    path: str


#: how an item sorts: a tuple of comparable values (None never compared with a value: see :func:`_key`)
SortKey = tuple[object, ...]
_Value = TypeVar("_Value")


def _key(value: _Value | None) -> tuple[int, _Value | str]:
    """A sort key that orders None first and never compares None with a value."""
    return (0, "") if value is None else (1, value)


@dataclass(frozen=True)
class OfficialItem:
    """An official as a cluster of mentions, with the strings it can be recognised by."""

    ref: str
    name: str | None
    keys: tuple[str, ...]  # name and non-pronoun mention texts, for matching by name
    mentions: frozenset[tuple[int, int]]  # anchored mentions
    unanchored: int = 0  # predicted mentions that could not be placed: they still count in the cluster's size
    by_name: bool = False  # a name-only official: referenced by name, not declared in `officials`
    source: Source | None = field(default=None, compare=False)
    confidence: float | None = field(default=None, compare=False)  # predicted; None: always kept
    # what a description may name besides its keys: the official's title and country (alpha-3)
    title: str | None = field(default=None, compare=False)
    country: str | None = field(default=None, compare=False)

    def description_keys(self) -> tuple[str, ...]:
        """The keys and the title: what a name or description (*the defence minister*) is matched against."""
        return (*self.keys, self.title) if self.title else self.keys

    def sort_key(self) -> SortKey:
        return (
            min(self.mentions, default=(1 << 62, 0)),
            sorted(self.mentions),
            _key(self.name),
            self.keys,
            self.ref,
            self.unanchored,
            self.by_name,
        )


@dataclass(frozen=True)
class MentionItem:
    extent: Extent
    form: str | None
    official: str
    confidence: float | None = field(default=None, compare=False)

    def sort_key(self) -> SortKey:
        # the extent's fields in place of the extent: the same order, compared without Extent.__lt__
        extent = self.extent
        return (extent.start, extent.end, extent.text, _key(self.form), self.official)

    @cached_property
    def start(self) -> int | None:
        return first_start([self.extent])


@dataclass(frozen=True)
class AttributionItem:
    """A reported speech act. Its source is one of: an official (``speaker``, a ref), a non-official source
    (``source``: the extents that refer to it, its gold mentions or the predicted span), or unresolved
    (``unresolved``: the reason); all three are empty when a prediction gives no source."""

    contents: tuple[Extent, ...]
    cues: tuple[Extent, ...]
    kind: str | None
    speech_act: str | None
    speaker: str | None
    source: tuple[Extent, ...] = ()
    source_type: str | None = None
    unresolved: str | None = None
    confidence: float | None = field(default=None, compare=False)

    @property
    def by_source(self) -> bool:
        """Attributed to a non-official source."""
        return bool(self.source)

    def sort_key(self) -> SortKey:
        return (
            self.contents,
            self.cues,
            _key(self.kind),
            _key(self.speech_act),
            _key(self.speaker),
            self.source,
            _key(self.source_type),
            _key(self.unresolved),
        )

    @cached_property
    def start(self) -> int | None:
        return first_start([*self.contents, *self.cues])


@dataclass(frozen=True)
class MeetingItem:
    evidence: tuple[Extent, ...]
    participants: frozenset[str]
    location: Extent | None
    time: Extent | None
    status: str | None
    mode: str | None = None
    confidence: float | None = field(default=None, compare=False)
    #: participants predicted with a confidence below 1: (ref, confidence)
    participant_confidence: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    def sort_key(self) -> SortKey:
        return (
            self.evidence,
            sorted(self.participants),
            _key(self.location),
            _key(self.time),
            _key(self.status),
            _key(self.mode),
        )

    @cached_property
    def start(self) -> int | None:
        return first_start([*self.evidence, self.location, self.time])


@dataclass(frozen=True)
class CommitmentItem:
    """A commitment or a stance (both are scored alike); ``actors`` is the set of official refs that perform it
    (compared as a set). Only a commitment has a ``condition``."""

    evidence: Extent
    content: Extent | None
    kind: str | None
    actors: frozenset[str]
    time: Extent | None
    confidence: float | None = field(default=None, compare=False)
    #: actors predicted with a confidence below 1: (ref, confidence)
    actor_confidence: tuple[tuple[str, float], ...] = field(default=(), compare=False)
    condition: Extent | None = None

    def sort_key(self) -> SortKey:
        return (
            self.evidence,
            _key(self.content),
            _key(self.kind),
            sorted(self.actors),
            _key(self.time),
            _key(self.condition),
        )

    @cached_property
    def start(self) -> int | None:
        return first_start([self.evidence, self.content, self.time, self.condition])


#: a stance is scored exactly as a commitment is
StanceItem = CommitmentItem

LAYERS = ("officials", "mentions", "attributions", "meetings", "commitments", "stances")
#: the layers of acts of officials, scored alike
ACT_LAYERS = ("commitments", "stances")


@dataclass
class Annotations:
    """One side (gold or predicted) of one document, in canonical order, identical duplicates collapsed."""

    document_id: str
    officials: list[OfficialItem] = field(default_factory=list)
    mentions: list[MentionItem] = field(default_factory=list)
    attributions: list[AttributionItem] = field(default_factory=list)
    meetings: list[MeetingItem] = field(default_factory=list)
    commitments: list[CommitmentItem] = field(default_factory=list)
    stances: list[StanceItem] = field(default_factory=list)
    collapsed: Counter[str] = field(default_factory=Counter)  # layer -> identical duplicates dropped
    #: speaker/actor/participant refs given as spans (``span:START:END``) -> where the first was written
    span_refs: dict[str, Source] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for layer in LAYERS:
            items: list[_Scored] = getattr(self, layer)
            kept: dict[_Scored, _Scored] = {}
            for item in items:  # of identical duplicates the most confident is kept (confidence is no identity)
                earlier = kept.setdefault(item, item)
                if earlier is not item and _more_confident(item, earlier):
                    kept[item] = item  # the value replaced; the order does not matter: equal keys are equal items
            unique = sorted(kept.values(), key=lambda item: item.sort_key())
            self.collapsed[layer] += len(items) - len(unique)
            setattr(self, layer, unique)


class _Scored(Protocol):
    """An item of a layer: hashable, sortable by its key, with the confidence it was predicted with."""

    @property
    def confidence(self) -> float | None: ...

    def sort_key(self) -> SortKey: ...


def _more_confident(a: _Scored, b: _Scored) -> bool:
    """``a`` is kept over its identical duplicate ``b`` (no confidence counts as certain)."""
    ca, cb = a.confidence, b.confidence
    return (1.0 if ca is None else ca) > (1.0 if cb is None else cb)


def official_keys(name: str | None, mention_texts: Iterable[tuple[str, str | None]]) -> tuple[str, ...]:
    """The strings an official is recognised by: its name, then its non-pronoun mentions (sorted, unique)."""
    texts = {t for t, form in mention_texts if form != "pronoun" and t.casefold() not in PRONOUNS}
    return ((name,) if name else ()) + tuple(sorted(texts - {name}))


def trim(extent: Extent, text: str, strip: str = "") -> Extent:
    """``extent`` without edge whitespace (and without the characters in ``strip``) at either end.

    Attribution contents are compared without their quotation marks, whichever side included them.
    """
    if not extent.anchored:
        return extent
    start, end = extent.start, extent.end
    while start < end and (text[start].isspace() or text[start] in strip):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in strip):
        end -= 1
    return extent if (start, end) == (extent.start, extent.end) else Extent(start, end, text[start:end])


def extent(span: Span) -> Extent:
    """A schema span as an extent (the one span type scoring and agreement compute with)."""
    return Extent(span.start, span.end, span.text)


def official_item(official: Official) -> OfficialItem:
    """A gold official as a cluster of its mentions (the ref is its id)."""
    return OfficialItem(
        official.id,
        official.name,
        official_keys(official.name, ((m.text, m.form) for m in official.mentions)),
        frozenset((m.start, m.end) for m in official.mentions),
        title=official.title,
        country=official.country,
    )


def attribution_source(
    attribution: Attribution, sources: Mapping[str, tuple[tuple[Extent, ...], str]]
) -> tuple[str | None, tuple[Extent, ...], str | None, str | None]:
    """A gold attribution's source as (official ref, source extents, source type, unresolved reason);
    ``sources`` maps a source id to its mentions and type."""
    found = attribution.source
    if isinstance(found, OfficialSource):
        return found.official_id, (), None, None
    if isinstance(found, UnresolvedSource):
        return None, (), None, found.reason
    extents, type_ = sources[found.source_id]
    return None, extents, type_, None


def from_gold(doc: AnnotatedDocument, text: str) -> Annotations:
    """The gold annotations of one document in scoring form (refs are the gold ids); ``text`` is the
    document text, used to normalise attribution contents exactly as predicted ones are."""

    def content(span: Span) -> Extent:
        return trim(extent(span), text, QUOTATION_MARKS)

    def opt(span: Span | None) -> Extent | None:
        return None if span is None else extent(span)

    sources = {s.id: (tuple(sorted(map(extent, s.mentions))), s.type) for s in doc.sources}
    attributions = []
    for a in doc.attributions:
        speaker, source, source_type, unresolved = attribution_source(a, sources)
        attributions.append(
            AttributionItem(
                tuple(sorted(map(content, a.contents))),
                tuple(sorted(map(extent, a.cues))),
                a.kind,
                a.speech_act,
                speaker,
                source,
                source_type,
                unresolved,
            )
        )
    return Annotations(
        document_id=doc.document_id,
        officials=[official_item(o) for o in doc.officials],
        mentions=[MentionItem(extent(m), m.form, o.id) for o in doc.officials for m in o.mentions],
        attributions=attributions,
        meetings=[
            MeetingItem(
                tuple(sorted(map(extent, m.evidence))),
                frozenset(p.official_id for p in m.participants),
                opt(m.location),
                opt(m.time),
                m.status,
                m.mode,
            )
            for m in doc.meetings
        ],
        commitments=[
            CommitmentItem(
                extent(c.evidence),
                extent(c.content),
                c.kind,
                frozenset(a.official_id for a in c.actors),
                opt(c.time),
                condition=opt(c.condition),
            )
            for c in doc.commitments
        ],
        stances=[
            StanceItem(
                extent(s.evidence), extent(s.content), s.kind, frozenset(a.official_id for a in s.actors), opt(s.time)
            )
            for s in doc.stances
        ],
    )


def above(side: Annotations, threshold: float) -> Annotations:
    """``side`` without the predicted items (and participants) whose confidence is below ``threshold``.

    An item without a confidence is always kept; dropping an official drops its mentions, and a dropped
    mention leaves its official's cluster; participants and actors are dropped from their meeting or
    commitment."""

    def keep(item: _Scored) -> bool:
        return item.confidence is None or item.confidence >= threshold

    officials = [o for o in side.officials if keep(o)]
    kept_refs = {o.ref for o in officials}
    mentions = [m for m in side.mentions if keep(m) and m.official in kept_refs]
    still = set(mentions)
    dropped = {(m.extent.start, m.extent.end, m.official) for m in side.mentions if m not in still}
    losing = {ref for _, _, ref in dropped}
    officials = [
        replace(o, mentions=frozenset(x for x in o.mentions if (x[0], x[1], o.ref) not in dropped))
        if o.ref in losing
        else o
        for o in officials
    ]
    meetings = [
        replace(m, participants=m.participants - {r for r, c in m.participant_confidence if c < threshold})
        for m in side.meetings
        if keep(m)
    ]
    acts = {
        layer: [
            replace(c, actors=c.actors - {r for r, x in c.actor_confidence if x < threshold})
            for c in getattr(side, layer)
            if keep(c)
        ]
        for layer in ACT_LAYERS
    }
    return Annotations(
        side.document_id,
        officials,
        mentions,
        [a for a in side.attributions if keep(a)],
        meetings,
        acts["commitments"],
        acts["stances"],
        Counter(side.collapsed),
        dict(side.span_refs),
    )


def has_confidence(side: Annotations) -> bool:
    """Whether any predicted item carries a confidence (only then is a threshold sweep meaningful)."""
    return (
        any(item.confidence is not None for layer in LAYERS for item in getattr(side, layer))
        or any(m.participant_confidence for m in side.meetings)
        or any(c.actor_confidence for layer in ACT_LAYERS for c in getattr(side, layer))
    )
