"""Readers of external formats, each turning one input into prediction lines (JSON-ready dicts, format 2.0).

What the formats call a quote is an attribution of format 2.0, its speaker the attribution's source.

* ``spacy``: a spaCy ``DocBin`` (``.spacy``). Entities become mentions (``PERSON``/``PER`` labels; others
  are counted and left out); span groups become quotes where their spans are labelled (or their group is
  named) ``QUOTE``/``CONTENT``, with ``CUE`` and ``SPEAKER`` spans attached to the nearest quote.
* ``textacy``: a ``DocBin`` of *parsed* docs; textacy's ``direct_quotations`` runs on each, and every
  (speaker, cue, content) triple becomes a direct quote; entities become mentions as for ``spacy``.
* ``conll``: CoNLL/IOB2 token tags (token first, tag last; blank lines between sentences); documents start
  with ``-DOCSTART- ID`` or ``# document_id = ID``. Tokens are aligned to the corpus text in order.
* ``hf``: Hugging Face token-classification pipeline output, JSON Lines of
  ``{"document_id", "text"?, "entities": [...]}``; entities with ``start``/``end`` (character offsets) or with
  ``word`` alone (aligned in order), grouped (``entity_group``) or per token (``entity`` = ``B-PER``).
* ``brat``: a folder of ``.ann`` + ``.txt`` (or one ``.ann``), as ``communique export brat`` writes them:
  ``Attribution`` (or format 1's ``Quote``)/``Meeting``/``Commitment`` events, ``Equiv`` officials,
  ``SourceMention`` sources, ``Form``/``AttributionKind``/``SpeechAct``/``Unresolved``/``MeetingMode``/
  ``ModalityType``/... attributes and the notes (format 1's ``Quote``, ``Speaker``, ``QuoteKind`` too);
  plain entities are read by label like the other formats.
* ``labelstudio``: a Label Studio JSON export (a list of tasks); ``labels`` results are spans, ``relation``
  results tie a speaker or cue to its quote. Offsets that do not fit as code points are tried as UTF-16
  code units (what a browser counts).

A document is matched to the corpus by its id (file stem, ``user_data["document_id"]``, a ``document_id``
field) or, failing that, by its exact text; two documents of the input for one corpus document are an error
(``convert-duplicate-document``), since ``bench`` refuses two lines for one document.

Every input is read as :mod:`communique.io.read` reads files (regular files only, within a byte cap; JSON
strictly, JSON Lines split on ``\\n`` only). The shapes of the outside formats are checked with small
Pydantic models, one group per format (``Hf*``, ``Ls*``, the DocBin adapters), so every problem is located:
file, line (or task or doc number) and JSON path. Offsets that are negative, reversed or outside the text
are left out with a located ``convert-span-dropped`` warning, never silently. A DocBin is decompressed
within caps (:func:`check_docbin`) before spaCy reads it.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError, model_validator

from communique.annotate.checks import show_value
from communique.formats.builder import CorpusIndex, DocumentBuilder, Target, role_of
from communique.io.parse import JsonPath, ParseFailure, format_path, parse_json
from communique.io.read import MAX_TEXT_BYTES, MiB, json_lines, read_input, read_text, split_lines
from communique.schema.errors import CommuniqueError, Issue, Severity, issue

__all__ = [
    "FORMATS",
    "Converted",
    "check_docbin",
    "convert_path",
    "inflate_docbin",
    "msgpack_objects",
    "quotations_line",
]

#: a confidence score: a JSON number (not a string, not a boolean), finite
Score = Annotated[float, Field(strict=True, allow_inf_nan=False)]


@dataclass
class Converted:
    """The prediction lines made from one input, and the problems met on the way (errors stop the
    conversion once the whole input has been read; warnings go with the lines)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # corpus document id -> where the input gave it first


Reader = Callable[[Path, CorpusIndex, Converted], None]


def _bad(where: str, message: str, *, line: int | None = None, hint: str | None = None) -> CommuniqueError:
    return CommuniqueError([issue("convert-bad-input", message, file=where, line=line, hint=hint)])


def _unknown(where: str, what: str, *, line: int | None = None) -> Issue:
    return issue(
        "unknown-document",
        f"no corpus document for {what}",
        file=where,
        line=line,
        hint="give its document id, or convert the exact corpus text",
    )


def _need(module: str, extra: str = "convert") -> Any:
    """Import an optional library, or stop with a message saying how to install it."""
    import importlib

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


def _note_unplaced(out: Converted, where: str, labels: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if counts:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items()))
        out.issues.append(issue("convert-label-skipped", f"labels with no place in a prediction: {listed}", file=where))


def _finish(out: Converted, builder: DocumentBuilder, what: str, *, line: int | None = None) -> None:
    """Add the builder's line, unless an earlier document of the input was for the same corpus document;
    ``what`` says where this one is (``line 3``, ``task 2``, ``doc 1``)."""
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
    _note_unplaced(out, builder.where, builder.skipped)
    out.lines.append(builder.build())


def _shape_issues(
    exc: ValidationError, where: str, what: str, *, line: int | None = None, prefix: JsonPath = ()
) -> list[Issue]:
    """A model's validation errors as ``convert-bad-input`` issues located by ``line`` and JSON path."""
    return [
        issue(
            "convert-bad-input",
            f"{what}: {error['msg']} (found {show_value(error.get('input'))})",
            file=where,
            line=line,
            path=format_path((*prefix, *(p for p in error["loc"] if isinstance(p, str | int)))),
        )
        for error in exc.errors(include_url=False)
    ]


def _dropped(
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


# -- spaCy DocBin and textacy

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


def _docs(path: Path) -> Iterator[tuple[int, Any]]:
    """The docs of a DocBin file, numbered from 1; a file or doc spaCy cannot read is ``convert-bad-input``."""
    spacy = _need("spacy")
    from spacy.tokens import DocBin

    where = str(path)
    data = read_input(path)
    check_docbin(data, where)
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
        docs = docbin.get_docs(spacy.blank("en").vocab)  # English lexical attributes (is_quote)
    except Exception as exc:  # spaCy raises many kinds (and asserts) on bytes that are not a DocBin
        raise _bad(where, f"not a spaCy DocBin: {_described(exc)}") from None
    number = 0
    while True:
        number += 1
        try:
            doc = next(docs)
        except StopIteration:
            return
        except Exception as exc:  # a tampered DocBin: strings missing from its store, bad user data ...
            raise _bad(where, f"doc {number} cannot be read: {_described(exc)}") from None
        yield number, doc


def _target_of_doc(doc: Any, index: CorpusIndex, where: str, number: int, out: Converted) -> Target | None:
    """The corpus document of a spaCy doc (``None`` after reporting why there is none)."""
    user_data = doc.user_data if isinstance(doc.user_data, dict) else {}
    try:
        doc_id = _DOCUMENT_ID.validate_python(user_data.get("document_id"))
    except ValidationError as exc:
        out.issues.extend(_shape_issues(exc, where, f"doc {number}", prefix=("user_data", "document_id")))
        return None
    target = index.find(document_id=doc_id) if doc_id else index.find(text=doc.text)
    if target is None:
        out.issues.append(_unknown(where, f"doc {number}" + (f" ({doc_id!r})" if doc_id else "")))
    return target


def _spacy_spans(doc: Any, where: str, number: int, out: Converted) -> list[tuple[int, int, str, float | None]]:
    spans: list[tuple[int, int, str, float | None]] = [(e.start_char, e.end_char, e.label_, None) for e in doc.ents]
    for key, group in doc.spans.items():
        try:
            scores = _SCORES.validate_python(group.attrs.get("scores", []) if hasattr(group, "attrs") else [])
        except ValidationError as exc:
            out.issues.extend(_shape_issues(exc, where, f"doc {number}", prefix=("spans", str(key), "attrs", "scores")))
            scores = []
        for i, span in enumerate(group):
            spans.append((span.start_char, span.end_char, span.label_ or key, scores[i] if i < len(scores) else None))
    return spans


def _described(exc: Exception) -> str:
    """An exception from a library, for a message: its type and (a bounded prefix of) what it says."""
    said = str(exc)
    return f"{type(exc).__name__}: {said[:200]}" if said else type(exc).__name__


def _unreadable_doc(where: str, number: int, exc: Exception) -> Issue:
    return issue(
        "convert-bad-input",
        f"doc {number}: spaCy cannot read its annotations: {_described(exc)}",
        file=where,
        hint="the DocBin was changed after spaCy wrote it (its string store or user data)",
    )


def read_spacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    skipped: list[str] = []
    for number, doc in _docs(path):
        try:
            target = _target_of_doc(doc, index, where, number, out)
            spans = _spacy_spans(doc, where, number, out)
        except Exception as exc:  # labels whose strings the (tampered) store lacks, and the like
            out.issues.append(_unreadable_doc(where, number, exc))
            continue
        if target is None:
            continue
        builder = DocumentBuilder(target, doc.text, "spacy", where=where)
        skipped += builder.add_labelled(spans)
        _finish(out, builder, f"doc {number}")
    _note_unplaced(out, where, skipped)


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive token indices as [first, last] runs."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def quotations_line(doc: Any, target: Target, triples: Iterable[Any] | None = None) -> dict[str, Any]:
    """One prediction line from a parsed spaCy ``doc``: its entities as mentions and textacy's direct
    quotations (``triples``; by default ``textacy.extract.triples.direct_quotations(doc)``) as quotes."""
    if triples is None:
        triples = _need("textacy.extract.triples").direct_quotations(doc)
    builder = DocumentBuilder(target, doc.text, "textacy direct_quotations")
    builder.add_labelled([(e.start_char, e.end_char, e.label_, None) for e in doc.ents if role_of(e.label_)])
    for triple in triples:
        speaker = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.speaker)]
        for start, end in speaker:  # the speaker is a mention too, so that it can be scored
            builder.add_mention(start, end)
        cues = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.cue)]
        content = triple.content
        builder.add_attribution(
            [(content.start_char, content.end_char)],
            cues=cues,
            speaker=speaker[0] if speaker else None,
            kind="direct",
        )
    return builder.build()


def read_textacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    triples = _need("textacy.extract.triples")
    where = str(path)
    for number, doc in _docs(path):
        if not doc.has_annotation("DEP"):
            raise _bad(
                where,
                f"doc {number} has no dependency parse; textacy's direct_quotations needs one",
                hint="save the DocBin from a pipeline with a parser (attrs including DEP, POS, TAG)",
            )
        try:
            target = _target_of_doc(doc, index, where, number, out)
        except Exception as exc:  # a tampered DocBin, as in read_spacy
            out.issues.append(_unreadable_doc(where, number, exc))
            continue
        if target is None:
            continue
        try:
            found = list(triples.direct_quotations(doc))
        except ValueError as exc:  # e.g. an odd number of quotation marks: textacy bails out on the document
            out.issues.append(
                issue("convert-library-failed", f"textacy on doc {number} ({target.id!r}): {exc}", file=where)
            )
            found = []
        try:
            line = quotations_line(doc, target, found)
        except Exception as exc:  # labels whose strings the (tampered) store lacks, and the like
            out.issues.append(_unreadable_doc(where, number, exc))
            continue
        if target.id in out.seen:
            builder = DocumentBuilder(target, doc.text, "", where=where)
            _finish(out, builder, f"doc {number}")  # reports the duplicate
            continue
        out.seen[target.id] = f"doc {number}"
        if doc.text != target.text:
            out.issues.extend(DocumentBuilder(target, doc.text, "", where=where).text_issues())
        out.lines.append(line)


# -- CoNLL / IOB2


def _align(text: str, tokens: list[tuple[str, int]], where: str, out: Converted) -> list[tuple[int, int] | None]:
    """Character offsets of each token in ``text``, found in order (None for one that is not there)."""
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


def _entities(tags: list[str], offsets: list[tuple[int, int] | None]) -> list[tuple[int, int, str]]:
    """IOB2 tags (IOB1 and BIOES tolerated) over aligned tokens -> (start, end, type) spans."""
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for tag, where in zip(tags, offsets):
        prefix, _, kind = tag.partition("-") if "-" in tag else (tag, "", "")
        if where is None or prefix.upper() == "O" or not kind:
            current = None
            continue
        if current is not None and prefix.upper() in ("I", "E") and current[2] == kind:
            current[1] = where[1]
        else:
            current = [where[0], where[1], kind]
            spans.append(current)  # type: ignore[arg-type]  # closed below
        if prefix.upper() in ("E", "S"):
            current = None
    return [(s[0], s[1], s[2]) for s in spans]


def read_conll(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    documents: list[tuple[str | None, int, list[tuple[str, str, int]]]] = []
    for number, raw in split_lines(read_text(path)):  # \n only: a token may hold U+2028 or U+0085
        line = raw.strip()
        head = re.match(r"^(?:-DOCSTART-|#\s*document_id\s*=)\s*(\S*)", line)
        if head:
            documents.append((head.group(1).removeprefix("-X-").strip() or None, number, []))
            continue
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        if len(columns) < 2:
            raise _bad(where, "a token line needs a token and a tag", line=number, hint="TOKEN [...] TAG")
        if not documents:
            documents.append((None, number, []))
        documents[-1][2].append((columns[0], columns[-1], number))
    skipped: list[str] = []
    for doc_id, number, rows in documents:
        if not rows:
            continue
        target = index.find(document_id=doc_id) if doc_id else None
        if target is None:
            out.issues.append(_unknown(where, repr(doc_id) if doc_id else "tokens without a document id", line=number))
            continue
        offsets = _align(target.text, [(t, n) for t, _, n in rows], where, out)
        builder = DocumentBuilder(target, None, "conll", where=where)
        entities = _entities([tag for _, tag, _ in rows], offsets)
        skipped += builder.add_labelled([(s, e, kind, None) for s, e, kind in entities])
        _finish(out, builder, f"the document on line {number}", line=number)
    _note_unplaced(out, where, skipped)


# -- Hugging Face token-classification pipeline


class HfEntity(BaseModel):
    """One entity of a token-classification pipeline's output (its other fields, such as ``index``, are
    ignored): grouped (``entity_group``) or per token (``entity``), with character offsets or ``word`` alone."""

    model_config = ConfigDict(extra="ignore")

    start: StrictInt | None = None
    end: StrictInt | None = None
    word: StrictStr = ""
    entity_group: StrictStr | None = None
    entity: StrictStr | None = None
    score: Score | None = None

    @model_validator(mode="after")
    def _offsets_together(self) -> HfEntity:
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end are given together or not at all")
        return self


class HfLine(BaseModel):
    """One line of ``--from hf`` input."""

    model_config = ConfigDict(extra="ignore")

    document_id: StrictStr | None = None
    text: StrictStr | None = None
    entities: list[HfEntity]


def _pipeline_spans(
    entities: list[HfEntity], text: str, where: str, line: int, out: Converted
) -> list[tuple[int, int, str, float | None]]:
    """Pipeline entities (grouped or per token, with or without offsets) -> labelled character spans;
    offsets that are no span of ``text`` are reported and left out."""
    offsets: list[tuple[int, int] | None]
    if any(e.start is None for e in entities):  # word form: align the words in order
        offsets = _align(text, [(e.word, line) for e in entities], where, out)
    else:
        offsets = []
        for i, e in enumerate(entities):
            assert e.start is not None and e.end is not None  # checked just above
            dropped = _dropped(where, f"entity {i}", e.start, e.end, len(text), line=line, path=("entities", i))
            if dropped is not None:
                out.issues.append(dropped)
            offsets.append(None if dropped else (e.start, e.end))
    if any(e.entity_group is not None for e in entities):
        return [
            (s[0], s[1], e.entity_group, e.score)
            for e, s in zip(entities, offsets)
            if s is not None and e.entity_group is not None
        ]
    spans: list[tuple[int, int, str, float | None]] = []
    scores: list[list[float]] = []
    previous_end = -2
    for e, s in zip(entities, offsets):
        if s is None:
            continue
        tag = e.entity or "O"
        prefix, _, kind = tag.partition("-") if "-" in tag else ("B", "", tag)
        joined = spans and spans[-1][2] == kind and not text[previous_end : s[0]].strip()
        if joined and (prefix.upper() == "I" or e.word.startswith("##")):
            spans[-1] = (spans[-1][0], s[1], kind, None)
            scores[-1].append(e.score or 0.0)
        elif prefix.upper() != "O":
            spans.append((s[0], s[1], kind, None))
            scores.append([e.score or 0.0])
        previous_end = s[1]
    return [(s, e, k, sum(sc) / len(sc)) for (s, e, k, _), sc in zip(spans, scores)]


def read_hf(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    skipped: list[str] = []
    for line in json_lines(read_text(path), where):
        if line.problem is not None:
            out.issues.append(line.problem)
            continue
        try:
            record = HfLine.model_validate(line.value)
        except ValidationError as exc:
            out.issues.extend(_shape_issues(exc, where, f"line {line.number}", line=line.number))
            continue
        target = index.find(document_id=record.document_id, text=record.text)
        if target is None:
            out.issues.append(
                _unknown(where, repr(record.document_id or "a line without document_id"), line=line.number)
            )
            continue
        source = record.text if record.text is not None else target.text
        spans = _pipeline_spans(record.entities, source, where, line.number, out)
        builder = DocumentBuilder(target, source, "hf token-classification", where=where)
        skipped += builder.add_labelled(spans)
        _finish(out, builder, f"line {line.number}", line=line.number)
    _note_unplaced(out, where, skipped)


# -- brat standoff


@dataclass
class _Textbound:
    label: str
    fragments: list[tuple[int, int]]
    line: int = 0


def _parse_ann(
    text: str, where: str
) -> tuple[
    dict[str, _Textbound],
    list[tuple[str, str, list[tuple[str, str]]]],
    dict[str, dict[str, str]],
    list[list[str]],
    dict[str, str],
]:
    """Textbounds, events (id, label, trigger + args), attributes by target, Equiv groups, notes by target."""
    bounds: dict[str, _Textbound] = {}
    events: list[tuple[str, str, list[tuple[str, str]]]] = []
    attributes: dict[str, dict[str, str]] = {}
    equivs: list[list[str]] = []
    notes: dict[str, str] = {}
    for number, line in split_lines(text):  # brat's lines end in \n only
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")
        try:
            if ident.startswith("T"):
                head, _, _ = rest.partition("\t")
                label, _, offsets = head.partition(" ")
                frags = [tuple(int(x) for x in f.split()) for f in offsets.split(";")]
                bounds[ident] = _Textbound(label, [(f[0], f[1]) for f in frags], number)
            elif ident.startswith("E"):
                parts = rest.split()
                label, _, trigger = parts[0].partition(":")
                args = [(re.sub(r"\d+$", "", r), t) for r, _, t in (p.partition(":") for p in parts[1:])]
                events.append((ident, label, [("Trigger", trigger), *args]))
            elif ident.startswith(("A", "M")):
                parts = rest.split()
                attributes.setdefault(parts[1], {})[parts[0]] = parts[2] if len(parts) > 2 else "true"
            elif ident == "*":
                parts = rest.split()
                if parts[0] == "Equiv":
                    equivs.append(parts[1:])
            elif ident.startswith("#"):
                head, _, value = rest.partition("\t")
                notes[head.split()[-1]] = value
        except (IndexError, ValueError):
            raise _bad(where, f"not a brat annotation line: {line!r}", line=number) from None
    return bounds, events, attributes, equivs, notes


def _brat_document(ann: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(ann)
    txt = ann.with_suffix(".txt")
    ann_text = read_text(ann)
    source = read_text(txt, MAX_TEXT_BYTES) if txt.exists() else None
    target = index.find(document_id=ann.stem) or (index.find(text=source) if source is not None else None)
    if target is None:
        out.issues.append(_unknown(where, repr(ann.stem)))
        return
    bounds, events, attributes, equivs, notes = _parse_ann(ann_text, where)
    builder = DocumentBuilder(target, source, "brat", where=where)
    for tid, bound in bounds.items():
        kept = []
        for lo, hi in bound.fragments:
            dropped = _dropped(where, f"text-bound {tid}", lo, hi, len(builder.source), line=bound.line)
            if dropped is None:
                kept.append((lo, hi))
            else:
                out.issues.append(dropped)
        bound.fragments = kept
    official_of = {tid: f"equiv{i}" for i, group in enumerate(equivs) for tid in group}
    in_event = {t for _, _, args in events for _, t in args}

    def frags(tid: str) -> list[tuple[int, int]]:
        return bounds[tid].fragments if tid in bounds else []

    def first(tid: str | None) -> tuple[int, int] | None:
        found = frags(tid) if tid else []
        return (found[0][0], found[-1][1]) if found else None

    for tid, bound in bounds.items():
        fields = note_fields(notes.get(tid, ""))
        span = first(tid)
        if span and role_of(bound.label) == "mention":
            builder.add_mention(
                *span,
                official=fields.get("official") or official_of.get(tid, tid),
                name=fields.get("name"),
                form=attributes.get(tid, {}).get("Form"),
            )
        elif span and bound.label == "SourceMention":
            builder.add_source_mention(
                *span,
                key=fields.get("source") or official_of.get(tid, tid),
                type_=attributes.get(tid, {}).get("SourceType"),
                country=fields.get("country"),
            )
    for eid, label, args in events:
        roles: dict[str, list[str]] = {}
        for role, tid in args:
            roles.setdefault(role, []).append(tid)
        attrs = attributes.get(eid, {})
        trigger = roles.get("Trigger", [""])[0]
        if label in ("Attribution", "Quote"):  # Quote: brat files of format 1
            contents = [f for t in roles.get("Content", []) for f in frags(t)]
            cues = frags(trigger) if frags(trigger) != contents else []
            source = next(iter(roles.get("Source") or roles.get("Speaker") or []), None)
            builder.add_attribution(
                contents,
                cues=cues,
                speaker=first(source),
                unresolved=attrs.get("Unresolved"),
                addressee=first(next(iter(roles.get("Addressee", [])), None)),
                kind=attrs.get("AttributionKind") or attrs.get("QuoteKind"),
                speech_act=attrs.get("SpeechAct"),
            )
        elif label == "Meeting":
            people = [
                (span, role.lower() if role in ("Visitor", "Host") else None)
                for role, tids in roles.items()
                if role not in ("Trigger", "Location", "Time")
                for t in tids
                if (span := first(t))
            ]
            builder.add_meeting(
                frags(trigger),
                participants=people,
                location=first(roles.get("Location", [None])[0]),
                time=first(roles.get("Time", [None])[0]),
                status=attrs.get("Status"),
                mode=attrs.get("MeetingMode"),
            )
        elif label == "Commitment" and (evidence := first(trigger)):
            fields = note_fields(notes.get(eid, ""))
            builder.add_commitment(
                evidence,
                # brat numbers a repeated role: Actor, Actor2, ...
                actors=[
                    s for r, tids in roles.items() if re.fullmatch(r"Actor\d*", r) for t in tids if (s := first(t))
                ],
                content=first(roles.get("Content", [None])[0]),
                modality=first(roles.get("Modality", [None])[0]),
                time=first(roles.get("Time", [None])[0]),
                kind=attrs.get("CommitmentKind"),
                country=fields.get("country"),  # format 1: one country
                # format 2.0: the country each actor speaks for, in actor order ("-": not said)
                countries=[c if c != "-" else None for c in fields.get("countries", "").split(",") if c],
                modality_type=attrs.get("ModalityType"),
            )
    loose = [
        (f[0], f[1], b.label, None)
        for tid, b in bounds.items()
        if tid not in in_event and role_of(b.label) not in (None, "mention")
        for f in b.fragments
    ]
    unplaced = builder.add_labelled(loose)
    loose_labels = [  # source mentions were read above
        b.label
        for t, b in bounds.items()
        if t not in in_event and role_of(b.label) is None and b.label != "SourceMention"
    ]
    _note_unplaced(out, where, unplaced + loose_labels)
    _finish(out, builder, where)


#: one ``key=value`` of an ``AnnotatorNotes`` list; a value with ``;`` or spaces at its ends is a JSON string
_NOTE_FIELD = re.compile(r'\s*(\w+)=("(?:[^"\\]|\\.)*"|[^;]*?)\s*(?:;|$)')


def note_fields(note: str) -> dict[str, str]:
    """``official=o1; name="Ali; Reza"`` -> ``{"official": "o1", "name": "Ali; Reza"}`` (as ``communique export
    brat`` writes notes); a note that is no such list gives what could be read before the first misfit."""
    out: dict[str, str] = {}
    at, note = 0, note.strip()
    while at < len(note) and (match := _NOTE_FIELD.match(note, at)) and match.end() > at:
        key, value = match.group(1), match.group(2)
        if value.startswith('"'):
            try:
                value = str(json.loads(value))
            except ValueError:
                break
        out[key] = value
        at = match.end()
    return out


def read_brat(path: Path, index: CorpusIndex, out: Converted) -> None:
    files = sorted(path.glob("*.ann")) if path.is_dir() else [path]
    if not files:
        raise _bad(str(path), "no .ann files in this folder")
    for ann in files:
        _brat_document(ann, index, out)


# -- Label Studio


def _utf16_to_points(text: str, offset: int) -> int:
    """A UTF-16 code-unit offset (what JavaScript counts) as a code-point offset."""
    units = 0
    for points, char in enumerate(text):
        if units >= offset:
            return points
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


class LsData(BaseModel):
    """A task's ``data``: the text (under ``text``, or the first long string under another name) and the id."""

    model_config = ConfigDict(extra="allow")

    document_id: StrictStr | None = None
    text: StrictStr | None = None

    def the_text(self) -> str | None:
        if self.text is not None:
            return self.text
        return next((v for v in (self.model_extra or {}).values() if isinstance(v, str) and len(v) > 40), None)


class LsSpanValue(BaseModel):
    """The ``value`` of a ``labels`` (or ``hypertextlabels``) result: a labelled span."""

    model_config = ConfigDict(extra="ignore")

    start: StrictInt
    end: StrictInt
    text: StrictStr | None = None
    labels: list[StrictStr] = []
    hypertextlabels: list[StrictStr] = []


class LsResult(BaseModel):
    """One result of an annotation; its ``value`` is checked by its ``type`` (:class:`LsSpanValue`)."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | StrictInt | None = None
    type: StrictStr | None = None
    value: dict[str, Any] = {}
    from_id: StrictStr | StrictInt | None = None
    to_id: StrictStr | StrictInt | None = None
    score: Score | None = None

    @model_validator(mode="after")
    def _relation_ends(self) -> LsResult:
        if self.type == "relation" and (self.from_id is None or self.to_id is None):
            raise ValueError("a relation needs from_id and to_id")
        return self


class LsAnnotation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: list[LsResult] = []


class LsTask(BaseModel):
    """One task of a Label Studio JSON export."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr | StrictInt | None = None
    data: LsData
    annotations: list[LsAnnotation] = []
    predictions: list[LsAnnotation] = []
    score: Score | None = None


_SPAN_TYPES = ("labels", "hypertextlabels")


def _ls_spans(
    task: LsTask, text: str, number: int, where: str, out: Converted
) -> tuple[dict[str, tuple[int, int, str, float | None]], list[tuple[str, str]]]:
    """The labelled spans (by result id) and relations of a task's first annotation (or prediction)."""
    key = "annotations" if task.annotations else "predictions"
    sources = task.annotations or task.predictions
    results = sources[0].result if sources else []
    spans: dict[str, tuple[int, int, str, float | None]] = {}
    for j, r in enumerate(results):
        at: JsonPath = (number - 1, key, 0, "result", j, "value")
        if r.type not in _SPAN_TYPES or "start" not in r.value:
            continue
        try:
            value = LsSpanValue.model_validate(r.value)
        except ValidationError as exc:
            out.issues.extend(_shape_issues(exc, where, f"task {number}", prefix=at))
            continue
        labels = value.labels or value.hypertextlabels
        if not labels:
            continue
        start, end = value.start, value.end
        if 0 <= start < end and value.text is not None and text[start:end] != value.text:
            start, end = _utf16_to_points(text, start), _utf16_to_points(text, end)  # what a browser counts
        dropped = _dropped(where, f"task {number}", start, end, len(text), path=at)
        if dropped is not None:
            out.issues.append(dropped)
            continue
        spans[str(r.id if r.id is not None else len(spans))] = (start, end, labels[0], r.score or task.score)
    links = [(str(r.from_id), str(r.to_id)) for r in results if r.type == "relation"]
    return spans, links


def read_labelstudio(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    try:
        tasks = parse_json(read_text(path))
    except ParseFailure as failure:
        raise CommuniqueError([failure.issue.located(where, failure.issue.line, failure.issue.column)]) from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise _bad(where, "a Label Studio export is a list of tasks")
    skipped: list[str] = []
    for number, raw in enumerate(tasks, start=1):
        try:
            task = LsTask.model_validate(raw)
        except ValidationError as exc:
            out.issues.extend(_shape_issues(exc, where, f"task {number}", prefix=(number - 1,)))
            continue
        text = task.data.the_text()
        target = index.find(document_id=task.data.document_id, text=text)
        if target is None or text is None:
            out.issues.append(_unknown(where, f"task {number} (id {task.id!r})"))
            continue
        builder = DocumentBuilder(target, text, "label studio", where=where)
        spans, links = _ls_spans(task, text, number, where, out)
        skipped += _labelled_with_links(builder, spans, links)
        _finish(out, builder, f"task {number}")
    _note_unplaced(out, where, skipped)


def _labelled_with_links(
    builder: DocumentBuilder, spans: dict[str, tuple[int, int, str, float | None]], links: list[tuple[str, str]]
) -> list[str]:
    """Flat spans, except that a quote linked to its speaker or cues takes those rather than the nearest."""
    linked: dict[str, dict[str, list[tuple[int, int]]]] = {}
    used: set[str] = set()
    for a, b in links:
        for quote, other in ((a, b), (b, a)):
            if quote in spans and other in spans and role_of(spans[quote][2]) == "content":
                role = role_of(spans[other][2])
                if role in ("cue", "speaker"):
                    linked.setdefault(quote, {"cue": [], "speaker": []})[role].append(spans[other][:2])
                    used.add(other)
    rest = [s for k, s in spans.items() if k not in used and k not in linked]
    for s, e, label, _ in rest:
        if role_of(label) == "mention":
            builder.add_mention(s, e, form="name")
    for key, parts in linked.items():
        s, e, _, confidence = spans[key]
        speaker = parts["speaker"][0] if parts["speaker"] else None
        builder.add_attribution([(s, e)], cues=parts["cue"], speaker=speaker, confidence=confidence)
    return builder.add_labelled([x for x in rest if role_of(x[2]) != "mention"])


#: format name -> reader
FORMATS: dict[str, Reader] = {
    "spacy": read_spacy,
    "textacy": read_textacy,
    "conll": read_conll,
    "hf": read_hf,
    "brat": read_brat,
    "labelstudio": read_labelstudio,
}


def convert_path(fmt: str, path: Path, corpus: Path) -> Converted:
    """Convert ``path`` (in format ``fmt``, see :data:`FORMATS`) into prediction lines for ``corpus``.

    Raise :class:`CommuniqueError` when the input cannot be read, does not have the format's shape, holds a
    document that is not in the corpus or two for one; it carries every problem found (warnings too). The
    result's ``issues`` are warnings (a token that could not be aligned, labels or spans left out)."""
    if not path.exists():
        raise CommuniqueError([issue("file-not-found", "no such file or folder", file=str(path))])
    out = Converted()
    FORMATS[fmt](path, CorpusIndex(corpus), out)
    if any(i.severity is Severity.ERROR for i in out.issues):  # all of them, now that the input is read
        raise CommuniqueError(out.issues)
    return out
