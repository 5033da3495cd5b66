"""Validation of annotation files: every problem in every file, each located and coded.

The checks, in order, for each file:

1. reading: UTF-8, well-formed YAML/JSON, a mapping at the top;
2. the corpus: the document exists and its sha256 is the one the annotations were made against;
3. anchoring: every span's text matches the document at its offsets (text-only spans are resolved);
4. structure: the Pydantic models (types, required and unknown fields, labels, patterns);
5. identity: unique ids, every reference resolves, country codes exist;
6. consistency (on a well-typed document): direct quotes inside quotation marks, speakers and actors in
   the meetings they are placed in, commitments inside their quotes, no duplicate mentions or participants.

Steps 3 and 5 run on the raw data, so a file with type errors still gets its span and reference problems.
Line and column numbers are looked up only for files that have problems (parse fast, locate slowly).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError

from communique.annotate.anchor import resolve
from communique.annotate.walk import RefNode, SpanNode, _strip, walk
from communique.corpus.build import CorpusView, corpus_view, load_corpus_document
from communique.io.parse import JsonPath, Locator, ParseFailure, decode_utf8, format_path, parse_yaml
from communique.schema.errors import Issue, Severity, issue
from communique.schema.models import ANNOTATION_LAYERS, ID_PATTERN, AnnotatedDocument, CorpusDocument, Span

ANNOTATION_SUFFIXES = (".yaml", ".yml", ".json")
QUOTE_OPENERS = '“"‘«„'
QUOTE_CLOSERS = '”"’»“'


@dataclass
class FileReport:
    """The outcome for one file: its issues and, when it is valid, the document."""

    path: str
    issues: list[Issue] = field(default_factory=list)
    document: AnnotatedDocument | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CorpusText:
    """What validation needs of a corpus document: its text, hash and paragraph ends."""

    id: str
    text: str
    sha256: str
    paragraph_ends: frozenset[int]


#: what the fast readers take from a corpus document file
CORPUS_KEYS = ("id", "text", "sha256", "paragraphs", "headings", "sections", "sentences", "tokens", "metadata")


class CorpusUnreadable(Exception):
    """A corpus document file is broken (it is generated: rebuild it)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason

    def as_issue(self) -> Issue:
        return issue(
            "corpus-invalid",
            f"corpus document {self.path} cannot be read: {self.reason}",
            path="$.document_id",
            hint="run `communique corpus build`",
        )


class CorpusStore:
    """Looks up corpus documents by id, keeping only a few in memory."""

    def __init__(self, corpus_dir: Path):
        self.corpus_dir = Path(corpus_dir)
        self.get = lru_cache(maxsize=8)(self._load)
        self.view = lru_cache(maxsize=8)(self._load_view)
        self.text = lru_cache(maxsize=8)(self._load_text)
        self._raw = lru_cache(maxsize=8)(self._load_raw)  # one JSON parse serves text() and view()

    def _path(self, document_id: str) -> Path | None:
        path = self.corpus_dir / f"{document_id}.json"
        return path if re.fullmatch(ID_PATTERN, document_id) and path.is_file() else None

    def _load(self, document_id: str) -> CorpusDocument | None:
        """The full, validated corpus document (for exports)."""
        path = self._path(document_id)
        return load_corpus_document(path) if path else None

    def _load_raw(self, document_id: str) -> dict[str, Any] | None:
        path = self._path(document_id)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise CorpusUnreadable(path, str(exc)) from None
        missing = [k for k in CORPUS_KEYS if not isinstance(data, dict) or k not in data]
        if missing:
            raise CorpusUnreadable(path, f"missing {', '.join(missing)}")
        return data

    def _load_view(self, document_id: str) -> CorpusView | None:
        """A fast read-only view with the same attributes (for exports of large corpora)."""
        data = self._raw(document_id)
        return corpus_view(data) if data is not None else None

    def _load_text(self, document_id: str) -> CorpusText | None:
        # generated files, checked by `corpus build --check`: read without validating every token
        data = self._raw(document_id)
        if data is None:
            return None
        return CorpusText(data["id"], data["text"], data["sha256"], frozenset(p["end"] for p in data["paragraphs"]))

    def ids(self) -> list[str]:
        return sorted(p.stem for p in self.corpus_dir.glob("*.json"))


def find_annotation_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders to the annotation files under them (sorted); files are passed through."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in ANNOTATION_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def validate_paths(paths: Iterable[Path], corpus_dir: Path) -> Iterator[FileReport]:
    """Validate every annotation file under ``paths``, one at a time."""
    store = CorpusStore(corpus_dir)
    for path in find_annotation_files(paths):
        yield validate_file(path, store)


def _issues_of(args: tuple[Path, Path]) -> list[Issue]:
    path, corpus_dir = args
    return validate_file(path, CorpusStore(corpus_dir)).issues


def validate_issues(files: list[Path], corpus_dir: Path, jobs: int = 1) -> Iterator[list[Issue]]:
    """The issues of each file, in order; with ``jobs > 1`` files are validated in parallel processes."""
    if jobs <= 1:
        store = CorpusStore(corpus_dir)
        for path in files:
            yield validate_file(path, store).issues
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_issues_of, [(path, corpus_dir) for path in files], chunksize=64)


def validate_file(path: Path, store: CorpusStore) -> FileReport:
    """Validate one annotation file and return every issue found, located."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileReport(name, [issue("file-not-found", f"cannot read: {exc.strerror or exc}", file=name)])
    try:
        text = decode_utf8(raw)
        data = parse_yaml(text, is_json=path.suffix == ".json")
    except ParseFailure as failure:
        return FileReport(name, [failure.issue.located(name, failure.issue.line, failure.issue.column)])
    issues, document = validate_data(data, store)
    if issues:
        locator = Locator(text)
        issues = [i.located(name, *locator.find(parse_path(i.path))) for i in issues]
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))  # stable: same-place issues keep check order
    return FileReport(name, issues, document)


def validate_data(data: Any, store: CorpusStore) -> tuple[list[Issue], AnnotatedDocument | None]:
    """Validate parsed annotation data (unlocated issues). Text-only spans in ``data`` get their offsets."""
    if not isinstance(data, dict):
        return [issue("type-error", f"the top level must be a mapping, not {_kind(data)}")], None
    issues: list[Issue] = []
    corpus = _check_corpus(data, store, issues)
    unanchored: set[str] = set()  # spans that could not be anchored: their missing offsets are no news
    nodes = list(walk(AnnotatedDocument, data))
    if corpus is not None:
        for node in nodes:
            if isinstance(node, SpanNode) and isinstance(node.value, dict):
                result = resolve(corpus.text, node.value, node.path)
                if result is None:
                    continue
                issues.extend(result.issues)
                if not result.written and result.start is not None:
                    node.value["start"], node.value["end"] = result.start, result.end
                elif not result.written:
                    unanchored.update(format_path((*node.path, key)) for key in ("start", "end"))
    document: AnnotatedDocument | None = None
    try:
        document = AnnotatedDocument.model_validate(data)
    except ValidationError as exc:
        issues.extend(i for i in _structure_issues(exc) if not (i.code == "missing-field" and i.path in unanchored))
    _check_identity(data, issues, refs=[n for n in nodes if isinstance(n, RefNode)])
    if document is not None and corpus is not None and not _has_errors(issues):
        _check_consistency(document, corpus, issues)
    if _has_errors(issues):
        document = None
    return issues, document


# ------------------------------------------------------------------------------------------ corpus


def _check_corpus(data: dict[str, Any], store: CorpusStore, issues: list[Issue]) -> CorpusText | None:
    document_id = data.get("document_id")
    if not isinstance(document_id, str):
        return None  # missing or mistyped: reported by the model validation
    try:
        corpus = store.text(document_id)
    except CorpusUnreadable as exc:
        issues.append(exc.as_issue())
        return None
    if corpus is None:
        close = difflib.get_close_matches(document_id, store.ids(), n=3)
        issues.append(
            issue(
                "unknown-document",
                f"no corpus document {document_id!r}",
                path="$.document_id",
                hint=f"did you mean {', '.join(map(repr, close))}?"
                if close
                else "run `communique corpus build`; documents live in corpus/<id>.json",
            )
        )
        return None
    sha = data.get("text_sha256")
    if isinstance(sha, str) and sha != corpus.sha256:
        issues.append(
            issue(
                "stale-hash",
                f"annotations were made against text {sha[:12]}…, the corpus document is {corpus.sha256[:12]}…",
                path="$.text_sha256",
                hint="the text changed: re-check every span, then update text_sha256",
            )
        )
    return corpus


# --------------------------------------------------------------------------------------- structure

_TYPE_ERRORS = {"missing": "missing-field", "extra_forbidden": "unknown-field"}


def _structure_issues(exc: ValidationError, root: type[BaseModel] = AnnotatedDocument) -> Iterator[Issue]:
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        kind = error["type"]
        code = _TYPE_ERRORS.get(kind) or ("type-error" if kind.endswith("_type") else "invalid-value")
        hint = None
        if code == "missing-field":
            message = f"required field {loc[-1]!r} is missing" if loc else "required field is missing"
        elif code == "unknown-field":
            allowed = _fields_at(loc[:-1], root)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = f"unknown field {loc[-1]!r}"
            hint = f"did you mean {close[0]!r}?" if close else (f"allowed: {', '.join(allowed)}" if allowed else None)
        else:
            message = f"{error['msg']} (got {_show(error.get('input'))})"
        yield issue(code, message, path=format_path(loc), hint=hint)


def _fields_at(loc: JsonPath, root: type[BaseModel] = AnnotatedDocument) -> list[str]:
    """Field names of the model found at ``loc`` inside a ``root`` document."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return []
        core, _ = _strip(info.annotation)
        while getattr(core, "__origin__", None) is list:
            core, _ = _strip(core.__args__[0])
        model = core
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


# ---------------------------------------------------------------------------------------- identity


def _check_identity(
    data: dict[str, Any],
    issues: list[Issue],
    root: type[BaseModel] = AnnotatedDocument,
    refs: list[RefNode] | None = None,
) -> None:
    """Unique ids, resolvable references (``refs``, or those found by walking ``data`` as ``root``),
    existing country codes."""
    seen: dict[str, str] = {}
    ids: dict[str, set[str]] = {layer: set() for layer in ANNOTATION_LAYERS}
    for layer in ANNOTATION_LAYERS:
        items = data.get(layer)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            here = format_path((layer, i, "id"))
            if item_id in seen:
                issues.append(
                    issue(
                        "duplicate-id",
                        f"id {item_id!r} is already used",
                        path=here,
                        hint=f"first used at {seen[item_id]}",
                    )
                )
            else:
                seen[item_id] = here
            ids[layer].add(item_id)
    for node in refs if refs is not None else walk(root, data):
        if isinstance(node, RefNode) and isinstance(node.value, str) and node.value not in ids[node.layer]:
            close = difflib.get_close_matches(node.value, sorted(ids[node.layer]), n=1)
            issues.append(
                issue(
                    "dangling-reference",
                    f"{node.value!r} is not the id of any of the {node.layer}",
                    path=format_path(node.path),
                    hint=f"did you mean {close[0]!r}?" if close else None,
                )
            )
    for layer in ("officials", "commitments"):
        for i, item in enumerate(data.get(layer) or []):
            code = item.get("country") if isinstance(item, dict) else None
            if (
                isinstance(code, str)
                and re.fullmatch(r"[A-Z]{3}", code)
                and pycountry.countries.get(alpha_3=code) is None
            ):
                issues.append(
                    issue(
                        "unknown-country",
                        f"{code!r} is not an ISO 3166-1 alpha-3 code",
                        path=format_path((layer, i, "country")),
                    )
                )


# ------------------------------------------------------------------------------------- consistency


def _check_consistency(doc: AnnotatedDocument, corpus: CorpusText, issues: list[Issue]) -> None:
    text = corpus.text
    mention_at: dict[tuple[int, int], str] = {}
    for i, official in enumerate(doc.officials):
        for j, mention in enumerate(official.mentions):
            key = (mention.start, mention.end)
            here = format_path(("officials", i, "mentions", j))
            if key in mention_at:
                issues.append(
                    issue(
                        "duplicate-mention",
                        f"{mention.text!r} at [{key[0]}, {key[1]}) is already a mention",
                        path=here,
                        hint=f"first at {mention_at[key]}",
                    )
                )
            else:
                mention_at[key] = here
    meetings = {m.id: m for m in doc.meetings}
    for i, meeting in enumerate(doc.meetings):
        seen: set[str] = set()
        for j, participant in enumerate(meeting.participants):
            if participant.official_id in seen:
                issues.append(
                    issue(
                        "duplicate-participant",
                        f"{participant.official_id!r} is listed twice",
                        path=format_path(("meetings", i, "participants", j, "official_id")),
                    )
                )
            seen.add(participant.official_id)
    quotes = {q.id: q for q in doc.quotes}
    for i, quote in enumerate(doc.quotes):
        if quote.addressee_id is not None and quote.addressee_id == quote.speaker_id:
            issues.append(
                issue("self-addressed", "the addressee is the speaker", path=format_path(("quotes", i, "addressee_id")))
            )
        _check_in_meeting(meetings, quote.meeting_id, quote.speaker_id, ("quotes", i, "meeting_id"), issues)
        if quote.kind == "direct":
            for j, content in enumerate(quote.contents):
                if not _inside_quotation_marks(text, corpus, content):
                    issues.append(
                        issue(
                            "direct-quote-unquoted",
                            f"content {_show(content.text)} is not enclosed in quotation marks",
                            path=format_path(("quotes", i, "contents", j)),
                            hint="direct content excludes the marks and runs up to the closing mark "
                            "(or the end of the paragraph when the mark is missing)",
                        )
                    )
    for i, commitment in enumerate(doc.commitments):
        _check_in_meeting(
            meetings, commitment.meeting_id, commitment.actor_id, ("commitments", i, "meeting_id"), issues
        )
        if commitment.quote_id is not None and commitment.quote_id in quotes:
            quote = quotes[commitment.quote_id]
            holders = [*quote.contents, *quote.cues]
            lo = min(s.start for s in holders)
            hi = max(s.end for s in holders)
            if not (lo <= commitment.content.start and commitment.content.end <= hi):
                issues.append(
                    issue(
                        "commitment-outside-quote",
                        f"content [{commitment.content.start}, {commitment.content.end}) is outside quote "
                        f"{quote.id!r} [{lo}, {hi})",
                        path=format_path(("commitments", i, "content")),
                    )
                )


def _check_in_meeting(
    meetings: dict[str, Any], meeting_id: str | None, official_id: str, path: JsonPath, issues: list[Issue]
) -> None:
    meeting = meetings.get(meeting_id) if meeting_id is not None else None
    if meeting is not None and official_id not in {p.official_id for p in meeting.participants}:
        issues.append(
            issue(
                "speaker-not-in-meeting",
                f"{official_id!r} is not a participant of {meeting_id!r}",
                path=format_path(path),
            )
        )


def _inside_quotation_marks(text: str, corpus: CorpusText, span: Span) -> bool:
    """An opening mark right before the span, and a closing mark right after it or the paragraph's end."""
    opened = span.start > 0 and text[span.start - 1] in QUOTE_OPENERS
    closed = span.end < len(text) and text[span.end] in QUOTE_CLOSERS
    return opened and (closed or span.end in corpus.paragraph_ends)


# ------------------------------------------------------------------------------------------ helpers

_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> JsonPath:
    """``$.officials[0].name`` -> ``("officials", 0, "name")``."""
    return tuple(int(m[2]) if m[2] is not None else m[1] for m in _PATH_PART.finditer(path.removeprefix("$")))


def _has_errors(issues: list[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
