"""spaCy: a ``DocBin`` (``.spacy``) read into predictions (``communique convert --from spacy``), and the
DocBin reading the textacy converter shares.

Vocabulary: entities and span-group spans are read by label through the flat-label table
:data:`communique.formats.builder.LABELS`: ``PERSON``/``PER`` entities become mentions (other entity
labels are counted and left out), spans labelled (or whose group is named) ``QUOTE``/``CONTENT`` become
attributions, with ``CUE`` and ``SPEAKER`` spans attached to the nearest one. A span group's ``scores``
attribute gives confidences. The document is named by ``user_data["document_id"]``, or found by its text.

A DocBin is decompressed within caps (:func:`check_docbin`: bytes and msgpack objects) before spaCy builds
anything from it; a file or doc spaCy cannot read is a located ``convert-bad-input``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import StrictStr, TypeAdapter, ValidationError

from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    Labelled,
    Score,
    Target,
    bad_input,
    finish_document,
    need_library,
    note_unplaced,
    shape_issues,
    unknown_document,
)
from communique.io.read import MiB, read_input
from communique.schema.errors import CommuniqueError, Issue, issue

if TYPE_CHECKING:  # spaCy is an optional library (the `convert` extra): imported when a DocBin is read
    from spacy.tokens import Doc

__all__ = [
    "DOCBIN_FLOOR",
    "check_docbin",
    "convert_spacy",
    "docbin_cap",
    "docbin_docs",
    "inflate_docbin",
    "msgpack_objects",
    "target_of_doc",
    "unreadable_doc",
]

#: a DocBin may decompress to DOCBIN_RATIO x its size, at least DOCBIN_FLOOR and never more than DOCBIN_MAX
DOCBIN_RATIO = 32
DOCBIN_FLOOR = 64 * MiB
DOCBIN_MAX = 512 * MiB
#: msgpack objects a DocBin may hold (its message, and the user data and span groups packed inside it): each
#: becomes a Python object of up to ~100 bytes, so a message of empty maps would otherwise take 70 x its size
DOCBIN_OBJECTS = 4_000_000
_INFLATE_STEP = 4 * MiB

#: what a DocBin's user data may say about its document, and a span group's scores
_DOCUMENT_ID: TypeAdapter[str | None] = TypeAdapter(StrictStr | None)
_SCORES: TypeAdapter[list[float]] = TypeAdapter(list[Score])


def docbin_cap(size: int) -> int:
    """How many bytes a DocBin of ``size`` bytes may decompress to."""
    return min(DOCBIN_MAX, max(DOCBIN_FLOOR, DOCBIN_RATIO * size))


def _docbin_refused(where: str, message: str) -> CommuniqueError:
    return CommuniqueError(
        [
            issue(
                "decompressed-too-large",
                message,
                file=where,
                hint="a DocBin like this is no spaCy output; split a real one into several",
            )
        ]
    )


def inflate_docbin(data: bytes, where: str, cap: int | None = None) -> bytearray | None:
    """The decompressed zlib stream ``data`` (a DocBin), inflated a step at a time; a stream that expands
    beyond ``cap`` bytes (default :func:`docbin_cap`) is refused (``decompressed-too-large``) as soon as it
    does. ``None`` for a stream zlib cannot read (spaCy refuses it)."""
    cap = docbin_cap(len(data)) if cap is None else cap
    inflater = zlib.decompressobj()
    pending, out = data, bytearray()
    try:
        while True:
            produced = inflater.decompress(pending, _INFLATE_STEP)
            out += produced
            if len(out) > cap:
                raise _docbin_refused(
                    where,
                    f"the DocBin ({len(data):,} bytes) expands to more than {cap:,} bytes; at most {DOCBIN_RATIO} "
                    f"x its size ({DOCBIN_FLOOR // MiB} MiB for small files, {DOCBIN_MAX // MiB} MiB in all) is read",
                )
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and not produced):
                return out
    except zlib.error:
        return None


#: msgpack type byte -> (bytes of a length field, fixed payload bytes, what the length counts: bytes, items, pairs)
_MSGPACK: dict[int, tuple[int, int, str]] = {
    0xC0: (0, 0, ""), 0xC2: (0, 0, ""), 0xC3: (0, 0, ""),  # nil, false, true
    0xC4: (1, 0, "bin"), 0xC5: (2, 0, "bin"), 0xC6: (4, 0, "bin"),
    0xC7: (1, 1, "bytes"), 0xC8: (2, 1, "bytes"), 0xC9: (4, 1, "bytes"),  # ext: length, type, data
    0xCA: (0, 4, ""), 0xCB: (0, 8, ""),  # floats
    0xCC: (0, 1, ""), 0xCD: (0, 2, ""), 0xCE: (0, 4, ""), 0xCF: (0, 8, ""),  # unsigned
    0xD0: (0, 1, ""), 0xD1: (0, 2, ""), 0xD2: (0, 4, ""), 0xD3: (0, 8, ""),  # signed
    0xD4: (0, 2, ""), 0xD5: (0, 3, ""), 0xD6: (0, 5, ""), 0xD7: (0, 9, ""), 0xD8: (0, 17, ""),  # fixext
    0xD9: (1, 0, "bytes"), 0xDA: (2, 0, "bytes"), 0xDB: (4, 0, "bytes"),  # str
    0xDC: (2, 0, "items"), 0xDD: (4, 0, "items"),
    0xDE: (2, 0, "pairs"), 0xDF: (4, 0, "pairs"),
}  # fmt: skip


def _walk(view: memoryview, at: int, budget: int, descend: int = 0) -> tuple[int, int] | None:
    """Walk the one msgpack value at ``view[at:]`` without building it: ``(where it ends, how many objects it
    holds)``, or ``None`` when it is not msgpack. With ``descend``, the payload of each ``bin`` is walked too
    when it is itself msgpack, ``descend`` levels down. Raise :class:`OverflowError` once the count passes
    ``budget``."""
    size, pending, count = len(view), 1, 0
    while pending:
        if at >= size or pending > size - at:  # every object takes at least one byte
            return None
        kind = view[at]
        at += 1
        pending -= 1
        count += 1
        if count > budget:
            raise OverflowError(count)
        if kind <= 0x7F or kind >= 0xE0:  # fixint
            continue
        if kind <= 0x8F:  # fixmap
            pending += 2 * (kind & 0x0F)
        elif kind <= 0x9F:  # fixarray
            pending += kind & 0x0F
        elif kind <= 0xBF:  # fixstr
            at += kind & 0x1F
        elif kind in _MSGPACK:
            width, fixed, counts = _MSGPACK[kind]
            length = int.from_bytes(view[at : at + width], "big") if width else 0
            at += width + fixed
            if counts == "items":
                pending += length
            elif counts == "pairs":
                pending += 2 * length
            elif counts:
                if counts == "bin" and descend and at + length <= size:
                    inner = _walk(view[at : at + length], 0, budget - count, descend - 1)
                    count += inner[1] if inner is not None and inner[0] == length else 0
                at += length
        else:  # 0xC1 is never used
            return None
    return (at, count) if at <= size else None


#: the keys of a DocBin's message whose values hold msgpack packed in bins, and how many levels deep: user
#: data (one level), span groups (a list of packed groups, each packed)
_PACKED = {b"\xa9user_data": 1, b"\xabspan_groups": 2}


def msgpack_objects(message: bytes | bytearray, budget: int) -> int | None:
    """How many msgpack objects a DocBin's (decompressed) ``message`` holds, with those of the user data
    and span groups packed inside it, counted without building any; ``None`` when it is not msgpack. Raise
    :class:`OverflowError` once the count passes ``budget``."""
    view = memoryview(message)
    kind = view[0] if view else 0xC1
    if 0x80 <= kind <= 0x8F:
        pairs, at = kind & 0x0F, 1
    elif kind in (0xDE, 0xDF):
        width = 2 if kind == 0xDE else 4
        pairs, at = int.from_bytes(view[1 : 1 + width], "big"), 1 + width
    else:  # not a map, so not a DocBin: spaCy says so, but count it first
        walked = _walk(view, 0, budget)
        return walked[1] if walked else None
    count = 1
    for _ in range(pairs):
        key = _walk(view, at, budget - count)
        if key is None:
            return None
        value = _walk(view, key[0], budget - count - key[1], _PACKED.get(bytes(view[at : key[0]]), 0))
        if value is None:
            return None
        at, count = value[0], count + key[1] + value[1]
    return count


def check_docbin(data: bytes, where: str, cap: int | None = None, objects: int = DOCBIN_OBJECTS) -> None:
    """Refuse a DocBin that decompresses beyond ``cap`` bytes or holds more than ``objects`` msgpack objects
    (``decompressed-too-large``), before spaCy builds anything from it."""
    message = inflate_docbin(data, where, cap)
    if message is None:
        return  # not zlib: spaCy says so
    try:
        msgpack_objects(message, objects)
    except OverflowError:
        raise _docbin_refused(
            where, f"the DocBin packs more than {objects:,} objects; at most {objects:,} are read"
        ) from None


def docbin_docs(path: Path) -> Iterator[tuple[int, Doc]]:
    """The docs of a DocBin file, numbered from 1; a file or doc spaCy cannot read is ``convert-bad-input``."""
    spacy = need_library("spacy")
    from spacy.tokens import DocBin

    where = str(path)
    data = read_input(path)
    check_docbin(data, where)
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
        docs = docbin.get_docs(spacy.blank("en").vocab)  # English lexical attributes (is_quote)
    except Exception as exc:  # spaCy raises many kinds (and asserts) on bytes that are not a DocBin
        raise bad_input(where, f"not a spaCy DocBin: {described(exc)}") from None
    number = 0
    while True:
        number += 1
        try:
            doc = next(docs)
        except StopIteration:
            return
        except Exception as exc:  # a tampered DocBin: strings missing from its store, bad user data ...
            raise bad_input(where, f"doc {number} cannot be read: {described(exc)}") from None
        yield number, doc


def target_of_doc(doc: Doc, index: CorpusIndex, where: str, number: int, out: Converted) -> Target | None:
    """The corpus document of a spaCy doc (``None`` after reporting why there is none)."""
    user_data = doc.user_data if isinstance(doc.user_data, dict) else {}
    try:
        doc_id = _DOCUMENT_ID.validate_python(user_data.get("document_id"))
    except ValidationError as exc:
        out.issues.extend(shape_issues(exc, where, f"doc {number}", prefix=("user_data", "document_id")))
        return None
    target = index.find(document_id=doc_id) if doc_id else index.find(text=doc.text)
    if target is None:
        out.issues.append(unknown_document(where, f"doc {number}" + (f" ({doc_id!r})" if doc_id else "")))
    return target


def _spacy_spans(doc: Doc, where: str, number: int, out: Converted) -> list[Labelled]:
    spans: list[Labelled] = [(e.start_char, e.end_char, e.label_, None) for e in doc.ents]
    for key, group in doc.spans.items():
        try:
            scores = _SCORES.validate_python(group.attrs.get("scores", []) if hasattr(group, "attrs") else [])
        except ValidationError as exc:
            out.issues.extend(shape_issues(exc, where, f"doc {number}", prefix=("spans", str(key), "attrs", "scores")))
            scores = []
        for i, span in enumerate(group):
            spans.append((span.start_char, span.end_char, span.label_ or key, scores[i] if i < len(scores) else None))
    return spans


def described(exc: Exception) -> str:
    """An exception from a library, for a message: its type and (a bounded prefix of) what it says."""
    said = str(exc)
    return f"{type(exc).__name__}: {said[:200]}" if said else type(exc).__name__


def unreadable_doc(where: str, number: int, exc: Exception) -> Issue:
    return issue(
        "convert-bad-input",
        f"doc {number}: spaCy cannot read its annotations: {described(exc)}",
        file=where,
        hint="the DocBin was changed after spaCy wrote it (its string store or user data)",
    )


def convert_spacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    skipped: list[str] = []
    for number, doc in docbin_docs(path):
        try:
            target = target_of_doc(doc, index, where, number, out)
            spans = _spacy_spans(doc, where, number, out)
        except Exception as exc:  # labels whose strings the (tampered) store lacks, and the like
            out.issues.append(unreadable_doc(where, number, exc))
            continue
        if target is None:
            continue
        builder = DocumentBuilder(target, doc.text, "spacy", where=where)
        skipped += builder.add_labelled(spans)
        finish_document(out, builder, f"doc {number}")
    note_unplaced(out, where, skipped)
