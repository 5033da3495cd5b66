"""Rows of every dataset config, built from one validated document at a time.

Configs:

* ``documents``: one row per document, lossless (the validated gold is rebuilt from it exactly);
  spans in document offsets. One split, ``full``.
* ``mentions``, ``tokens``, ``sources``, ``attributions``, ``meetings``, ``commitments``, ``stances``: one row
  per item,
  with a ``context`` passage (the sentence for mentions and tokens, the paragraphs holding the item otherwise;
  a mention in a sentence longer than :data:`MENTION_CONTEXT_MAX` gets the :data:`MENTION_CONTEXT_RADIUS` code
  points on each side of it within the sentence, so a row's size never grows with its sentence) and
  ``context_start``, its offset in the document. Spans in these rows are relative to ``context``, so
  ``context[start:end] == text`` holds inside every row. Split by section (see :mod:`communique.corpus.splits`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import get_args

import datasets

from communique.annotate.stats import ATTRIBUTION_SOURCES
from communique.corpus.splits import Splitter
from communique.corpus.store import CorpusLike, CorpusView, SpanLike
from communique.export.features import Feature, Row, bio_tags, feature_for, features_for
from communique.schema.models import (
    PLOVER_KINDS,
    AnnotatedDocument,
    AttributionKind,
    AttributionSource,
    Commitment,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    Official,
    OfficialSource,
    ParticipantRole,
    SeedMetadata,
    Source,
    SourceReference,
    SourceType,
    Span,
    SpeechAct,
    Stance,
    StanceKind,
    TimeExpression,
    UnresolvedReason,
    UnresolvedSource,
    consult_mode,
    labels,
)

#: the split policy of a small corpus (and the default): by section
SECTIONS = Splitter()

SPAN = {"start": datasets.Value("int64"), "end": datasets.Value("int64"), "text": datasets.Value("string")}
TIME = {**SPAN, "value": datasets.Value("string")}
ITEM = {
    "id": datasets.Value("string"),
    "document_id": datasets.Value("string"),
    "unit": datasets.Value("string"),
    "context": datasets.Value("string"),
    "context_start": datasets.Value("int64"),
}
OFFICIAL_REF = {"id": datasets.Value("string"), "name": datasets.Value("string"), "title": datasets.Value("string")}
SOURCE_TYPES = ATTRIBUTION_SOURCES
#: A mention's sentence is its whole context up to this many code points (every ordinary sentence) ...
MENTION_CONTEXT_MAX = 1000
#: ... beyond that, the context is the mention and this many code points each side of it, within the sentence.
MENTION_CONTEXT_RADIUS = 250


Values = tuple[object, ...]  # one row: its values in the config's column order (labels by name)


@dataclass(frozen=True)
class Config:
    name: str
    description: str
    features: datasets.Features
    values: Callable[[DocumentRows], Iterator[tuple[str, Values]]]  # (split, row values) of one document

    @property
    def columns(self) -> list[str]:
        return list(self.features)

    def rows(
        self, doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
    ) -> Iterator[tuple[str, Row]]:
        """The rows of one document as ``(split, {column: value})`` (labels by name)."""
        columns = self.columns
        for split, values in self.values(DocumentRows(doc, corpus, splitter)):
            yield split, dict(zip(columns, values, strict=True))


# ----------------------------------------------------------------------------------------- helpers


def segment_offsets(corpus: CorpusLike, name: str) -> tuple[Sequence[int], Sequence[int]]:
    """The starts and ends of one segmentation of either corpus form, without making span objects of a view."""
    if isinstance(corpus, CorpusView):
        return corpus.offsets(name)
    spans: Sequence[SpanLike] = getattr(corpus, name)
    return [s.start for s in spans], [s.end for s in spans]


class DocumentRows:
    """One document being turned into rows: what the rows of every config share, made once per document."""

    def __init__(self, doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS):
        self.doc, self.corpus, self.splitter = doc, corpus, splitter
        self.document_id = doc.document_id
        self.text = corpus.text
        self._section_starts = [s.span.start for s in corpus.sections]
        self._places: dict[int, tuple[str, str]] = {}  # section index -> (unit, split)
        self._officials: dict[str, Official] | None = None
        self._passages: _Passages | None = None

    def place(self, offset: int) -> tuple[str, str]:
        """The unit and the split of an item whose first span starts at ``offset`` (as ``Splitter`` decides)."""
        section = (
            max(0, bisect.bisect_right(self._section_starts, offset) - 1) if self.splitter.unit == "section" else -1
        )
        found = self._places.get(section)
        if found is None:
            unit = self.splitter.unit_at(self.corpus, offset)
            found = self._places[section] = (unit, self.splitter.split_of(unit))
        return found

    @property
    def officials(self) -> dict[str, Official]:
        if self._officials is None:
            self._officials = {o.id: o for o in self.doc.officials}
        return self._officials

    @property
    def passages(self) -> _Passages:
        if self._passages is None:
            self._passages = _Passages(self.corpus)
        return self._passages

    def item(self, item_id: str, spans: Sequence[Span]) -> tuple[str, Values, int]:
        """The split, the columns every item row starts with (``ITEM``) and the context's offset."""
        start, end = self.passages.around(spans)
        unit, split = self.place(min(s.start for s in spans))
        return split, (item_id, self.document_id, unit, self.text[start:end], start), start


class _Passages:
    """Finds the passage (whole paragraphs, or a sentence) around a set of spans."""

    def __init__(self, corpus: CorpusLike):
        self.starts, self.ends = segment_offsets(corpus, "paragraphs")

    def around(self, spans: Sequence[Span]) -> tuple[int, int]:
        lo = min(s.start for s in spans)
        hi = max(s.end for s in spans)
        first = max(0, bisect.bisect_right(self.starts, lo) - 1)
        last = max(0, bisect.bisect_right(self.starts, max(lo, hi - 1)) - 1)
        return min(self.starts[first], lo), max(self.ends[last], hi)


def _rel(span: Span | None, base: int) -> Row | None:
    if span is None:
        return None
    row: Row = {"start": span.start - base, "end": span.end - base, "text": span.text}
    if isinstance(span, TimeExpression):
        row["value"] = span.value
    return row


def _official(officials: dict[str, Official], official_id: str) -> Row:
    official = officials[official_id]
    return {"id": official.id, "name": official.name, "title": official.title}


def _ref(officials: dict[str, Official], official_id: str | None) -> Row | None:
    return None if official_id is None else _official(officials, official_id)


# ----------------------------------------------------------------------------------------- configs


def _document_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    row = d.doc.model_dump(mode="python")
    row["text"] = d.text
    # both corpus forms carry metadata (a model or a dict); the CorpusLike protocol does not declare it
    metadata: object = getattr(d.corpus, "metadata")  # noqa: B009
    row["metadata"] = (
        metadata.model_dump(mode="python") if isinstance(metadata, SeedMetadata) else dict(metadata)  # type: ignore[call-overload]
    )
    yield "full", tuple(row.get(name) for name in DOCUMENT_COLUMNS)


def _mention_context(sentence: tuple[int, int], mention: Span) -> tuple[int, int]:
    """The context of a mention: its sentence, or a window of the sentence around it when that is long."""
    start, end = min(sentence[0], mention.start), max(sentence[1], mention.end)
    if end - start > MENTION_CONTEXT_MAX:
        start = max(start, mention.start - MENTION_CONTEXT_RADIUS)
        end = min(end, mention.end + MENTION_CONTEXT_RADIUS)
    return start, end


def _mention_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    sentence_starts, sentence_ends = segment_offsets(d.corpus, "sentences")
    text, document_id = d.text, d.document_id
    for official in d.doc.officials:
        for j, mention in enumerate(official.mentions):
            if sentence_starts:
                i = max(0, bisect.bisect_right(sentence_starts, mention.start) - 1)
                sentence = (sentence_starts[i], sentence_ends[i])
            else:
                sentence = (mention.start, mention.end)
            start, end = _mention_context(sentence, mention)
            unit, split = d.place(mention.start)
            yield (
                split,
                (
                    f"{official.id}/{j}",
                    document_id,
                    unit,
                    text[start:end],
                    start,
                    official.id,
                    official.name,
                    official.title,
                    official.country,
                    mention.form,
                    mention.start - start,
                    mention.end - start,
                    mention.text,
                ),
            )


#: the IOB2 tags of the ``tokens`` config, by id (``ner_tags`` is a ``ClassLabel`` of these names)
TAGS = bio_tags()
_OPENING = {form: (TAGS.index(f"B-{form.upper()}"), TAGS.index(f"I-{form.upper()}")) for form in labels(MentionForm)}


@dataclass(frozen=True)
class SentenceTokens:
    """The tokens of one document by sentence, as flat lists: what the ``tokens`` rows are made of."""

    sentence_starts: Sequence[int]
    sentence_ends: Sequence[int]
    bounds: list[tuple[int, int]]  # each sentence's tokens: indices [lo, hi) into the lists below
    token_starts: Sequence[int]
    token_ends: Sequence[int]
    tags: list[int]  # every token's IOB2 tag, as an index into TAGS

    def texts(self, text: str, lo: int, hi: int) -> list[str]:
        """The texts of tokens ``lo`` to ``hi``."""
        return [text[s:e] for s, e in zip(self.token_starts[lo:hi], self.token_ends[lo:hi])]


def sentence_tokens(d: DocumentRows) -> SentenceTokens:
    """Every sentence's tokens, and every token's IOB2 tag of the official mentions it falls in."""
    token_starts, token_ends = segment_offsets(d.corpus, "tokens")  # tokens do not overlap: ends are sorted too
    sentence_starts, sentence_ends = segment_offsets(d.corpus, "sentences")
    bounds = [
        (bisect.bisect_left(token_starts, start), bisect.bisect_left(token_starts, end))
        for start, end in zip(sentence_starts, sentence_ends)
    ]
    sentence_of = [-1] * len(token_starts)
    for index, (lo, hi) in enumerate(bounds):
        sentence_of[lo:hi] = [index] * (hi - lo)
    # Tag by mention, not by sentence x mention: each mention finds its tokens by bisection. A mention's
    # first token in each sentence is B; later mentions (in start order) overwrite earlier tags.
    tags = [0] * len(token_starts)  # O
    for m_start, m_end, form in sorted((m.start, m.end, m.form) for o in d.doc.officials for m in o.mentions):
        first = bisect.bisect_right(token_ends, m_start)
        last = bisect.bisect_left(token_starts, m_end)
        opening, inside = _OPENING[form]
        for k in range(first, last):
            if sentence_of[k] < 0:
                continue
            opens = k == first or sentence_of[k - 1] != sentence_of[k]
            tags[k] = opening if opens else inside
    return SentenceTokens(sentence_starts, sentence_ends, bounds, token_starts, token_ends, tags)


def _token_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    """One row per sentence: tokens with IOB2 tags of the official mentions they fall in (the export builds
    the same columns from :func:`sentence_tokens` without making the rows)."""
    tokens = sentence_tokens(d)
    text, document_id = d.text, d.document_id
    for index, (lo, hi) in enumerate(tokens.bounds):
        base, end = tokens.sentence_starts[index], tokens.sentence_ends[index]
        unit, split = d.place(base)
        yield (
            split,
            (
                f"s{index}",
                document_id,
                unit,
                text[base:end],
                base,
                tokens.texts(text, lo, hi),
                [s - base for s in tokens.token_starts[lo:hi]],
                [e - base for e in tokens.token_ends[lo:hi]],
                [TAGS[t] for t in tokens.tags[lo:hi]],
            ),
        )


def _source_row(
    officials: dict[str, Official],
    sources: dict[str, Source],
    source: OfficialSource | SourceReference | UnresolvedSource,
) -> Row:
    """An attribution's source flattened: its type, then the fields of whichever member applies (others null)."""
    row: Row = {"type": source.type, "official": None, "source_id": None, "source_type": None, "reason": None}
    if isinstance(source, OfficialSource):
        row["official"] = _ref(officials, source.official_id)
    elif isinstance(source, SourceReference):
        row["source_id"] = source.source_id
        row["source_type"] = sources[source.source_id].type
    else:
        row["reason"] = source.reason
    return row


def _attribution_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    officials = d.officials
    sources = {s.id: s for s in d.doc.sources}
    for a in d.doc.attributions:
        spans = [*a.contents, *a.cues, *([a.source_span] if a.source_span is not None else [])]
        split, item, base = d.item(a.id, spans)
        yield (
            split,
            (
                *item,
                _source_row(officials, sources, a.source),
                _rel(a.source_span, base),
                [_rel(s, base) for s in a.contents],
                [_rel(s, base) for s in a.cues],
                a.kind,
                a.speech_act,
                _ref(officials, a.addressee_id),
                a.meeting_id,
            ),
        )


def _source_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    for source in d.doc.sources:
        split, item, base = d.item(source.id, source.mentions)
        yield split, (*item, source.type, source.country, [_rel(s, base) for s in source.mentions])


def _meeting_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    officials = d.officials
    for meeting in d.doc.meetings:
        spans = [*meeting.evidence, *(s for s in (meeting.location, meeting.time) if s is not None)]
        split, item, base = d.item(meeting.id, spans)
        yield (
            split,
            (
                *item,
                [{**_official(officials, p.official_id), "role": p.role} for p in meeting.participants],
                _rel(meeting.location, base),
                _rel(meeting.time, base),
                [_rel(s, base) for s in meeting.evidence],
                meeting.status,
                meeting.mode,
                consult_mode(meeting),
            ),
        )


def _act_values(layer: str, d: DocumentRows) -> Iterator[tuple[str, Values]]:
    """Rows of commitments or stances (``layer``): the same columns, and a commitment's condition."""
    officials = d.officials
    acts: Sequence[Commitment | Stance] = d.doc.commitments if layer == "commitments" else d.doc.stances
    for c in acts:
        condition = c.condition if isinstance(c, Commitment) else None
        spans = [c.evidence, c.content, *(s for s in (c.time, c.modality, condition) if s is not None)]
        split, item, base = d.item(c.id, spans)
        plover = PLOVER_KINDS[c.kind]
        yield (
            split,
            (
                *item,
                [{**_official(officials, a.official_id), "country": a.country} for a in c.actors],
                c.kind,
                _rel(c.content, base),
                _rel(c.evidence, base),
                _rel(c.time, base),
                _rel(c.modality, base),
                c.modality_type,
                *((_rel(condition, base),) if layer == "commitments" else ()),
                plover.event,
                plover.mode,
                list(plover.contexts),
                c.attribution_id,
                c.meeting_id,
            ),
        )


def _commitment_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    return _act_values("commitments", d)


def _stance_values(d: DocumentRows) -> Iterator[tuple[str, Values]]:
    return _act_values("stances", d)


def _f(mapping: dict[str, Feature]) -> datasets.Features:
    return datasets.Features(mapping)


CONFIGS: tuple[Config, ...] = (
    Config(
        "documents",
        "One row per annotated document: its text, its metadata (title, publisher, date, URL, licence as known; "
        "null when unknown) and every annotation layer, lossless. Spans are document offsets. Use it for "
        "benchmarking whole documents and to rebuild the validated gold exactly.",
        _f(
            {
                **features_for(AnnotatedDocument),
                "text": datasets.Value("string"),
                "metadata": features_for(SeedMetadata),
            }
        ),
        _document_values,
    ),
    Config(
        "mentions",
        "One row per mention of an official, with its sentence as context, the official's id, name, title and "
        "country, and the mention form.",
        _f(
            {
                **ITEM,
                "official_id": datasets.Value("string"),
                "official_name": datasets.Value("string"),
                "official_title": datasets.Value("string"),
                "official_country": datasets.Value("string"),
                "form": feature_for(MentionForm),
                **SPAN,
            }
        ),
        _mention_values,
    ),
    Config(
        "tokens",
        "One row per sentence: tokens with IOB2 tags of official mentions (by mention form), for token "
        "classification (CoNLL style).",
        _f(
            {
                **ITEM,
                "tokens": datasets.List(datasets.Value("string")),
                "starts": datasets.List(datasets.Value("int64")),
                "ends": datasets.List(datasets.Value("int64")),
                "ner_tags": datasets.List(datasets.ClassLabel(names=bio_tags())),
            }
        ),
        _token_values,
    ),
    Config(
        "sources",
        "One row per non-official source of attributions (institution, statement, document, group, other): "
        "its type, the country when the text makes it explicit, and every mention span.",
        _f(
            {
                **ITEM,
                "type": feature_for(SourceType),
                "country": datasets.Value("string"),
                "mentions": datasets.List(SPAN),
            }
        ),
        _source_values,
    ),
    Config(
        "attributions",
        "One row per attribution (reported speech act, PARC 3.0): context passage, source (an official's id, name "
        "and title; a non-official source's id and type; or the reason it is unresolved), the source span, content "
        "and cue spans, kind (direct, indirect, mixed), Searle speech act, addressee and meeting.",
        _f(
            {
                **ITEM,
                "source": {
                    "type": datasets.ClassLabel(names=SOURCE_TYPES),
                    "official": OFFICIAL_REF,
                    "source_id": datasets.Value("string"),
                    "source_type": feature_for(SourceType),
                    "reason": feature_for(UnresolvedReason),
                },
                "source_span": SPAN,
                "contents": datasets.List(SPAN),
                "cues": datasets.List(SPAN),
                "kind": feature_for(AttributionKind),
                "speech_act": feature_for(SpeechAct),
                "addressee": OFFICIAL_REF,
                "meeting_id": datasets.Value("string"),
            }
        ),
        _attribution_values,
    ),
    Config(
        "meetings",
        "One row per meeting: participants (id, name, title, visitor/host role), location and time as "
        "written, evidence spans, stated or implied, the medium (in person, telephone, video, unspecified) and "
        "the PLOVER CONSULT mode decidable from medium and roles (visit, phone; null otherwise).",
        _f(
            {
                **ITEM,
                "participants": datasets.List({**OFFICIAL_REF, "role": feature_for(ParticipantRole)}),
                "location": SPAN,
                "time": TIME,
                "evidence": datasets.List(SPAN),
                "status": feature_for(MeetingStatus),
                "mode": feature_for(MeetingMode),
                "plover_mode": datasets.Value("string"),
            }
        ),
        _meeting_values,
    ),
    Config(
        "commitments",
        f"One row per commitment (an act that binds the actor's side: {', '.join(labels(CommitmentKind))}): actors "
        "(id, name, title and the country each speaks for), kind, content, evidence, time and modality spans, modality "
        "type (deontic, epistemic), the condition span (null when none is stated), the PLOVER event type, mode and "
        "contexts of the kind, and the attribution and meeting it belongs to.",
        _f(
            {
                **ITEM,
                "actors": datasets.List({**OFFICIAL_REF, "country": datasets.Value("string")}),
                "kind": feature_for(CommitmentKind),
                "content": SPAN,
                "evidence": SPAN,
                "time": TIME,
                "modality": SPAN,
                "modality_type": feature_for(ModalityType),
                "condition": SPAN,
                "plover_event": datasets.Value("string"),
                "plover_mode": datasets.Value("string"),
                "plover_contexts": datasets.List(datasets.Value("string")),
                "attribution_id": datasets.Value("string"),
                "meeting_id": datasets.Value("string"),
            }
        ),
        _commitment_values,
    ),
    Config(
        "stances",
        f"One row per stance (a position that does not bind the actor's side: {', '.join(labels(StanceKind))}): "
        "actors (id, name, title and the country each speaks for), "
        "kind, content, evidence, time and modality spans, modality type, the PLOVER event type, mode and contexts "
        "of the kind (null where PLOVER does not code it), and the attribution and meeting it belongs to.",
        _f(
            {
                **ITEM,
                "actors": datasets.List({**OFFICIAL_REF, "country": datasets.Value("string")}),
                "kind": feature_for(StanceKind),
                "content": SPAN,
                "evidence": SPAN,
                "time": TIME,
                "modality": SPAN,
                "modality_type": feature_for(ModalityType),
                "plover_event": datasets.Value("string"),
                "plover_mode": datasets.Value("string"),
                "plover_contexts": datasets.List(datasets.Value("string")),
                "attribution_id": datasets.Value("string"),
                "meeting_id": datasets.Value("string"),
            }
        ),
        _stance_values,
    ),
)

CONFIG = {c.name: c for c in CONFIGS}
DOCUMENT_COLUMNS = CONFIG["documents"].columns


def document_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    """The ``documents`` row of one document (see :data:`CONFIGS` for every config's rows)."""
    return CONFIG["documents"].rows(doc, corpus, splitter)


def mention_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    """The ``mentions`` rows of one document."""
    return CONFIG["mentions"].rows(doc, corpus, splitter)


def token_rows(doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS) -> Iterator[tuple[str, Row]]:
    """The ``tokens`` rows of one document: one per sentence, with the IOB2 tags of the mentions."""
    return CONFIG["tokens"].rows(doc, corpus, splitter)


#: split names per config, in card order
SPLITS_OF: dict[str, tuple[str, ...]] = {
    c.name: ("full",) if c.name == "documents" else ("train", "validation", "test") for c in CONFIGS
}


def _source_fields() -> dict[str, set[str]]:
    """Each attribution source member's fields, by its ``type`` tag (the union is one merged struct in Arrow)."""
    union = get_args(AttributionSource)[0]
    return {labels(m.model_fields["type"].annotation)[0]: set(m.model_fields) for m in get_args(union)}


def rebuild_document(row: Row, features: datasets.Features) -> AnnotatedDocument:
    """The validated model back from a ``documents`` row (ClassLabel ints or names both accepted)."""
    from communique.export.features import decode_labels

    data = {k: decode_labels(row[k], features[k]) for k in AnnotatedDocument.model_fields}
    members = _source_fields()
    attributions = data["attributions"]
    for attribution in attributions if isinstance(attributions, list) else []:
        source = attribution["source"]
        attribution["source"] = {k: v for k, v in source.items() if k in members[source["type"]]}
    # absent optional selector fields (occurrence, prefix, ...) come back as null, which the models accept
    return AnnotatedDocument.model_validate(data)
