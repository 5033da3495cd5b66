"""The small public API; each function is one step of the data flow."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from communique.annotate import validate as _validate
from communique.corpus import build as _corpus
from communique.schema.errors import CommuniqueError, issue
from communique.schema.models import AnnotatedDocument, CorpusDocument

PathLike = str | os.PathLike[str]


def build_corpus(seeds: PathLike = "seeds", corpus: PathLike = "corpus", *, check: bool = False) -> list[str]:
    """Build ``corpus/<id>.json`` for every seed; return the ids whose file changed (or would, with check)."""
    return [doc_id for doc_id, changed in _corpus.build_corpus(Path(seeds), Path(corpus), check=check) if changed]


def load_corpus_document(path: PathLike) -> CorpusDocument:
    """Read one corpus document."""
    return _corpus.load_corpus_document(Path(path))


def load_corpus(corpus: PathLike = "corpus") -> Iterator[CorpusDocument]:
    """Every corpus document, one at a time."""
    return _corpus.iter_corpus(Path(corpus))


def validate_paths(
    paths: Iterable[PathLike] = ("annotations",), corpus: PathLike = "corpus"
) -> list[_validate.FileReport]:
    """Validate annotation files (folders are searched); one report per file, with the CLI's issues."""
    return list(_validate.validate_paths([Path(p) for p in paths], Path(corpus)))


def load_annotations(
    paths: PathLike | Iterable[PathLike] = "annotations/gold", corpus: PathLike = "corpus"
) -> list[AnnotatedDocument]:
    """Validated annotation documents, one per corpus document; raise :class:`CommuniqueError` listing
    every problem if any file is invalid or two files annotate the same document."""
    targets = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    reports = validate_paths(targets, corpus)
    problems = [i for r in reports for i in r.errors]
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
