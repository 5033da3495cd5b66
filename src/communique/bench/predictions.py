"""Reading prediction files: JSON Lines, one :class:`~communique.schema.predictions.PredictedDocument` per line.

Each line goes through the checks ``communique validate`` makes (same codes, located by line, column and
JSON path), and then into scoring form (:class:`~communique.compare.annotations.Annotations`):

* **fatal** (errors: the file is not scored): malformed JSON, fields the schema does not define, wrong
  types or labels, an unknown document, a stale ``text_sha256``, offsets that contradict their text or lie
  outside the document, duplicate ids, ``*_id`` references that resolve to nothing, an official referenced
  more than one way (``*_id``, ``*_name``, ``*_span``), two lines for one document;
* **reported and counted** (warnings): a text-only span whose text does not occur (with the closest text
  that does as a hint), or occurs more than once with nothing to say which. The span becomes *unanchored*:
  it still counts as a prediction, and matches nothing.

Text-only spans are found as whole tokens after a typographic normalisation, by the resolver ``draft`` and
``anchor`` use too (:mod:`communique.annotate.locate`). An ambiguous one is placed by its item: the occurrence
nearest to the item's other, unambiguous spans is taken (a cue ``said`` next to its quote; a mention next to
its official's other mentions); only a tie leaves it unanchored. Edge whitespace is trimmed from every span;
quotation marks from quote contents. Messages never echo more than
:data:`~communique.annotate.locate.MAX_ECHO` characters of a predicted text.

Officials referenced by ``*_name`` resolve to the declared official whose name or mentions match best
(:mod:`communique.annotate.names`), or else to a name-only official, one per spelling; ``*_span``
references become ``span:START:END`` and are resolved when scored (:mod:`communique.bench.references`).
An identical copy of an earlier line is reported as a duplicate document without being validated again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel, ValidationError

from communique.annotate.anchor import anchored, resolve
from communique.annotate.checks import check_corpus, check_identity, structure_issues
from communique.annotate.locate import MAX_ECHO, NormalisedText, find_text_only, nearest, shorten
from communique.annotate.names import description_score, normalise_name
from communique.annotate.walk import RefNode, SpanNode, walk
from communique.compare.annotations import (
    QUOTATION_MARKS,
    Annotations,
    AttributionItem,
    CommitmentItem,
    Extent,
    MeetingItem,
    MentionItem,
    OfficialItem,
    Source,
    official_keys,
    trim,
)
from communique.corpus.store import CorpusStore
from communique.io.parse import JsonPath, Locator, ParseFailure, decode_utf8, format_path, parse_json, parse_path
from communique.io.read import STDIN as STDIN  # re-exported: bench.scoring names standard input by it
from communique.io.read import InputRefused, open_input, parse_json_line, read_input
from communique.schema.errors import Issue, Severity, issue
from communique.schema.jsontypes import JsonValue
from communique.schema.predictions import (
    REFERENCE_FIELDS,
    SOURCE_FIELDS,
    PredictedCommitment,
    PredictedDocument,
    PredictedMention,
    PredictedSpan,
    PredictedStance,
    read_old_stances,
)

__all__ = ["PredictionSet", "PredictionStream", "parse_predictions", "read_predictions"]

PathLike = str | os.PathLike[str]


@dataclass
class PredictionSet:
    """The predictions of one file: per document in scoring form, with every issue met, located."""

    path: str
    documents: dict[str, Annotations] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    lines: int = 0  # non-blank lines read
    anchoring: Counter[str] = field(default_factory=Counter)  # spans placed by: offsets, text, context; unanchored
    annotators: set[str] = field(default_factory=set)
    _raw: dict[int, str] = field(default_factory=dict, repr=False)  # line number -> line, to locate later issues
    _located: tuple[int, Locator] | None = field(
        default=None, repr=False, compare=False
    )  # the last line's position index

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def locate(self, found: Issue, source: Source) -> Issue:
        """``found`` (raised while scoring an item from ``source``) with file, line and column."""
        column = None
        if source.line is not None and source.line in self._raw:
            if self._located is None or self._located[0] != source.line:  # one index per line, not per issue
                self._located = (source.line, Locator(self._raw[source.line]))
            _, column = self._located[1].find(parse_path(source.path))
        return found.located(source.file, source.line, column)


def read_predictions(path: PathLike, corpus: PathLike = "corpus") -> PredictionSet:
    """Read a prediction file (``-`` for standard input) against the corpus documents in ``corpus``."""
    name = str(path)
    try:
        raw = read_input(path, stdin=True)
    except InputRefused as refused:
        return PredictionSet(name, issues=[refused.issue])
    try:
        text = decode_utf8(raw)
    except ParseFailure as failure:
        return PredictionSet(name, issues=[failure.issue.located(name, failure.issue.line, failure.issue.column)])
    return _read_lines(text.split("\n"), name if name != STDIN else "<stdin>", CorpusStore(Path(corpus)))


class PredictionStream:
    """A prediction file read one document at a time, so that memory does not grow with the file.

    First every line is parsed once for its ``document_id`` (malformed lines and duplicate documents are
    reported then); a document's line is read again and brought into scoring form only when that document
    is scored (:meth:`read`), and the lines of documents without gold are checked at the end
    (:meth:`remaining`). :attr:`summary` gathers the issues, counts and annotators of every line read.
    """

    def __init__(self, path: PathLike, corpus: CorpusStore):
        self.path = Path(path)
        self.store = corpus
        self.summary = PredictionSet(str(path))
        self.where: dict[str, tuple[int, int]] = {}  # document id -> (line number, byte offset)
        self.digests: dict[str, bytes] = {}  # document id -> digest of its line, parsed strictly in this scan
        self._done: set[str] = set()
        self.collapsed: Counter[str] = Counter()
        name = str(path)
        try:
            handle = open_input(self.path)
        except InputRefused as refused:
            self.summary.issues.append(refused.issue)
            return
        digests = self.digests  # document id -> digest of its first line
        columns: dict[tuple[str, bytes], int | None] = {}
        with handle:
            offset = 0
            for number, raw in enumerate(handle, start=1):
                here, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                self.summary.lines += 1
                try:
                    data = parse_json(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
                except (ParseFailure, UnicodeDecodeError):  # JSON, UTF-8, a number or nesting refused
                    self._read_line(number, raw, here)  # reports the problem with its position
                    continue
                doc_id = data.get("document_id") if isinstance(data, dict) else None
                if not isinstance(doc_id, str):
                    self._read_line(number, raw, here)
                    continue
                digest = hashlib.blake2b(raw.rstrip(b"\r\n"), digest_size=16).digest()
                if doc_id in self.where:
                    # an identical copy of the first line needs no second validation, and its column is the same
                    if digests.get(doc_id) != digest and self._read_line(number, raw).errors:
                        continue  # a broken second line is reported for what is wrong with it
                    if (doc_id, digest) not in columns:
                        columns[doc_id, digest] = Locator(raw.decode("utf-8", "replace")).find(("document_id",))[1]
                    column = columns[doc_id, digest]
                    self.summary.issues.append(
                        issue(
                            "prediction-duplicate-document",
                            f"document {doc_id!r} already has predictions",
                            file=name,
                            line=number,
                            column=column,
                            path="$.document_id",
                            hint=f"first on line {self.where[doc_id][0]}",
                        )
                    )
                    continue
                self.where[doc_id] = (number, here)
                digests[doc_id] = digest

    @classmethod
    def indexed(
        cls,
        path: PathLike,
        corpus: CorpusStore,
        where: dict[str, tuple[int, int]],
        digests: dict[str, bytes] | None = None,
    ) -> PredictionStream:
        """A stream over an index made elsewhere (by a parent process, for ``--jobs``): no scan."""
        stream = cls.__new__(cls)
        stream.path, stream.store, stream.where, stream.digests = Path(path), corpus, where, digests or {}
        stream.summary, stream._done, stream.collapsed = PredictionSet(str(path)), set(), Counter()
        return stream

    @property
    def documents(self) -> set[str]:
        return set(self.where)

    def _read_line(self, number: int, raw: bytes, offset: int = 0, parsed: bytes | None = None) -> PredictionSet:
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")  # a BOM only at the start
        except UnicodeDecodeError as exc:  # worded as decode_utf8 words it for a whole file
            found = issue(
                "encoding-error",
                f"byte 0x{raw[exc.start]:02x} at offset {offset + exc.start} is not valid UTF-8",
                hint="save the file as UTF-8",
                file=str(self.path),
                line=number,
                column=exc.start + 1,
            )
            self.summary.issues.append(found)
            return PredictionSet(str(self.path))
        lines = _read_lines([text], str(self.path), self.store, first=number, parsed=parsed)
        self.summary.issues.extend(lines.issues)
        self.summary.anchoring.update(lines.anchoring)
        self.summary.annotators.update(lines.annotators)
        for doc in lines.documents.values():
            self.collapsed.update(doc.collapsed)
        return lines

    def read(self, doc_id: str) -> PredictionSet:
        """The predictions of one document (an empty set when the file has no line for it)."""
        if doc_id not in self.where or doc_id in self._done:
            return PredictionSet(str(self.path))
        self._done.add(doc_id)
        number, offset = self.where[doc_id]
        with open_input(self.path) as handle:
            handle.seek(offset)
            return self._read_line(number, handle.readline(), offset, self.digests.get(doc_id))

    def remaining(self) -> list[str]:
        """Check the lines not read yet (documents without gold); return their document ids."""
        left = [doc_id for doc_id in self.where if doc_id not in self._done]
        for doc_id in left:
            self.read(doc_id)
        return left


def parse_predictions(
    records: Iterable[Mapping[str, object] | BaseModel], corpus: PathLike = "corpus", name: str = "<predictions>"
) -> PredictionSet:
    """Predictions given as mappings (or models), one per document; record ``i`` is reported as line ``i+1``."""

    def lines() -> Iterator[str | Issue]:
        for record in records:
            data = record.model_dump(mode="json", exclude_none=True) if isinstance(record, BaseModel) else record
            try:
                yield json.dumps(data, ensure_ascii=False)
            except (TypeError, ValueError) as exc:  # a value JSON cannot hold
                yield issue("type-error", f"the record is not JSON data: {exc}")

    return _read_lines(lines(), name, CorpusStore(Path(corpus)))


# ------------------------------------------------------------------------------------------ lines


def _read_lines(
    lines: Iterable[str | Issue], name: str, store: CorpusStore, first: int = 1, parsed: bytes | None = None
) -> PredictionSet:
    """The predictions of ``lines`` (numbered from ``first``). ``parsed`` is the digest of a line the caller
    has already parsed strictly (:func:`parse_json`, in :class:`PredictionStream`'s scan): a line with that
    digest, the very same bytes, needs only a plain ``json.loads``, which gives the same value."""
    result = PredictionSet(name)
    first_line: dict[str, int] = {}
    accepted: dict[bytes, tuple[str, int, int | None]] = {}  # digest of an accepted line -> (document, line, column)
    for number, line in enumerate(lines, start=first):
        if isinstance(line, Issue):
            result.issues.append(line.located(name, number, None))
            continue
        if not line.strip():
            continue
        result.lines += 1
        digest = hashlib.blake2b(line.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if digest in accepted:  # an identical copy of an accepted line: a duplicate, without validating it again
            doc_id, earlier, column = accepted[digest]
            if column is None:  # located once, on the first copy
                column = Locator(result._raw[earlier]).find(("document_id",))[1]
                accepted[digest] = (doc_id, earlier, column)
            result.issues.append(
                issue(
                    "prediction-duplicate-document",
                    f"document {doc_id!r} already has predictions",
                    file=name,
                    line=number,
                    column=column,
                    path="$.document_id",
                    hint=f"first on line {earlier}",
                )
            )
            continue
        try:
            data = json.loads(line) if digest == parsed else parse_json_line(line, name, number)
        except ParseFailure as failure:
            result.issues.append(failure.issue)
            continue
        annotations, issues, anchoring = _read_document(data, store, Source(name, number, "$"))
        if annotations is not None and annotations.document_id in first_line:
            issues.append(
                issue(
                    "prediction-duplicate-document",
                    f"document {annotations.document_id!r} already has predictions",
                    path="$.document_id",
                    hint=f"first on line {first_line[annotations.document_id]}",
                )
            )
            annotations = None
        if issues:
            locator = Locator(line)
            result.issues.extend(i.located(name, number, locator.find(parse_path(i.path))[1]) for i in issues)
        if annotations is not None and not any(i.severity is Severity.ERROR for i in issues):
            first_line[annotations.document_id] = number
            accepted[digest] = (annotations.document_id, number, None)
            result.documents[annotations.document_id] = annotations
            result.anchoring.update(anchoring)
            result._raw[number] = line
            annotators = data.get("annotators") if isinstance(data, dict) else None
            if isinstance(annotators, list):
                result.annotators.update(a for a in annotators if isinstance(a, str))
    return result


def _read_document(
    data: JsonValue, store: CorpusStore, source: Source
) -> tuple[Annotations | None, list[Issue], Counter[str]]:
    """Validate one parsed line and bring it into scoring form (``None`` when it has errors)."""
    if not isinstance(data, dict):
        return None, [issue("type-error", f"a line must hold a JSON object, not {type(data).__name__}")], Counter()
    where = read_old_stances(data)  # format 2.0: stance kinds among the commitments move to stances
    annotations, issues, anchoring = _read_current(data, store, source, where)
    issues = [_as_written(i, where) for i in issues]
    if where:  # the warning names the line as written already
        moved = sorted(old[1] for new, old in where.items() if new[0] == "stances")
        kinds = sorted({data["stances"][new[1]].get("kind") for new in where if new[0] == "stances"})
        issues.insert(
            0,
            issue(
                "prediction-old-stances",
                f"{len(moved)} commitment(s) of stance kinds ({', '.join(kinds)}) are read as stances "
                f"(prediction format {data.get('schema_version') or 'without a version'})",
                path=format_path(("commitments", moved[0], "kind")),
                hint='write them in `stances` and set schema_version: "2.1"',
            ),
        )
    return annotations, issues, anchoring


def _as_written(found: Issue, where: Mapping[tuple[str, int], tuple[str, int]]) -> Issue:
    """``found`` with its path as the line was written, before stance kinds moved out of the commitments."""
    if not where or not found.path.startswith("$."):
        return found
    path = parse_path(found.path)
    written = where.get((str(path[0]), path[1])) if len(path) > 1 and isinstance(path[1], int) else None
    return found if written is None else replace(found, path=format_path((*written, *path[2:])))


def _read_current(
    data: Mapping[str, JsonValue], store: CorpusStore, source: Source, where: Mapping[tuple[str, int], tuple[str, int]]
) -> tuple[Annotations | None, list[Issue], Counter[str]]:
    issues: list[Issue] = []
    corpus = check_corpus(data, store, issues)
    anchors: dict[JsonPath, _Placed | _Ambiguous] = {}
    nodes = list(walk(PredictedDocument, data))  # one walk serves anchoring and the reference checks
    if corpus is not None:
        text = corpus.text
        normalised: NormalisedText | None = None
        exact = _Exact(text)
        for node in nodes:
            if isinstance(node, SpanNode) and isinstance(node.value, dict):
                span = node.value
                if anchored(text, span):  # the fast path: offsets that agree with the text need no resolver
                    anchors[node.path] = _Placed(Extent(span["start"], span["end"], span["text"]), "offsets")
                    continue
                if normalised is None and "start" not in span and "end" not in span:
                    normalised = NormalisedText.of(text)  # built once, when a text-only span needs it
                placed = _anchor(normalised or exact, span, node.path, issues)
                if placed is not None:
                    anchors[node.path] = placed
    document: PredictedDocument | None = None
    try:
        document = PredictedDocument.model_validate(data)
    except ValidationError as exc:
        issues.extend(structure_issues(exc, PredictedDocument))
    check_identity(data, issues, PredictedDocument, refs=[n for n in nodes if isinstance(n, RefNode)])
    _check_references(data, issues)
    if document is None or corpus is None or any(i.severity is Severity.ERROR for i in issues):
        return None, issues, Counter()
    builder = _Builder(corpus.text, anchors, source, issues, where)
    return builder.build(document), issues, builder.anchoring


def _check_references(data: Mapping[str, object], issues: list[Issue]) -> None:
    """An official is referenced by at most one of id, name and span; a participant needs exactly one."""

    def check(item: object, path: JsonPath) -> None:
        if not isinstance(item, dict):
            return
        for id_field, others in REFERENCE_FIELDS.items():
            given = [f for f in (id_field, *others) if item.get(f) is not None]
            if len(given) > 1:
                issues.append(
                    issue(
                        "prediction-double-reference",
                        f"{' and '.join(given)} are given together",
                        path=format_path((*path, given[-1])),
                        hint="keep one of them",
                    )
                )
        if path[:1] == ("attributions",):
            given = [f for f in SOURCE_FIELDS if item.get(f) is not None]
            if len(given) > 1 and not all(f.startswith("speaker_") for f in given):  # those are reported above
                issues.append(
                    issue(
                        "prediction-double-reference",
                        f"{' and '.join(given)} are given together; an attribution has one source",
                        path=format_path((*path, given[-1])),
                        hint="keep one of them",
                    )
                )
        if (
            len(path) == 4
            and path[0] in ("meetings", "commitments", "stances")
            and not any(item.get(f) is not None for f in ("official_id", *REFERENCE_FIELDS["official_id"]))
        ):
            what = "a participant" if path[0] == "meetings" else "an actor"
            issues.append(
                issue(
                    "missing-field",
                    f"{what} needs official_id, official_name or official_span",
                    path=format_path(path),
                )
            )

    for layer in ("attributions", "commitments", "stances", "meetings"):
        items = data.get(layer)
        for i, item in enumerate(items if isinstance(items, list) else []):
            check(item, (layer, i))
            nested = {"meetings": "participants", "commitments": "actors", "stances": "actors"}.get(layer)
            if nested is None or not isinstance(item, dict):
                continue
            members = item.get(nested)
            for j, member in enumerate(members if isinstance(members, list) else []):
                check(member, (layer, i, nested, j))


# --------------------------------------------------------------------------------------- anchoring


@dataclass(frozen=True)
class _Placed:
    extent: Extent
    how: str  # offsets (given), text (found once, or by occurrence/prefix/suffix), unanchored


@dataclass(frozen=True)
class _Ambiguous:
    text: str
    candidates: tuple[tuple[int, int], ...]
    found: Issue


def _bounded(found: Issue) -> Issue:
    """``found`` with its message and hint cut to a readable length (a predicted span may be a whole page)."""
    limit = 4 * MAX_ECHO
    if len(found.message) <= limit and (found.hint is None or len(found.hint) <= limit):
        return found
    return replace(
        found,
        message=shorten(found.message, limit),
        hint=None if found.hint is None else shorten(found.hint, limit),
    )


@dataclass(frozen=True)
class _Exact:
    """The document text alone: enough for spans that give offsets (no normalised copy is made for them)."""

    original: str


def _anchor(
    doc: NormalisedText | _Exact, span: Mapping[str, object], path: JsonPath, issues: list[Issue]
) -> _Placed | _Ambiguous | None:
    """Place one raw span; ``None`` when it is too malformed to try (the model validation reports it).

    Offsets are checked exactly against the text; a text-only span is found by whole tokens after the
    typographic normalisation of :mod:`communique.annotate.locate`."""
    quote = span.get("text")
    if not isinstance(quote, str) or not quote:
        return None
    if "start" in span or "end" in span:
        result = resolve(doc.original, span, path)
        if result is None:
            return None
        issues.extend(_bounded(i) for i in result.issues if i.code not in ("span-whitespace", "span-unanchored"))
        if result.start is None or result.end is None:
            return _Placed(Extent.unanchored(quote), "unanchored")
        return _Placed(Extent(result.start, result.end, doc.original[result.start : result.end]), "offsets")
    assert isinstance(doc, NormalisedText)  # made for every text-only span
    found = find_text_only(doc, span)
    places = list(found.places)
    at = format_path((*path, "text"))
    shown = shorten(quote)
    prefix, suffix = span.get("prefix"), span.get("suffix")
    context = " with this prefix/suffix" if isinstance(prefix, str) or isinstance(suffix, str) else ""
    if not places:
        closest = doc.closest(quote)
        hint = (
            f"the closest text that occurs is {shorten(closest)!r}"
            if closest
            else "nothing like it occurs in the document"
        )
        issues.append(
            issue(
                "prediction-span-not-found",
                f"{shown!r} does not occur in the document as whole tokens{context}; scored as a wrong prediction",
                path=at,
                hint=hint + "; quotes, apostrophes, dashes and whitespace are compared normalised",
            )
        )
        return _Placed(Extent.unanchored(quote), "unanchored")
    if found.occurrence is not None and found.chosen is None:
        issues.append(
            issue(
                "prediction-span-not-found",
                f"occurrence {found.occurrence} requested but {shown!r} occurs {len(places)} time(s){context}; "
                "scored as a wrong prediction",
                path=format_path((*path, "occurrence")),
                hint=f"it occurs at {_listing(places)}",
            )
        )
        return _Placed(Extent.unanchored(quote), "unanchored")
    if found.chosen is None:
        ambiguous = issue(
            "prediction-span-ambiguous",
            f"{shown!r} occurs {len(places)} times as whole tokens{context}",
            path=at,
            hint=f"add occurrence (1-{len(places)}) or prefix/suffix; candidates: {_listing(places)}",
        )
        return _Ambiguous(quote, found.places, ambiguous)
    start, end = found.chosen
    return _Placed(Extent(start, end, doc.original[start:end]), "text")


def _listing(places: list[tuple[int, int]], limit: int = 8) -> str:
    shown = ", ".join(f"[{s}, {e})" for s, e in places[:limit])
    return shown + (f" and {len(places) - limit} more" if len(places) > limit else "")


def _content(span: PredictedSpan) -> str:
    """A span's content as one string (every field it has), to order spans independently of their position."""
    return span.model_dump_json(exclude_none=True)


class _Builder:
    """Turns one validated prediction into scoring form: places ambiguous spans, resolves names."""

    def __init__(
        self,
        text: str,
        anchors: dict[JsonPath, _Placed | _Ambiguous],
        source: Source,
        issues: list[Issue],
        where: Mapping[tuple[str, int], tuple[str, int]] | None = None,
    ):
        self.text = text
        self.anchors = anchors
        self.source = source
        self.issues = issues
        self.where = where or {}  # items moved by read_old_stances: (layer, index) -> as written
        self.anchoring: Counter[str] = Counter()
        self.declared: list[OfficialItem] = []
        self.names: dict[str, list[tuple[str, str]]] = {}  # canonical spelling -> [(name, JSON path)]
        self.span_refs: dict[str, Source] = {}

    def place(self, spans: Mapping[JsonPath, PredictedSpan | None], strip: str = "") -> dict[JsonPath, Extent | None]:
        """The extents of one item's spans (``None`` for absent ones), trimmed; an ambiguous span is placed
        by the item's other spans (for a mention: its official's other mentions), else reported and left
        unanchored."""
        out: dict[JsonPath, Extent | None] = {}
        context: list[tuple[int, int]] | None = None  # made when an ambiguous span needs it (most items have none)
        taken: dict[JsonPath, list[tuple[int, int]]] = {}  # places the members of each list hold
        # the ambiguous spans are placed in an order of their content, not of the list, so that the order of a
        # prediction's items changes nothing (two `his` of different forms take the same places either way)
        nears: dict[JsonPath, tuple[int, int] | None] = {}
        ambiguous = [
            (p, a, s) for p, s in spans.items() if s is not None and isinstance(a := self.anchors.get(p), _Ambiguous)
        ]
        if ambiguous:  # the context is made only when a span needs it (most items have none)
            context, taken = self._context(spans)
        for at, unsure, _member in sorted(ambiguous, key=lambda found: (repr(found[0][:-1]), _content(found[2]))):
            listed = isinstance(at[-1], int)
            nears[at] = chosen = nearest(unsure.candidates, context or (), taken.get(at[:-1], ()) if listed else ())
            if chosen is not None and listed:  # the next member of the list takes another place
                taken.setdefault(at[:-1], []).append(chosen)
        for path, span in spans.items():
            if span is None:
                out[path] = None
                continue
            anchor = self.anchors.get(path)
            near = nears.get(path)
            if isinstance(anchor, _Placed):
                extent, how = anchor.extent, anchor.how
            elif near is not None:
                extent, how = Extent(near[0], near[1], self.text[near[0] : near[1]]), "context"
            elif isinstance(anchor, _Ambiguous):
                why = (
                    "two of its places are equally near its item's other spans"
                    if context
                    else ("nothing else in its item places it")
                )
                self.issues.append(
                    replace(anchor.found, message=f"{anchor.found.message} and {why}; scored as a wrong prediction")
                )
                extent, how = Extent.unanchored(anchor.text), "unanchored"
            else:  # not reached for validated documents: every span was anchored or reported
                extent, how = Extent.unanchored(span.text), "unanchored"
            self.anchoring[how] += 1
            out[path] = trim(extent, self.text, strip)
        return out

    def _context(
        self, spans: Mapping[JsonPath, PredictedSpan | None]
    ) -> tuple[list[tuple[int, int]], dict[JsonPath, list[tuple[int, int]]]]:
        """The places of an item's anchored spans, and of the anchored members of each of its lists."""
        context = [
            (a.extent.start, a.extent.end)
            for p in spans
            if isinstance(a := self.anchors.get(p), _Placed) and a.extent.anchored
        ]
        taken: dict[JsonPath, list[tuple[int, int]]] = {}
        for p in spans:
            if isinstance(p[-1], int) and isinstance(a := self.anchors.get(p), _Placed) and a.extent.anchored:
                taken.setdefault(p[:-1], []).append((a.extent.start, a.extent.end))
        return context, taken

    def official_ref(
        self, official_id: str | None, name: str | None, span: Extent | None, path: JsonPath
    ) -> str | None:
        """The ref of a referenced official: by id; by name, the best-matching declared official, or else a
        name-only official (one per canonical spelling); by span, ``span:START:END`` (resolved when scored,
        against the gold mentions first: :func:`communique.bench.speakers.resolve_span_refs`)."""
        if official_id is not None:
            return f"id:{official_id}"
        path = self._written(path)
        if span is not None:
            ref = f"span:{span.start}:{span.end}" if span.anchored else "span:unanchored"
            self.span_refs.setdefault(ref, Source(self.source.file, self.source.line, format_path(path)))
            return ref
        if name is None:
            return None
        best = max(
            (
                (description_score(name, o.description_keys(), o.country), -rank, o.ref)
                for rank, o in enumerate(self.declared)
            ),
            default=(0.0, 0, ""),
        )
        if best[0] > 0:
            return best[2]
        spelling = normalise_name(name) or name.casefold()
        self.names.setdefault(spelling, []).append((name, format_path((*path[:-1], name_field(path)))))
        return f"name:{spelling}"

    def _written(self, path: JsonPath) -> JsonPath:
        """``path`` in the line as written (an item moved from the commitments to the stances)."""
        moved = self.where.get((str(path[0]), path[1])) if len(path) > 1 and isinstance(path[1], int) else None
        return path if moved is None else (*moved, *path[2:])

    def build(self, doc: PredictedDocument) -> Annotations:
        officials: list[OfficialItem] = []
        mentions: list[MentionItem] = []
        for i, o in enumerate(doc.officials):
            listed: dict[JsonPath, PredictedMention] = {
                ("officials", i, "mentions", j): m for j, m in enumerate(o.mentions)
            }
            placed = self.place(listed)
            extents = [placed[p] or Extent.unanchored(m.text) for p, m in listed.items()]
            anchored = frozenset((e.start, e.end) for e in extents if e.anchored)
            keys = official_keys(o.name, ((m.text.strip(), m.form) for m in o.mentions))
            # an official without an id gets a ref made from its content: identical copies collapse
            unanchored = sum(1 for e in extents if not e.anchored)
            ref = (
                f"id:{o.id}"
                if o.id is not None
                else "anon:"
                + hashlib.sha256(repr((o.name, sorted(anchored), keys, unanchored)).encode("utf-8")).hexdigest()[:16]
            )
            where = Source(self.source.file, self.source.line, format_path(("officials", i)))
            officials.append(
                OfficialItem(ref, o.name, keys, anchored, unanchored, False, where, o.confidence, o.title, o.country)
            )
            mentions.extend(MentionItem(e, m.form, ref, m.confidence) for e, m in zip(extents, o.mentions))
        # names resolve against the declared officials in canonical order, so file order never matters
        self.declared = sorted(set(officials), key=lambda o: o.sort_key())

        # predicted sources: the anchored extents of each, by id (an attribution's source_id points here)
        sources: dict[str, tuple[tuple[Extent, ...], str | None]] = {}
        for i, src in enumerate(doc.sources):
            placed = self.place({("sources", i, "mentions", j): m for j, m in enumerate(src.mentions)})
            found = tuple(sorted(e for e in placed.values() if e is not None))
            if src.id is not None:
                sources[src.id] = (found, src.type)

        attributions = []
        for i, a in enumerate(doc.attributions):
            spans: dict[JsonPath, PredictedSpan | None] = {
                ("attributions", i, "contents", j): s for j, s in enumerate(a.contents)
            }
            spans |= {("attributions", i, "cues", j): s for j, s in enumerate(a.cues)}
            spans |= {
                ("attributions", i, "speaker_span"): a.speaker_span,
                ("attributions", i, "addressee_span"): a.addressee_span,
                ("attributions", i, "source_span"): a.source_span,
            }
            placed = self.place(spans)
            contents = {
                p: trim(e, self.text, QUOTATION_MARKS)
                for p, e in placed.items()
                if p[2] == "contents" and e is not None
            }
            speaker = self.official_ref(
                a.speaker_id,
                a.speaker_name,
                placed[("attributions", i, "speaker_span")],
                ("attributions", i, "speaker_span"),
            )
            source: tuple[Extent, ...] = ()
            source_type: str | None = a.source_type
            if a.source_id is not None:
                source, source_type = sources.get(a.source_id, ((), None))
                # a source without anchored mentions still names a source: it matches nothing
                source = source or (Extent.unanchored(a.source_id),)
            elif (span := placed[("attributions", i, "source_span")]) is not None:
                source = (span,)
            attributions.append(
                AttributionItem(
                    tuple(sorted(contents.values())),
                    tuple(sorted(e for p, e in placed.items() if p[2] == "cues" and e is not None)),
                    a.kind,
                    a.speech_act,
                    speaker,
                    source,
                    source_type if source else None,
                    a.source_unresolved,
                    a.confidence,
                )
            )

        meetings = []
        for i, m in enumerate(doc.meetings):
            spans = {("meetings", i, "evidence", j): s for j, s in enumerate(m.evidence)}
            spans |= {("meetings", i, "location"): m.location, ("meetings", i, "time"): m.time}
            spans |= {
                ("meetings", i, "participants", j, "official_span"): p.official_span
                for j, p in enumerate(m.participants)
            }
            placed = self.place(spans)
            confidences: dict[str, float] = {}
            for j, p in enumerate(m.participants):
                path = ("meetings", i, "participants", j, "official_span")
                who = self.official_ref(p.official_id, p.official_name, placed[path], path)
                if who is not None:
                    confidences[who] = max(confidences.get(who, 0.0), 1.0 if p.confidence is None else p.confidence)
            participants = frozenset(confidences)
            meetings.append(
                MeetingItem(
                    tuple(sorted(e for p, e in placed.items() if p[2] == "evidence" and e is not None)),
                    participants,
                    placed[("meetings", i, "location")],
                    placed[("meetings", i, "time")],
                    m.status,
                    m.mode,
                    m.confidence,
                    tuple(sorted((r, c) for r, c in confidences.items() if c < 1.0)),
                )
            )

        acts: dict[str, list[CommitmentItem]] = {"commitments": [], "stances": []}
        layers: tuple[tuple[str, Sequence[PredictedCommitment | PredictedStance]], ...] = (
            ("commitments", doc.commitments),
            ("stances", doc.stances),
        )
        for layer, items in layers:
            for i, c in enumerate(items):
                condition = c.condition if isinstance(c, PredictedCommitment) else None
                fields = {
                    "evidence": c.evidence,
                    "content": c.content,
                    "time": c.time,
                    "modality": c.modality,
                    "condition": condition,
                }
                spans = {(layer, i, k): s for k, s in fields.items()}
                spans |= {(layer, i, "actors", j, "official_span"): a.official_span for j, a in enumerate(c.actors)}
                placed = self.place(spans)
                evidence = placed[(layer, i, "evidence")]
                assert evidence is not None  # required by the model
                actors: dict[str, float] = {}  # ref -> the highest confidence it is given
                for j, actor in enumerate(c.actors):
                    path = (layer, i, "actors", j, "official_span")
                    who = self.official_ref(actor.official_id, actor.official_name, placed[path], path)
                    if who is not None:
                        actors[who] = max(actors.get(who, 0.0), 1.0 if actor.confidence is None else actor.confidence)
                acts[layer].append(
                    CommitmentItem(
                        evidence,
                        placed[(layer, i, "content")],
                        c.kind,
                        frozenset(actors),
                        placed[(layer, i, "time")],
                        c.confidence,
                        tuple(sorted((r, x) for r, x in actors.items() if x < 1.0)),
                        placed[(layer, i, "condition")],
                    )
                )

        return Annotations(
            doc.document_id,
            officials + self._name_only(),
            mentions,
            attributions,
            meetings,
            acts["commitments"],
            acts["stances"],
            span_refs=self.span_refs,
        )

    def _name_only(self) -> list[OfficialItem]:
        out = []
        for spelling, refs in self.names.items():
            names = sorted({n for n, _ in refs})
            where = Source(self.source.file, self.source.line, min(p for _, p in refs))
            out.append(OfficialItem(f"name:{spelling}", names[0], tuple(names), frozenset(), 0, True, where))
        return out


def name_field(path: JsonPath) -> str:
    """The ``*_name`` field that goes with the ``*_span`` field a reference path ends in."""
    return str(path[-1]).replace("_span", "_name")
