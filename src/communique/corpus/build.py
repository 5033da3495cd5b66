"""Seeds -> corpus documents.

A seed is ``seeds/<id>.txt`` (the text as received) plus ``seeds/<id>.meta.yaml`` (a :class:`SeedMetadata`).
``build_corpus`` turns each seed into ``corpus/<id>.json``, one document at a time, so memory does not grow
with the corpus. The output is a pure function of the seed: re-running it is byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias, TypedDict

from pydantic import ValidationError

from communique.corpus.segment import segment
from communique.io.parallel import SERIAL, Workers, ordered_map, shared
from communique.io.parse import ParseFailure, decode_utf8, parse_yaml
from communique.io.read import MAX_SMALL_BYTES, MAX_TEXT_BYTES, InputRefused, read_input
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject
from communique.schema.models import (
    SEGMENTATION,
    CorpusDocument,
    Section,
    SeedMetadata,
    Span,
    corpus_file_problems,
    stored_form,
)

SEED_SUFFIX = ".txt"
META_SUFFIX = ".meta.yaml"
_SLICE = 1 << 20  # code points of a long text encoded or written at a time
_NUMBERS = 1 << 16  # numbers of an offset array written at a time (each is a string object until joined)


def sha256_text(text: str) -> str:
    """sha256 of the UTF-8 encoding of ``text`` (the hash every annotation file pins), encoded a slice at a
    time so that a long text is not copied whole."""
    digest = hashlib.sha256()
    for at in range(0, len(text), _SLICE):
        digest.update(text[at : at + _SLICE].encode("utf-8"))
    return digest.hexdigest()


def normalise(raw: bytes) -> tuple[str, list[str]]:
    """Decode a seed and apply the only normalisations allowed: drop a BOM, CRLF/CR -> LF, NFC.

    Returns the text and the list of normalisations that changed something.
    """
    applied: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        applied.append("bom")
        raw = raw[3:]
    text = raw.decode("utf-8")
    if "\r" in text:
        applied.append("crlf")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        applied.append("nfc")
    return nfc, applied


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


def make_document(raw: bytes, metadata: SeedMetadata) -> CorpusDocument:
    """Build the corpus document for one seed."""
    text, applied = normalise(raw)
    seg = segment(text)
    paragraphs = [_span(text, s, e) for s, e in seg.paragraphs]
    sections = []
    for index, (heading, members) in enumerate(seg.sections):
        start, end = seg.paragraphs[members[0]][0], seg.paragraphs[members[-1]][1]
        sections.append(
            Section(
                index=index,
                heading=paragraphs[heading] if heading is not None else None,
                span=_span(text, start, end),
                paragraphs=members,
            )
        )
    return CorpusDocument(
        id=metadata.id,
        text=text,
        sha256=sha256_text(text),
        normalisations=applied,  # type: ignore[arg-type]
        metadata=metadata,
        paragraphs=paragraphs,
        headings=[paragraphs[i] for i in seg.headings],
        sections=sections,
        sentences=[_span(text, s, e) for s, e in seg.sentences],
        tokens=[_span(text, s, e) for s, e in seg.tokens],
    )


def serialise(document: CorpusDocument) -> str:
    """The committed JSON form (:class:`~communique.schema.models.CorpusFile`): the text once, spans as offset
    arrays; one key per line, stable key order, real UTF-8 characters, trailing newline."""
    return "".join(render(stored_form(document)))


def stored_document(text: str, applied: list[str], metadata: SeedMetadata) -> JsonObject:
    """The stored form of the corpus document of a normalised seed text (:func:`normalise`), as
    :func:`~communique.schema.models.stored_form` gives it for :func:`make_document`, but with the offsets
    in compact arrays and no span objects: a long text costs a few times its size, not a hundred."""
    seg = segment(text)
    starts = [s for s, _ in seg.paragraphs]
    lengths = [e - s for s, e in seg.paragraphs]
    return {
        "id": metadata.id,
        "text": text,
        "sha256": sha256_text(text),
        "normalisations": list(applied),
        "metadata": metadata.model_dump(mode="json"),
        "paragraphs": {"starts": starts, "lengths": lengths},
        "headings": {"starts": [starts[i] for i in seg.headings], "lengths": [lengths[i] for i in seg.headings]},
        "sections": [
            {
                "index": index,
                "heading": None if heading is None else list(seg.paragraphs[heading]),
                "span": [seg.paragraphs[members[0]][0], seg.paragraphs[members[-1]][1]],
                "paragraphs": members,
            }
            for index, (heading, members) in enumerate(seg.sections)
        ],
        "sentences": {"starts": seg.sentences.starts, "lengths": seg.sentences.lengths},
        "tokens": {"starts": seg.tokens.starts, "lengths": seg.tokens.lengths},
    }


def render(stored: Mapping[str, object]) -> Iterator[str]:
    """The committed JSON text of a stored corpus document (:func:`serialise`), in pieces: the text and the
    offset arrays are written a slice at a time, so that no piece is long."""
    yield "{"
    for number, (key, value) in enumerate(stored.items()):
        yield f"{',' if number else ''}\n {json.dumps(key)}: "
        if key == "text" and isinstance(value, str):
            yield '"'
            for at in range(0, len(value), _SLICE):  # JSON escapes character by character: slices join
                yield json.dumps(value[at : at + _SLICE], ensure_ascii=False)[1:-1]
            yield '"'
        elif key in SEGMENTATION and isinstance(value, dict):
            yield '{"starts":'
            yield from _numbers(value["starts"])
            yield ',"lengths":'
            yield from _numbers(value["lengths"])
            yield "}"
        else:
            yield json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    yield "\n}\n"


def _numbers(values: Sequence[int]) -> Iterator[str]:
    """A JSON array of integers, as ``json.dumps`` writes it with ``separators=(",", ":")``, in slices."""
    yield "["
    for at in range(0, len(values), _NUMBERS):
        yield ("," if at else "") + ",".join(map(str, values[at : at + _NUMBERS]))
    yield "]"


def document_json(raw: bytes, metadata: SeedMetadata) -> str:
    """``serialise(make_document(raw, metadata))``, through the compact stored form (for tests and tools that
    want the text whole)."""
    text, applied = normalise(raw)
    return "".join(render(stored_document(text, applied, metadata)))


def same_content(path: Path, pieces: Iterable[str]) -> bool:
    """Whether the file at ``path`` holds exactly the UTF-8 encoding of ``pieces``, read a piece at a time."""
    try:
        with path.open("rb") as handle:
            for piece in pieces:
                expected = piece.encode("utf-8")
                if handle.read(len(expected)) != expected:
                    return False
            return handle.read(1) == b""
    except OSError:
        return False


@dataclass(frozen=True)
class Seed:
    id: str
    text_path: Path
    meta_path: Path


def find_seeds(seed_dir: Path) -> list[Seed]:
    """Every ``<id>.txt`` in ``seed_dir``, sorted by id."""
    return [
        Seed(p.name[: -len(SEED_SUFFIX)], p, p.with_name(p.name[: -len(SEED_SUFFIX)] + META_SUFFIX))
        for p in sorted(seed_dir.glob(f"*{SEED_SUFFIX}"))
    ]


def read_seed(seed: Seed) -> tuple[bytes, SeedMetadata]:
    """Read a seed and its metadata; raise :class:`CommuniqueError` with located issues if they are bad."""
    where = str(seed.meta_path)
    try:
        meta_raw = parse_yaml(decode_utf8(read_input(seed.meta_path, MAX_SMALL_BYTES)))
        metadata = SeedMetadata.model_validate(meta_raw)
    except InputRefused as refused:
        if refused.issue.code != "file-not-found":
            raise
        raise CommuniqueError([issue("seed-metadata", f"no metadata file for seed {seed.id!r}", file=where)]) from None
    except ParseFailure as failure:
        raise CommuniqueError(
            [failure.issue.located(str(seed.meta_path), failure.issue.line, failure.issue.column)]
        ) from None
    except ValidationError as exc:
        raise CommuniqueError(
            [issue("seed-metadata", f"{'.'.join(map(str, e['loc']))}: {e['msg']}", file=where) for e in exc.errors()]
        ) from None
    raw = read_input(seed.text_path, MAX_TEXT_BYTES)
    problems: list[Issue] = []
    if metadata.id != seed.id:
        problems.append(issue("seed-metadata", f"id {metadata.id!r} does not match file name {seed.id!r}", file=where))
    if hashlib.sha256(raw).hexdigest() != metadata.source_sha256:
        problems.append(
            issue(
                "seed-changed",
                f"{seed.text_path} does not match source_sha256 in its metadata",
                hint="seeds are byte-exact copies; restore the file or record the new hash deliberately",
                file=str(seed.text_path),
            )
        )
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(issue("encoding-error", f"not UTF-8 at byte {exc.start}", file=str(seed.text_path)))
    if problems:
        raise CommuniqueError(problems)
    return raw, metadata


def _build_one(settings: tuple[Path, bool], seed: Seed) -> tuple[str, bool]:
    corpus_dir, check = settings
    raw, metadata = read_seed(seed)
    text, applied = normalise(raw)
    del raw  # a long text is held once
    stored = stored_document(text, applied, metadata)
    target = corpus_dir / f"{seed.id}.json"
    changed = not same_content(target, render(stored))
    if changed and not check:
        write_atomic(target, render(stored))
    return seed.id, changed


def build_corpus(
    seed_dir: Path, corpus_dir: Path, *, check: bool = False, workers: Workers = SERIAL
) -> Iterator[tuple[str, bool]]:
    """Build (or with ``check``, only compare) every corpus document; yields ``(id, changed)`` per seed,
    in id order, one document at a time (``workers`` build them).

    Writes are atomic; a seed with problems raises :class:`CommuniqueError` before anything is written
    for it.
    """
    settings = (Path(corpus_dir), check)
    yield from ordered_map(_build_one, find_seeds(seed_dir), setup=shared(settings), workers=workers, batch=16)


class CorpusUnreadable(CommuniqueError):
    """A corpus document file is broken (it is generated: rebuild it). ``where`` is the JSON path of the
    problem inside the file (``$`` when it cannot be read at all)."""

    def __init__(self, path: Path, reason: str, where: str = "$"):
        self.path, self.reason, self.where = Path(path), reason, where
        super().__init__(
            [
                issue(
                    "corpus-invalid",
                    f"corpus document {path} is not valid: {reason}",
                    file=str(path),
                    path=where,
                    hint="run `communique corpus build`",
                )
            ]
        )

    def __reduce__(self) -> tuple[type, tuple[Path, str, str]]:  # type: ignore[override]  # keep the type (--jobs)
        return (CorpusUnreadable, (self.path, self.reason, self.where))

    def as_issue(self) -> Issue:
        """The problem as met by an annotation file that points at this document (at its ``document_id``)."""
        return issue(
            "corpus-invalid",
            f"corpus document {self.path} cannot be read: {self.where}: {self.reason}",
            path="$.document_id",
            hint="run `communique corpus build`",
        )


class OffsetArrays(TypedDict):
    """Spans stored compactly: the i-th is ``[starts[i], starts[i] + lengths[i])``."""

    starts: list[int]
    lengths: list[int]


class SpanObject(TypedDict):
    """A span stored whole (older corpus files)."""

    start: int
    end: int
    text: str


#: the spans of one segmentation, in either stored form
StoredSpans: TypeAlias = "OffsetArrays | list[SpanObject]"


class StoredSection(TypedDict):
    index: int
    heading: list[int] | SpanObject | None  # [start, end], or a span object in older files
    span: list[int] | SpanObject
    paragraphs: list[int]


class CorpusFileData(TypedDict):
    """A corpus document file as parsed, once :func:`~communique.schema.models.corpus_file_problems` found
    nothing wrong with it: these keys, each of this shape (in either stored form of the spans)."""

    id: str
    text: str
    sha256: str
    normalisations: list[str]
    metadata: dict[str, str | None]
    paragraphs: StoredSpans
    headings: StoredSpans
    sections: list[StoredSection]
    sentences: StoredSpans
    tokens: StoredSpans


def read_corpus_file(path: Path, document_id: str | None = None) -> tuple[CorpusFileData, str]:
    """The parsed data of ``corpus/<id>.json`` and the sha256 of its bytes, after the one structural check
    (:func:`~communique.schema.models.corpus_file_problems`) every reader of a corpus document goes through;
    :class:`CorpusUnreadable` (a coded, located error) when it is broken. ``OSError`` if it cannot be read."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, a huge integer, deep nesting
        raise CorpusUnreadable(path, str(exc) or type(exc).__name__) from None
    problems = corpus_file_problems(data, document_id)
    if problems:
        where, first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise CorpusUnreadable(path, first + more, where)
    checked: CorpusFileData = data  # the check above is what this type states
    return checked, hashlib.sha256(raw).hexdigest()


def corpus_document_of(data: CorpusFileData, path: Path) -> CorpusDocument:
    """The model of data :func:`read_corpus_file` returned (a model refusal is a :class:`CorpusUnreadable`)."""
    try:
        return CorpusDocument.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise CorpusUnreadable(path, str(error["msg"])) from None


def load_corpus_document(path: Path) -> CorpusDocument:
    """Read one committed corpus document (``corpus/<id>.json``); :class:`CorpusUnreadable` if it is broken."""
    data, _ = read_corpus_file(path)
    return corpus_document_of(data, path)


def iter_corpus(corpus_dir: Path) -> Iterator[CorpusDocument]:
    """Every corpus document, one at a time, sorted by id."""
    for path in sorted(corpus_dir.glob("*.json")):
        yield load_corpus_document(path)
