"""The small public API; each function is one step of the data flow."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from communique.annotate import load as _load
from communique.annotate import migrate as _migrate
from communique.annotate import validate as _validate
from communique.corpus import build as _corpus
from communique.io.parallel import Workers
from communique.schema.errors import CommuniqueError
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


def iter_annotations(
    paths: PathLike | Iterable[PathLike] = "annotations/gold", corpus: PathLike = "corpus", *, jobs: int = 1
) -> Iterator[AnnotatedDocument]:
    """Validated annotation documents, one at a time, in file order (folders are searched, sorted).

    Every file is validated (in ``jobs`` processes); once a problem is found nothing more is yielded, and
    :class:`CommuniqueError` is raised at the end listing every problem, including two files annotating
    the same document."""
    targets = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    for valid in _load.iter_validated([Path(p) for p in targets], Path(corpus), workers=Workers(jobs)):
        yield valid.document


def load_annotations(
    paths: PathLike | Iterable[PathLike] = "annotations/gold", corpus: PathLike = "corpus", *, jobs: int = 1
) -> list[AnnotatedDocument]:
    """Validated annotation documents, one per corpus document; raise :class:`CommuniqueError` listing
    every problem if any file is invalid or two files annotate the same document."""
    return list(iter_annotations(paths, corpus, jobs=jobs))


def migrate_annotations(paths: Iterable[PathLike], *, check: bool = False) -> list[str]:
    """Rewrite annotation files of format 1 or 2.0 (folders are searched) in format 2.1; return the files that changed
    (or would, with ``check``). Raise :class:`CommuniqueError` listing every problem; a file with problems
    is left as it is."""
    changed: list[str] = []
    problems = []
    for path in _validate.find_annotation_files(Path(p) for p in paths):
        result = _migrate.migrate_file(path, write=not check)
        problems.extend(result.issues)
        if result.changed:
            changed.append(str(path))
    if problems:
        raise CommuniqueError(problems)
    return changed
