"""Reading prediction files: JSON Lines, one :class:`~communique.schema.predictions.PredictedDocument` per line.

Each line goes through the checks ``communique validate`` makes (same codes, located by line, column and
JSON path), and then into scoring form (:class:`~communique.bench.annotations.Annotations`):

* **fatal** (errors: the file is not scored): malformed JSON, fields the schema does not define, wrong
  types or labels, an unknown document, a stale ``text_sha256``, offsets that contradict their text or lie
  outside the document, duplicate ids, ``*_id`` references that resolve to nothing, a reference given both
  by id and by name, two lines for one document;
* **reported and counted** (warnings): a text-only span whose text does not occur, or occurs more than
  once with nothing to say which. The span becomes *unanchored*: it still counts as a prediction, and
  matches nothing.

An ambiguous text-only span of a quote, meeting or commitment is placed by its item: the occurrence
nearest to the item's other, unambiguous spans is taken (a cue ``said`` next to its quote). Mentions have no
such context. Edge whitespace is trimmed from every span; quotation marks from quote contents.

Officials referenced by ``*_name`` resolve to the declared official whose name or mentions match best
(:mod:`communique.annotate.names`), or else to a name-only official, one per spelling.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from communique.annotate.anchor import find_all, fits, resolve
from communique.annotate.checks import check_corpus, check_identity, structure_issues
from communique.annotate.names import name_score, normalise_name
from communique.annotate.walk import RefNode, SpanNode, walk
from communique.bench.annotations import (
    QUOTATION_MARKS,
    Annotations,
    CommitmentItem,
    Extent,
    MeetingItem,
    MentionItem,
    OfficialItem,
    QuoteItem,
    Source,
    official_keys,
    trim,
)
from communique.corpus.store import CorpusStore
from communique.io.parse import (
    DuplicateKey,
    JsonPath,
    Locator,
    ParseFailure,
    decode_utf8,
    format_path,
    long_json_int,
    no_duplicate_keys,
    parse_path,
)
from communique.schema.errors import Issue, Severity, issue
from communique.schema.predictions import NAME_FIELDS, PredictedDocument

__all__ = ["PredictionSet", "PredictionStream", "parse_predictions", "read_predictions"]

PathLike = str | os.PathLike[str]
STDIN = "-"
#: layers whose ambiguous spans may be placed by the other spans of their item
CONTEXT_LAYERS = ("quotes", "meetings", "commitments")


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
            _, column = Locator(self._raw[source.line]).find(parse_path(source.path))
        return found.located(source.file, source.line, column)


def read_predictions(path: PathLike, corpus: PathLike = "corpus") -> PredictionSet:
    """Read a prediction file (``-`` for standard input) against the corpus documents in ``corpus``."""
    name = str(path)
    try:
        raw = sys.stdin.buffer.read() if name == STDIN else Path(path).read_bytes()
    except OSError as exc:
        return PredictionSet(name, issues=[issue("file-not-found", f"cannot read: {exc.strerror or exc}", file=name)])
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
        self._done: set[str] = set()
        self.collapsed: Counter[str] = Counter()
        name = str(path)
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            self.summary.issues.append(issue("file-not-found", f"cannot read: {exc.strerror or exc}", file=name))
            return
        with handle:
            offset = 0
            for number, raw in enumerate(handle, start=1):
                here, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                self.summary.lines += 1
                try:
                    data = json.loads(raw)
                except (ValueError, RecursionError):  # JSON, UTF-8 or an over-long integer
                    self._read_line(number, raw, here)  # reports the problem with its position
                    continue
                doc_id = data.get("document_id") if isinstance(data, dict) else None
                if not isinstance(doc_id, str):
                    self._read_line(number, raw, here)
                    continue
                if doc_id in self.where:
                    if self._read_line(number, raw).errors:
                        continue  # a broken second line is reported for what is wrong with it
                    column = Locator(raw.decode("utf-8", "replace")).find(("document_id",))[1]
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

    @classmethod
    def indexed(cls, path: PathLike, corpus: CorpusStore, where: dict[str, tuple[int, int]]) -> PredictionStream:
        """A stream over an index made elsewhere (by a parent process, for ``--jobs``): no scan."""
        stream = cls.__new__(cls)
        stream.path, stream.store, stream.where = Path(path), corpus, where
        stream.summary, stream._done, stream.collapsed = PredictionSet(str(path)), set(), Counter()
        return stream

    @property
    def documents(self) -> set[str]:
        return set(self.where)

    def _read_line(self, number: int, raw: bytes, offset: int = 0) -> PredictionSet:
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
        lines = _read_lines([text], str(self.path), self.store, first=number)
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
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return self._read_line(number, handle.readline(), offset)

    def remaining(self) -> list[str]:
        """Check the lines not read yet (documents without gold); return their document ids."""
        left = [doc_id for doc_id in self.where if doc_id not in self._done]
        for doc_id in left:
            self.read(doc_id)
        return left


def parse_predictions(
    records: Iterable[Mapping[str, Any] | BaseModel], corpus: PathLike = "corpus", name: str = "<predictions>"
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


def _read_lines(lines: Iterable[str | Issue], name: str, store: CorpusStore, first: int = 1) -> PredictionSet:
    result = PredictionSet(name)
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=first):
        if isinstance(line, Issue):
            result.issues.append(line.located(name, number, None))
            continue
        if not line.strip():
            continue
        result.lines += 1
        try:
            data = json.loads(line, object_pairs_hook=no_duplicate_keys)
        except json.JSONDecodeError as exc:
            result.issues.append(
                issue(
                    "json-syntax",
                    exc.msg,
                    file=name,
                    line=number,
                    column=exc.colno,
                    hint="each line must be one JSON object (JSON Lines)",
                )
            )
            continue
        except DuplicateKey as exc:
            result.issues.append(issue("json-syntax", f"duplicate key {exc.args[0]!r}", file=name, line=number))
            continue
        except ValueError:  # an integer longer than json converts
            found = long_json_int(line).issue
            result.issues.append(found.located(name, number, found.column))
            continue
        except RecursionError:
            result.issues.append(issue("too-deep", "the line is nested too deeply to read", file=name, line=number))
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
            result.documents[annotations.document_id] = annotations
            result.anchoring.update(anchoring)
            result._raw[number] = line
            result.annotators.update(a for a in data.get("annotators") or [] if isinstance(a, str))
    return result


def _read_document(
    data: Any, store: CorpusStore, source: Source
) -> tuple[Annotations | None, list[Issue], Counter[str]]:
    """Validate one parsed line and bring it into scoring form (``None`` when it has errors)."""
    if not isinstance(data, dict):
        return None, [issue("type-error", f"a line must hold a JSON object, not {type(data).__name__}")], Counter()
    issues: list[Issue] = []
    corpus = check_corpus(data, store, issues)
    anchors: dict[JsonPath, _Placed | _Ambiguous] = {}
    nodes = list(walk(PredictedDocument, data))  # one walk serves anchoring and the reference checks
    if corpus is not None:
        for node in nodes:
            if isinstance(node, SpanNode) and isinstance(node.value, dict):
                placed = _anchor(corpus.text, node.value, node.path, issues)
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
    builder = _Builder(corpus.text, anchors, source, issues)
    return builder.build(document), issues, builder.anchoring


def _check_references(data: dict[str, Any], issues: list[Issue]) -> None:
    """An official is referenced by id or by name, not both; a participant needs one of them."""

    def check(item: Any, path: JsonPath) -> None:
        if not isinstance(item, dict):
            return
        for id_field, name_field in NAME_FIELDS.items():
            if item.get(id_field) is not None and item.get(name_field) is not None:
                issues.append(
                    issue(
                        "prediction-double-reference",
                        f"both {id_field} and {name_field} are given",
                        path=format_path((*path, name_field)),
                        hint="keep one of them",
                    )
                )
        if (
            path[:1] == ("meetings",)
            and "participants" in path
            and item.get("official_id") is None
            and item.get("official_name") is None
        ):
            issues.append(
                issue("missing-field", "a participant needs official_id or official_name", path=format_path(path))
            )

    for layer in ("quotes", "commitments", "meetings"):
        items = data.get(layer)
        for i, item in enumerate(items if isinstance(items, list) else []):
            check(item, (layer, i))
            participants = item.get("participants") if layer == "meetings" and isinstance(item, dict) else None
            for j, participant in enumerate(participants if isinstance(participants, list) else []):
                check(participant, (layer, i, "participants", j))


# --------------------------------------------------------------------------------------- anchoring


@dataclass(frozen=True)
class _Placed:
    extent: Extent
    how: str  # offsets (given), text (found once, or by occurrence/prefix/suffix), unanchored


@dataclass(frozen=True)
class _Ambiguous:
    text: str
    candidates: tuple[int, ...]
    found: Issue


def _anchor(text: str, span: dict[str, Any], path: JsonPath, issues: list[Issue]) -> _Placed | _Ambiguous | None:
    """Place one raw span; ``None`` when it is too malformed to try (the model validation reports it)."""
    result = resolve(text, span, path)
    if result is None:
        return None
    quote: str = span["text"]
    for found in result.issues:
        if found.code in ("span-unanchored", "span-whitespace"):
            continue  # text alone is the normal case here; edge whitespace is trimmed
        if found.code == "span-ambiguous":
            starts = tuple(
                s
                for s in find_all(text, quote)
                if fits(text, s, s + len(quote), span.get("prefix"), span.get("suffix"))
            )
            return _Ambiguous(quote, starts, found)
        if found.code == "span-not-found":
            issues.append(
                issue(
                    "prediction-span-not-found",
                    f"{found.message}; scored as a wrong prediction",
                    path=found.path,
                    hint=found.hint,
                )
            )
        else:
            issues.append(found)  # offsets that contradict the text: the extractor is wrong about offsets
    if result.start is None or result.end is None:
        return _Placed(Extent.unanchored(quote), "unanchored")
    return _Placed(
        Extent(result.start, result.end, text[result.start : result.end]), "offsets" if result.written else "text"
    )


def _nearest(candidates: tuple[int, ...], length: int, lo: int, hi: int) -> int:
    """The candidate start closest to ``[lo, hi)`` (inside it is distance 0); ties go to the earliest."""
    return min(candidates, key=lambda s: (max(0, lo - (s + length), s - hi), s))


class _Builder:
    """Turns one validated prediction into scoring form: places ambiguous spans, resolves names."""

    def __init__(self, text: str, anchors: dict[JsonPath, _Placed | _Ambiguous], source: Source, issues: list[Issue]):
        self.text = text
        self.anchors = anchors
        self.source = source
        self.issues = issues
        self.anchoring: Counter[str] = Counter()
        self.declared: list[OfficialItem] = []
        self.names: dict[str, list[tuple[str, str]]] = {}  # canonical spelling -> [(name, JSON path)]

    def place(self, spans: dict[JsonPath, Any], layer: str, strip: str = "") -> dict[JsonPath, Extent | None]:
        """The extents of one item's spans (``None`` for absent ones), trimmed; an ambiguous span is placed
        by the item's other spans where the layer allows it, else reported and left unanchored."""
        out: dict[JsonPath, Extent | None] = {}
        context = [a.extent for p in spans if isinstance(a := self.anchors.get(p), _Placed) and a.extent.anchored]
        for path, span in spans.items():
            if span is None:
                out[path] = None
                continue
            anchor = self.anchors.get(path)
            if isinstance(anchor, _Placed):
                extent, how = anchor.extent, anchor.how
            elif isinstance(anchor, _Ambiguous) and context and layer in CONTEXT_LAYERS:
                lo, hi = min(e.start for e in context), max(e.end for e in context)
                start = _nearest(anchor.candidates, len(anchor.text), lo, hi)
                extent, how = Extent(start, start + len(anchor.text), anchor.text), "context"
            elif isinstance(anchor, _Ambiguous):
                why = (
                    "nothing else in its item places it"
                    if layer in CONTEXT_LAYERS
                    else "mentions are not placed by context"
                )
                self.issues.append(
                    issue(
                        "prediction-span-ambiguous",
                        f"{anchor.found.message} and {why}; scored as a wrong prediction",
                        path=anchor.found.path,
                        hint=anchor.found.hint,
                    )
                )
                extent, how = Extent.unanchored(anchor.text), "unanchored"
            else:  # not reached for validated documents: every span was anchored or reported
                extent, how = Extent.unanchored(span.text), "unanchored"
            self.anchoring[how] += 1
            out[path] = trim(extent, self.text, strip)
        return out

    def official_ref(self, official_id: str | None, name: str | None, path: JsonPath) -> str | None:
        """The ref of a referenced official: by id; by name, the best-matching declared official, or else a
        name-only official (one per canonical spelling)."""
        if official_id is not None:
            return f"id:{official_id}"
        if name is None:
            return None
        best = max(
            ((name_score(name, o.keys), -rank, o.ref) for rank, o in enumerate(self.declared)), default=(0.0, 0, "")
        )
        if best[0] > 0:
            return best[2]
        spelling = normalise_name(name) or name.casefold()
        self.names.setdefault(spelling, []).append((name, format_path(path)))
        return f"name:{spelling}"

    def build(self, doc: PredictedDocument) -> Annotations:
        officials: list[OfficialItem] = []
        mentions: list[MentionItem] = []
        for i, o in enumerate(doc.officials):
            spans = {("officials", i, "mentions", j): m for j, m in enumerate(o.mentions)}
            placed = self.place(spans, "officials")
            extents = [placed[p] or Extent.unanchored(m.text) for p, m in spans.items()]
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
            officials.append(OfficialItem(ref, o.name, keys, anchored, unanchored, False, where))
            mentions.extend(MentionItem(e, m.form, ref) for e, m in zip(extents, o.mentions))
        # names resolve against the declared officials in canonical order, so file order never matters
        self.declared = sorted(set(officials), key=lambda o: o.sort_key())

        quotes = []
        for i, q in enumerate(doc.quotes):
            spans = {("quotes", i, "contents", j): s for j, s in enumerate(q.contents)}
            spans |= {("quotes", i, "cues", j): s for j, s in enumerate(q.cues)}
            placed = self.place(spans, "quotes")
            contents = {
                p: trim(e, self.text, QUOTATION_MARKS)
                for p, e in placed.items()
                if p[2] == "contents" and e is not None
            }
            quotes.append(
                QuoteItem(
                    tuple(sorted(contents.values())),
                    tuple(sorted(e for p, e in placed.items() if p[2] == "cues" and e is not None)),
                    q.kind,
                    self.official_ref(q.speaker_id, q.speaker_name, ("quotes", i, "speaker_name")),
                )
            )

        meetings = []
        for i, m in enumerate(doc.meetings):
            spans = {("meetings", i, "evidence", j): s for j, s in enumerate(m.evidence)}
            spans |= {("meetings", i, "location"): m.location, ("meetings", i, "time"): m.time}
            placed = self.place(spans, "meetings")
            participants = frozenset(
                ref
                for j, p in enumerate(m.participants)
                if (
                    ref := self.official_ref(
                        p.official_id, p.official_name, ("meetings", i, "participants", j, "official_name")
                    )
                )
                is not None
            )
            meetings.append(
                MeetingItem(
                    tuple(sorted(e for p, e in placed.items() if p[2] == "evidence" and e is not None)),
                    participants,
                    placed[("meetings", i, "location")],
                    placed[("meetings", i, "time")],
                    m.status,
                )
            )

        commitments = []
        for i, c in enumerate(doc.commitments):
            fields = {"evidence": c.evidence, "content": c.content, "time": c.time, "modality": c.modality}
            placed = self.place({("commitments", i, k): s for k, s in fields.items()}, "commitments")
            evidence = placed[("commitments", i, "evidence")]
            assert evidence is not None  # required by the model
            commitments.append(
                CommitmentItem(
                    evidence,
                    placed[("commitments", i, "content")],
                    c.kind,
                    self.official_ref(c.actor_id, c.actor_name, ("commitments", i, "actor_name")),
                    placed[("commitments", i, "time")],
                )
            )

        return Annotations(doc.document_id, officials + self._name_only(), mentions, quotes, meetings, commitments)

    def _name_only(self) -> list[OfficialItem]:
        out = []
        for spelling, refs in self.names.items():
            names = sorted({n for n, _ in refs})
            where = Source(self.source.file, self.source.line, min(p for _, p in refs))
            out.append(OfficialItem(f"name:{spelling}", names[0], tuple(names), frozenset(), 0, True, where))
        return out
