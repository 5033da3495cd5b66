"""``communique anchor``: write resolved offsets into hand-written annotation files.

The file is read with the round-trip loader, so comments, key order and flow style survive; only the
missing ``start``/``end`` keys are added, in front of ``text``. A file is written (atomically) only when
every text-only span in it resolves; otherwise nothing is written and every problem is reported. The file keeps
its byte order mark, line endings, mode and (when it is a symlink) its link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communique.annotate.anchor import resolve
from communique.annotate.walk import SpanNode, walk
from communique.corpus.store import CorpusStore
from communique.io.parse import Locator, ParseFailure, decode_utf8, dump_round_trip, load_round_trip, parse_path
from communique.io.write import encode_like, write_atomic
from communique.schema.errors import CommuniqueError, Issue, Severity, issue
from communique.schema.models import AnnotatedDocument


@dataclass(frozen=True)
class AnchorResult:
    changed: bool
    spans: int  # spans that got offsets
    issues: list[Issue]


def anchor_file(path: Path, corpus_dir: Path, *, write: bool = True) -> AnchorResult:
    """Resolve every text-only span of ``path``; write the file back if all resolve and ``write``."""
    name = str(path)
    try:
        raw = path.read_bytes()
        text = decode_utf8(raw)
        data = load_round_trip(text)
    except OSError as exc:
        return AnchorResult(False, 0, [issue("file-not-found", f"cannot read: {exc.strerror or exc}", file=name)])
    except ParseFailure as failure:
        return AnchorResult(False, 0, [failure.issue.located(name, failure.issue.line, failure.issue.column)])
    if data is None:
        return AnchorResult(False, 0, [issue("empty-file", "the file holds no document", file=name, line=1, column=1)])
    document_id = data.get("document_id") if isinstance(data, dict) else None
    corpus = CorpusStore(corpus_dir).text(document_id) if isinstance(document_id, str) else None
    if corpus is None:
        found = issue("unknown-document", f"no corpus document {document_id!r}", path="$.document_id")
        return AnchorResult(False, 0, [found.located(name, *Locator(text).find(parse_path(found.path)))])

    problems: list[Issue] = []
    pending: list[tuple[Any, int, int]] = []  # round-trip mappings (ruamel CommentedMap)
    for node in walk(AnnotatedDocument, data):
        if not isinstance(node, SpanNode) or not isinstance(node.value, dict):
            continue
        result = resolve(corpus.text, node.value, node.path)
        if result is None:
            continue
        problems.extend(i for i in result.issues if i.severity is Severity.ERROR)
        if not result.written and result.start is not None and result.end is not None:
            pending.append((node.value, result.start, result.end))
    if problems:
        locator = Locator(text)
        return AnchorResult(False, 0, [i.located(name, *locator.find(parse_path(i.path))) for i in problems])
    if not pending:
        return AnchorResult(False, 0, [])
    for mapping, start, end in pending:
        at = list(mapping).index("text")
        mapping.insert(at, "start", start)
        mapping.insert(at + 1, "end", end)
    if write:
        try:
            write_atomic(path, encode_like(dump_round_trip(data), raw))
        except CommuniqueError as exc:
            return AnchorResult(False, 0, exc.issues)
    return AnchorResult(True, len(pending), [])
