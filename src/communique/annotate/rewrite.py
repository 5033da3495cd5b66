"""``communique anchor``: write resolved offsets into hand-written annotation files.

The file is read with the round-trip loader, so comments, key order and flow style survive; only the
missing ``start``/``end`` keys are added, in front of ``text``, and a missing ``text_sha256`` is filled in
(a stale one is reported with the right value, and nothing is written). A file is written (atomically) only when
every text-only span in it resolves; otherwise nothing is written and every problem is reported. A span
whose offsets are given is never moved; a text-only span whose text occurs several times takes the place
nearest its item's other spans (:mod:`communique.annotate.locate`), and the count of those is returned. The file keeps
its byte order mark, line endings, mode and (when it is a symlink) its link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from communique.annotate.walk import anchor_spans
from communique.corpus.store import CorpusStore
from communique.io.parse import Locator, ParseFailure, decode_utf8, dump_round_trip, load_round_trip, parse_path
from communique.io.read import InputRefused, read_input
from communique.io.write import encode_like, write_atomic
from communique.schema.errors import CommuniqueError, Issue, Severity, issue
from communique.schema.models import AnnotatedDocument


@dataclass(frozen=True)
class AnchorResult:
    changed: bool
    spans: int  # spans that got offsets
    issues: list[Issue]
    proximity: int = 0  # of those, spans placed by their item's other spans (their text occurs several times)


def anchor_file(path: Path, corpus_dir: Path, *, write: bool = True) -> AnchorResult:
    """Resolve every text-only span of ``path``; write the file back if all resolve and ``write``."""
    name = str(path)
    try:
        raw = read_input(path)
        text = decode_utf8(raw)
        data = load_round_trip(text)
    except InputRefused as refused:
        return AnchorResult(False, 0, [refused.issue])
    except ParseFailure as failure:
        return AnchorResult(False, 0, [failure.issue.located(name, failure.issue.line, failure.issue.column)])
    if data is None:
        return AnchorResult(False, 0, [issue("empty-file", "the file holds no document", file=name, line=1, column=1)])
    document_id = data.get("document_id") if isinstance(data, dict) else None
    corpus = CorpusStore(corpus_dir).text(document_id) if isinstance(document_id, str) else None
    if corpus is None or not isinstance(data, CommentedMap):  # a document id means a mapping
        found = issue("unknown-document", f"no corpus document {document_id!r}", path="$.document_id")
        return AnchorResult(False, 0, [found.located(name, *Locator(text).find(parse_path(found.path)))])

    anchoring = anchor_spans(AnnotatedDocument, data, corpus.text)
    problems = [i for i in anchoring.issues if i.severity is Severity.ERROR]
    sha = data.get("text_sha256")
    if sha is not None and sha != corpus.sha256:  # spans may no longer fit: a person must look first
        problems.append(
            issue(
                "stale-hash",
                f"annotations were made against text {str(sha)[:12]}…, the corpus document is {corpus.sha256[:12]}…",
                path="$.text_sha256",
                hint=f"the text changed: re-check every span, then set text_sha256: {corpus.sha256}",
            )
        )
    pending = anchoring.resolved
    if problems:
        locator = Locator(text)
        return AnchorResult(False, 0, [i.located(name, *locator.find(parse_path(i.path))) for i in problems])
    if sha is None:  # a hand-written file leaves the hash to this command
        at = list(data).index("document_id") + 1 if "document_id" in data else len(data)
        data.insert(at, "text_sha256", corpus.sha256)
    elif not pending:
        return AnchorResult(False, 0, [])
    for mapping, start, end in pending:
        assert isinstance(mapping, CommentedMap)  # the round-trip loader makes every mapping one
        at = list(mapping).index("text")
        mapping.insert(at, "start", start)
        mapping.insert(at + 1, "end", end)
    if write:
        try:
            write_atomic(path, encode_like(dump_round_trip(data), raw))
        except CommuniqueError as exc:
            return AnchorResult(False, 0, exc.issues)
    return AnchorResult(True, len(pending), [], anchoring.by_proximity)
