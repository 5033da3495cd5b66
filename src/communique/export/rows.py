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
from typing import Any, get_args

import datasets

from communique.corpus.splits import Splitter
from communique.corpus.store import CorpusLike, SpanLike
from communique.export.features import bio_tags, feature_for, features_for
from communique.review.stats import ATTRIBUTION_SOURCES
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

Row = dict[str, Any]
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


@dataclass(frozen=True)
class Config:
    name: str
    description: str
    features: datasets.Features
    rows: Callable[[AnnotatedDocument, CorpusLike, Splitter], Iterator[tuple[str, Row]]]  # (split, row)


# ----------------------------------------------------------------------------------------- helpers


class _Passages:
    """Finds the passage (whole paragraphs, or a sentence) around a set of spans."""

    def __init__(self, corpus: CorpusLike):
        self.text = corpus.text
        self.paragraphs = corpus.paragraphs
        self.starts = [p.start for p in corpus.paragraphs]

    def around(self, spans: Sequence[Span]) -> tuple[int, int]:
        lo = min(s.start for s in spans)
        hi = max(s.end for s in spans)
        first = self.paragraphs[max(0, bisect.bisect_right(self.starts, lo) - 1)]
        last = self.paragraphs[max(0, bisect.bisect_right(self.starts, max(lo, hi - 1)) - 1)]
        return min(first.start, lo), max(last.end, hi)


def _rel(span: Span | None, base: int) -> Row | None:
    if span is None:
        return None
    row: Row = {"start": span.start - base, "end": span.end - base, "text": span.text}
    if isinstance(span, TimeExpression):
        row["value"] = span.value
    return row


def _item(
    doc: AnnotatedDocument,
    corpus: CorpusLike,
    item_id: str,
    spans: Sequence[Span],
    passages: _Passages,
    splitter: Splitter,
) -> tuple[str, Row, int]:
    start, end = passages.around(spans)
    unit = splitter.unit_at(corpus, min(s.start for s in spans))
    row = {
        "id": item_id,
        "document_id": doc.document_id,
        "unit": unit,
        "context": corpus.text[start:end],
        "context_start": start,
    }
    return splitter.split_of(unit), row, start


def _official(officials: dict[str, Official], official_id: str) -> Row:
    official = officials[official_id]
    return {"id": official.id, "name": official.name, "title": official.title}


def _ref(officials: dict[str, Official], official_id: str | None) -> Row | None:
    return None if official_id is None else _official(officials, official_id)


# ----------------------------------------------------------------------------------------- configs


def document_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    row = doc.model_dump(mode="python")
    row["text"] = corpus.text
    # both corpus forms carry metadata (a model or a dict); the CorpusLike protocol does not declare it
    metadata: object = getattr(corpus, "metadata")  # noqa: B009
    row["metadata"] = (
        metadata.model_dump(mode="python") if isinstance(metadata, SeedMetadata) else dict(metadata)  # type: ignore[call-overload]
    )
    yield "full", row


def _mention_context(sentence: SpanLike, mention: Span) -> tuple[int, int]:
    """The context of a mention: its sentence, or a window of the sentence around it when that is long."""
    start, end = min(sentence.start, mention.start), max(sentence.end, mention.end)
    if end - start > MENTION_CONTEXT_MAX:
        start = max(start, mention.start - MENTION_CONTEXT_RADIUS)
        end = min(end, mention.end + MENTION_CONTEXT_RADIUS)
    return start, end


def mention_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    sentence_starts = [s.start for s in corpus.sentences]
    for official in doc.officials:
        for j, mention in enumerate(official.mentions):
            i = max(0, bisect.bisect_right(sentence_starts, mention.start) - 1)
            sentence = corpus.sentences[i] if corpus.sentences else mention
            start, end = _mention_context(sentence, mention)
            unit = splitter.unit_at(corpus, mention.start)
            yield (
                splitter.split_of(unit),
                {
                    "id": f"{official.id}/{j}",
                    "document_id": doc.document_id,
                    "unit": unit,
                    "context": corpus.text[start:end],
                    "context_start": start,
                    "official_id": official.id,
                    "official_name": official.name,
                    "official_title": official.title,
                    "official_country": official.country,
                    "form": mention.form,
                    "start": mention.start - start,
                    "end": mention.end - start,
                    "text": mention.text,
                },
            )


def token_rows(doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS) -> Iterator[tuple[str, Row]]:
    """One row per sentence: tokens with IOB2 tags of the official mentions they fall in."""
    tokens_all = corpus.tokens
    token_starts = [t.start for t in tokens_all]
    token_ends = [t.end for t in tokens_all]  # tokens do not overlap: ends are sorted too
    bounds = [
        (bisect.bisect_left(token_starts, s.start), bisect.bisect_left(token_starts, s.end)) for s in corpus.sentences
    ]
    sentence_of = [-1] * len(tokens_all)
    for index, (lo, hi) in enumerate(bounds):
        sentence_of[lo:hi] = [index] * (hi - lo)
    # Tag by mention, not by sentence x mention: each mention finds its tokens by bisection. A mention's
    # first token in each sentence is B; later mentions (in start order) overwrite earlier tags.
    tags_all = ["O"] * len(tokens_all)
    for m_start, m_end, form in sorted((m.start, m.end, m.form) for o in doc.officials for m in o.mentions):
        first = bisect.bisect_right(token_ends, m_start)
        last = bisect.bisect_left(token_starts, m_end)
        for k in range(first, last):
            if sentence_of[k] < 0:
                continue
            opens = k == first or sentence_of[k - 1] != sentence_of[k]
            tags_all[k] = f"{'B' if opens else 'I'}-{form.upper()}"
    for index, sentence in enumerate(corpus.sentences):
        lo, hi = bounds[index]
        tokens = tokens_all[lo:hi]
        tags = tags_all[lo:hi]
        unit = splitter.unit_at(corpus, sentence.start)
        yield (
            splitter.split_of(unit),
            {
                "id": f"s{index}",
                "document_id": doc.document_id,
                "unit": unit,
                "context": sentence.text,
                "context_start": sentence.start,
                "tokens": [t.text for t in tokens],
                "starts": [t.start - sentence.start for t in tokens],
                "ends": [t.end - sentence.start for t in tokens],
                "ner_tags": tags,
            },
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


def attribution_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    officials = {o.id: o for o in doc.officials}
    sources = {s.id: s for s in doc.sources}
    passages = _Passages(corpus)
    for a in doc.attributions:
        spans = [*a.contents, *a.cues, *([a.source_span] if a.source_span is not None else [])]
        split, row, base = _item(doc, corpus, a.id, spans, passages, splitter)
        row.update(
            source=_source_row(officials, sources, a.source),
            source_span=_rel(a.source_span, base),
            contents=[_rel(s, base) for s in a.contents],
            cues=[_rel(s, base) for s in a.cues],
            kind=a.kind,
            speech_act=a.speech_act,
            addressee=_ref(officials, a.addressee_id),
            meeting_id=a.meeting_id,
        )
        yield split, row


def source_rows(doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS) -> Iterator[tuple[str, Row]]:
    passages = _Passages(corpus)
    for source in doc.sources:
        split, row, base = _item(doc, corpus, source.id, source.mentions, passages, splitter)
        row.update(
            type=source.type,
            country=source.country,
            mentions=[_rel(s, base) for s in source.mentions],
        )
        yield split, row


def meeting_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    officials = {o.id: o for o in doc.officials}
    passages = _Passages(corpus)
    for meeting in doc.meetings:
        spans = [*meeting.evidence, *(s for s in (meeting.location, meeting.time) if s is not None)]
        split, row, base = _item(doc, corpus, meeting.id, spans, passages, splitter)
        row.update(
            participants=[{**_official(officials, p.official_id), "role": p.role} for p in meeting.participants],
            location=_rel(meeting.location, base),
            time=_rel(meeting.time, base),
            evidence=[_rel(s, base) for s in meeting.evidence],
            status=meeting.status,
            mode=meeting.mode,
            plover_mode=consult_mode(meeting),
        )
        yield split, row


def _act_rows(layer: str, doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter) -> Iterator[tuple[str, Row]]:
    """Rows of commitments or stances (``layer``): the same fields, and a commitment's condition."""
    officials = {o.id: o for o in doc.officials}
    passages = _Passages(corpus)
    acts: Sequence[Commitment | Stance] = doc.commitments if layer == "commitments" else doc.stances
    for c in acts:
        condition = c.condition if isinstance(c, Commitment) else None
        spans = [c.evidence, c.content, *(s for s in (c.time, c.modality, condition) if s is not None)]
        split, row, base = _item(doc, corpus, c.id, spans, passages, splitter)
        plover = PLOVER_KINDS[c.kind]
        row.update(
            actors=[{**_official(officials, a.official_id), "country": a.country} for a in c.actors],
            kind=c.kind,
            content=_rel(c.content, base),
            evidence=_rel(c.evidence, base),
            time=_rel(c.time, base),
            modality=_rel(c.modality, base),
            modality_type=c.modality_type,
            **({"condition": _rel(condition, base)} if layer == "commitments" else {}),
            plover_event=plover.event,
            plover_mode=plover.mode,
            plover_contexts=list(plover.contexts),
            attribution_id=c.attribution_id,
            meeting_id=c.meeting_id,
        )
        yield split, row


def commitment_rows(
    doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS
) -> Iterator[tuple[str, Row]]:
    return _act_rows("commitments", doc, corpus, splitter)


def stance_rows(doc: AnnotatedDocument, corpus: CorpusLike, splitter: Splitter = SECTIONS) -> Iterator[tuple[str, Row]]:
    return _act_rows("stances", doc, corpus, splitter)


def _f(mapping: dict[str, Any]) -> datasets.Features:
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
        document_rows,
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
        mention_rows,
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
        token_rows,
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
        source_rows,
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
        attribution_rows,
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
        meeting_rows,
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
        commitment_rows,
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
        stance_rows,
    ),
)

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
    for attribution in data["attributions"]:
        source = attribution["source"]
        attribution["source"] = {k: v for k, v in source.items() if k in members[source["type"]]}
    # absent optional selector fields (occurrence, prefix, ...) come back as null, which the models accept
    return AnnotatedDocument.model_validate(data)
