"""Validated annotation documents, all or nothing: what every later stage (scoring, review, exports) reads."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from communique.annotate.validate import validate_paths
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import AnnotatedDocument


def load_annotations(paths: Path | Iterable[Path], corpus_dir: Path) -> list[AnnotatedDocument]:
    """Validated annotation documents (from files, or folders searched), one per corpus document; raise
    :class:`CommuniqueError` listing every problem if any file is invalid or two files annotate the same document."""
    reports = list(validate_paths([paths] if isinstance(paths, Path) else paths, corpus_dir))
    problems: list[Issue] = [i for r in reports for i in r.errors]
    seen: dict[str, str] = {}
    for report in reports:
        if report.document is None:
            continue
        doc_id = report.document.document_id
        if doc_id in seen:
            problems.append(
                issue(
                    "duplicate-document",
                    f"{doc_id!r} is also annotated in {seen[doc_id]}",
                    file=report.path,
                    path="$.document_id",
                )
            )
        seen[doc_id] = report.path
    if problems:
        raise CommuniqueError(problems)
    return [r.document for r in reports if r.document is not None]
