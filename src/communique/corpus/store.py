"""The corpus store: corpus documents looked up by id, read fast and kept few at a time.

Later stages read corpus documents only through here. :class:`CorpusLike` is what every corpus form offers
(the validated :class:`~communique.schema.models.CorpusDocument` and the fast :class:`CorpusView`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import add, itemgetter
from pathlib import Path
from typing import Literal, NamedTuple, Protocol, TypeAlias

from communique.corpus.build import (
    CorpusFileData,
    CorpusUnreadable,
    SpanObject,
    StoredSpans,
    corpus_document_of,
    read_corpus_file,
)
from communique.schema.models import ID_PATTERN, CorpusDocument, pairs_of


class SpanLike(Protocol):
    """A stretch of the text: half-open code-point offsets and the text they cover."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


class SectionLike(Protocol):
    """A section of a corpus document: its heading (none for the lead), extent and paragraph indices."""

    @property
    def index(self) -> int: ...
    @property
    def heading(self) -> SpanLike | None: ...
    @property
    def span(self) -> SpanLike: ...
    @property
    def paragraphs(self) -> Sequence[int]: ...


class CorpusLike(Protocol):
    """What the later stages read of a corpus document, whichever form it was loaded in."""

    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def paragraphs(self) -> Sequence[SpanLike]: ...
    @property
    def headings(self) -> Sequence[SpanLike]: ...
    @property
    def sections(self) -> Sequence[SectionLike]: ...
    @property
    def sentences(self) -> Sequence[SpanLike]: ...
    @property
    def tokens(self) -> Sequence[SpanLike]: ...


class SpanView(NamedTuple):
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class SectionView:
    index: int
    heading: SpanView | None
    span: SpanView
    paragraphs: list[int]


#: the segmentations of a corpus document, stored as offsets
Segment: TypeAlias = Literal["paragraphs", "headings", "sentences", "tokens"]
SEGMENTS: tuple[Segment, ...] = ("paragraphs", "headings", "sentences", "tokens")


class CorpusView:
    """A read-only view of a committed corpus document with the attribute names of
    :class:`CorpusDocument`, read without validating it as a model (for exports and benchmarks of large
    corpora): the store's one structural check has found the offsets sound, and ``communique corpus build
    --check`` verifies the files against their seeds.

    The offsets of every segmentation are checked when the view is made (``ValueError`` if one does not fit
    the text), but the span objects (``tokens``, ``sentences``, ...) are made only when first read: a stage
    that reads no tokens (bench) makes none, and one that needs only their offsets reads :meth:`offsets`.
    """

    __slots__ = ("_offsets", "_spans", "_stored", "id", "metadata", "sections", "sha256", "text")

    def __init__(
        self,
        id: str,
        text: str,
        sha256: str,
        offsets: dict[str, tuple[list[int], list[int]]],
        sections: list[SectionView],
        metadata: dict[str, str | None],
        stored: dict[str, list[SpanView]] | None = None,
    ):
        self.id, self.text, self.sha256 = id, text, sha256
        self.sections, self.metadata = sections, metadata
        self._offsets = offsets  # segmentation -> (starts, ends)
        self._stored = stored or {}  # spans of the older stored form, which carry their text
        self._spans: dict[str, list[SpanView]] = {}

    def offsets(self, name: str) -> tuple[list[int], list[int]]:
        """The starts and the ends of one segmentation (``paragraphs``, ``headings``, ``sentences``, ``tokens``)."""
        return self._offsets[name]

    def _spans_of(self, name: str) -> list[SpanView]:
        found = self._spans.get(name)
        if found is None:
            if name in self._stored:
                found = self._stored[name]
            else:
                text = self.text
                found = [SpanView(s, e, text[s:e]) for s, e in zip(*self._offsets[name])]
            self._spans[name] = found
        return found

    @property
    def paragraphs(self) -> list[SpanView]:
        return self._spans_of("paragraphs")

    @property
    def headings(self) -> list[SpanView]:
        return self._spans_of("headings")

    @property
    def sentences(self) -> list[SpanView]:
        return self._spans_of("sentences")

    @property
    def tokens(self) -> list[SpanView]:
        return self._spans_of("tokens")


def _checked_offsets(stored: object, size: int) -> tuple[list[int], list[int]]:
    """The starts and ends of stored offset arrays, checked as :func:`pairs_of` checks them (whole integers,
    non-empty spans inside a text of ``size`` code points; ``ValueError`` otherwise) without a loop in Python."""
    if not isinstance(stored, dict) or set(stored) != {"starts", "lengths"}:
        raise ValueError("offsets must be an object with `starts` and `lengths`")
    starts, lengths = stored["starts"], stored["lengths"]
    if not (isinstance(starts, list) and isinstance(lengths, list)) or len(starts) != len(lengths):
        raise ValueError("`starts` and `lengths` must be lists of the same length")
    if not starts:
        return [], []
    if not set(map(type, starts)) | set(map(type, lengths)) <= {int} or min(starts) < 0 or min(lengths) < 1:
        pairs_of(stored, size)  # raises, naming the first offset that does not fit
    ends = list(map(add, starts, lengths))
    if max(ends) > size:
        pairs_of(stored, size)
    return starts, ends


def _span_views(text: str, stored: StoredSpans) -> tuple[tuple[list[int], list[int]], list[SpanView] | None]:
    """Offsets of either stored form, and the spans of the older one (span objects, which carry their text)."""
    if isinstance(stored, list):
        make, fields = SpanView._make, itemgetter("start", "end", "text")
        spans = [make(fields(d)) for d in stored]
        return ([s.start for s in spans], [s.end for s in spans]), spans
    return _checked_offsets(stored, len(text)), None


def _span_view(text: str, stored: list[int] | SpanObject) -> SpanView:
    if isinstance(stored, list):
        start, end = stored
        return SpanView(start, end, text[start:end])
    return SpanView(**stored)


def corpus_view(data: CorpusFileData) -> CorpusView:
    """The view of a parsed corpus document file (either stored form) that has passed
    :func:`~communique.schema.models.corpus_file_problems` (the store reads every file through it)."""
    text = data["text"]
    sections = [
        SectionView(
            s["index"],
            _span_view(text, s["heading"]) if s["heading"] else None,
            _span_view(text, s["span"]),
            s["paragraphs"],
        )
        for s in data["sections"]
    ]
    offsets: dict[str, tuple[list[int], list[int]]] = {}
    stored: dict[str, list[SpanView]] = {}
    for name in SEGMENTS:
        offsets[name], spans = _span_views(text, data[name])
        if spans is not None:
            stored[name] = spans
    return CorpusView(data["id"], text, data["sha256"], offsets, sections, data["metadata"], stored)


@dataclass(frozen=True)
class CorpusText:
    """What validation needs of a corpus document: its text, hash and paragraph ends."""

    id: str
    text: str
    sha256: str
    paragraph_ends: frozenset[int]


__all__ = [
    "CorpusLike",
    "CorpusStore",
    "CorpusText",
    "CorpusUnreadable",
    "CorpusView",
    "SectionLike",
    "SectionView",
    "SpanLike",
    "SpanView",
    "corpus_view",
]


class CorpusStore:
    """Looks up corpus documents by id, keeping only a few in memory."""

    def __init__(self, corpus_dir: Path):
        self.corpus_dir = Path(corpus_dir)
        self.get = lru_cache(maxsize=8)(self._load)
        self.view = lru_cache(maxsize=8)(self._load_view)
        self.text = lru_cache(maxsize=8)(self._load_text)
        self._raw = lru_cache(maxsize=8)(self._load_raw)  # one JSON parse serves text(), view() and digest()

    def _path(self, document_id: str) -> Path | None:
        path = self.corpus_dir / f"{document_id}.json"
        return path if re.fullmatch(ID_PATTERN, document_id) and path.is_file() else None

    def _load(self, document_id: str) -> CorpusDocument | None:
        """The full, validated corpus document (for exports)."""
        loaded = self._raw(document_id)
        return corpus_document_of(loaded[0], self.corpus_dir / f"{document_id}.json") if loaded else None

    def digest(self, document_id: str) -> str | None:
        """sha256 of the corpus document file's bytes as read (``None`` if there is none): what a validation
        record pins."""
        loaded = self._raw(document_id)
        return loaded[1] if loaded is not None else None

    def _load_raw(self, document_id: str) -> tuple[CorpusFileData, str] | None:
        """The parsed file and the sha256 of its bytes, after the one structural check (every reader of the
        store comes through here, so a corrupt document is a :class:`CorpusUnreadable`, never a crash later)."""
        path = self._path(document_id)
        if path is None:
            return None
        return read_corpus_file(path, document_id)

    def _load_view(self, document_id: str) -> CorpusView | None:
        """A fast read-only view with the same attributes (for exports of large corpora)."""
        loaded = self._raw(document_id)
        if loaded is None:
            return None
        try:
            return corpus_view(loaded[0])
        except (ValueError, TypeError, KeyError) as exc:  # not after the check; kept as a second line
            raise CorpusUnreadable(self.corpus_dir / f"{document_id}.json", str(exc)) from None

    def _load_text(self, document_id: str) -> CorpusText | None:
        # the structural check has run (in _raw): the text and the paragraph ends without building any model
        loaded = self._raw(document_id)
        if loaded is None:
            return None
        data = loaded[0]
        paragraphs = data["paragraphs"]
        if isinstance(paragraphs, list):  # the older form: span objects
            ends = frozenset(p["end"] for p in paragraphs)
        else:  # the compact form: offset arrays
            ends = frozenset(map(add, paragraphs["starts"], paragraphs["lengths"]))
        return CorpusText(data["id"], data["text"], data["sha256"], ends)

    def ids(self) -> list[str]:
        return sorted(p.stem for p in self.corpus_dir.glob("*.json"))
