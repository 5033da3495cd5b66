"""What the imports from annotation tools share (each tool's own reading is in :mod:`communique.formats`):
span checks, validation and writing the YAML.

An import rebuilds annotation data from a tool's export (read through the tool's typed shapes), checks
every span against the corpus text *where the tool put it* (a span whose text differs from the corpus is
refused, never re-anchored), then runs the same validation as ``communique validate``, which makes it an
:class:`AnnotatedDocument` and places every problem where the tool's export holds the part it is about.
Only when every document is valid is anything written, one ``<document_id>.yaml`` per document, each
atomically.

Imported spans carry offsets and text only: the anchoring hints of hand-written files (``occurrence``,
``prefix``, ``suffix``) are not annotations, and no tool keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from communique.annotate.validate import validate_data
from communique.corpus.store import CorpusStore, CorpusText
from communique.io.parse import JsonPath, dump_round_trip, parse_path
from communique.io.write import check_new_or_forced, write_new_or_forced
from communique.schema.errors import CommuniqueError, Issue, Severity, issue
from communique.schema.jsontypes import JsonObject, JsonValue
from communique.schema.models import AnnotatedDocument

#: The fields of a span that only help to anchor hand-written text; imports do not carry them.
ANCHORING_HINTS = ("occurrence", "prefix", "suffix")


@dataclass
class ImportResult:
    """Validated documents rebuilt from a tool's export, and every problem found on the way."""

    documents: list[AnnotatedDocument] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)


def check_span(corpus: CorpusText, start: int | None, end: int | None, text: str | None, path: str) -> Issue | None:
    """The problem with a span as a tool placed it (code points; None: the tool's offsets fit no code
    point), or None when it matches the corpus."""
    if start is None or end is None or text is None:
        return issue("type-error", "a span needs integer start and end and a text", path=path)
    if not 0 <= start < end <= len(corpus.text):
        return issue(
            "span-out-of-range",
            f"[{start}, {end}) lies outside the document text ({len(corpus.text)} characters)",
            path=path,
        )
    found = corpus.text[start:end]
    if found != text:
        return issue(
            "span-text-mismatch",
            f"the text at [{start}, {end}) is {found!r}, the tool says {text!r}",
            path=path,
            hint="the export was made against another text; it is not re-anchored",
        )
    return None


def span_data(start: int, end: int, text: str) -> JsonObject:
    """A span as annotation data."""
    return {"start": start, "end": end, "text": text}


def validate_rebuilt(
    data: JsonObject, store: CorpusStore, sources: Mapping[JsonPath, tuple[str, int | None]], file: str
) -> tuple[list[Issue], AnnotatedDocument | None]:
    """Validate rebuilt annotation data as ``communique validate`` would.

    The rebuilt document has no lines of its own: each issue is placed where its part of the document came
    from in the tool's export (``sources`` maps document paths to a path and line there; the longest
    matching prefix wins, ``()`` is the fallback), with the document path in the message.
    """
    found, document = validate_data(data, store)
    placed = []
    for problem in found:
        parts = parse_path(problem.path)
        where, line = next((sources[parts[:n]] for n in range(len(parts), -1, -1) if parts[:n] in sources), ("$", None))
        message = f"in the imported document at {problem.path}: {problem.message}"
        placed.append(
            issue(problem.code, message, path=where, hint=problem.hint, file=file, line=line, column=line and 1)
        )
    return placed, document


def strip_hints(document: AnnotatedDocument) -> AnnotatedDocument:
    """``document`` without anchoring hints: what an import of its export gives back."""
    return AnnotatedDocument.model_validate(_without_hints(document.model_dump()))


def _without_hints(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        hints = ANCHORING_HINTS if "start" in value and "text" in value else ()
        return {k: _without_hints(v) for k, v in value.items() if k not in hints}
    if isinstance(value, list):
        return [_without_hints(v) for v in value]
    return value


def render_yaml(document: AnnotatedDocument, source: str) -> str:
    """The YAML of an imported document: spans and participants on one line each, as in the gold files."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def build(value: JsonValue, flow: bool = False) -> object:
        if isinstance(value, dict):
            node = CommentedMap((k, build(v)) for k, v in value.items())
            if flow or "start" in value or "official_id" in value:
                node.fa.set_flow_style()
            return node
        if isinstance(value, list):
            return CommentedSeq(build(v) for v in value)
        return value

    data = document.model_dump(mode="json", exclude_defaults=True)
    # fields that are required but may be null stay, as null: unknown facts are stated as unknown
    root = build(data)
    assert isinstance(root, CommentedMap)  # a document dumps to a mapping
    root.yaml_set_start_comment(f"Imported from {source} by `communique import`.")
    return dump_round_trip(root)


def write_documents(
    documents: Sequence[AnnotatedDocument], out: Path, source: str, *, force: bool = False
) -> list[tuple[Path, Path | None]]:
    """Write one ``<document_id>.yaml`` per document under ``out`` (atomically); return each path with the
    backup kept of the file it replaced, if any.

    ``out`` may be the gold folder: a file there that exists and differs is the user's work, so every file
    is checked before the first is written, and if any would be replaced without ``force`` nothing is
    written and each one is reported (``output-exists``). With ``force`` each is kept as ``FILE.~N~`` first.
    """
    rendered = [(out / f"{document.document_id}.yaml", render_yaml(document, source)) for document in documents]
    refused: list[Issue] = []
    for path, text in rendered:
        try:
            check_new_or_forced(path, text, force=force)
        except CommuniqueError as exc:
            refused.extend(exc.issues)
    if refused:
        raise CommuniqueError(refused)
    return [(path, write_new_or_forced(path, text, force=force)) for path, text in rendered]
