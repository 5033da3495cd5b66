"""One stream of validated annotation documents, for every stage that reads the gold.

Every annotation file under the given paths is validated (in batches, by the given ``workers``), every problem
is collected, and a second file annotating a document already seen is refused (``duplicate-document``).
Valid documents come out in a deterministic order — the order of the paths, each folder's files sorted —
whatever the workers are. Once any problem has been found nothing more comes out; when the input is exhausted a
:class:`~communique.schema.errors.CommuniqueError` lists every problem in every file, so a stage consuming
the stream abandons its half-done output.

:func:`iter_validated` yields the documents one at a time with a fast view of their corpus documents.
:func:`map_validated` runs a function over each batch of files inside the worker that validates them,
handing it the valid documents one at a time as they are validated, and yields its results (the export
builds its Arrow tables there, the benchmark scores there): memory holds a few results, not the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar, cast

from communique.annotate.records import RecordSettings, record_settings, record_valid, trusted_document
from communique.annotate.validate import FileReport, find_annotation_files, validate_file
from communique.corpus.store import CorpusStore, CorpusView
from communique.io.parallel import SERIAL, Workers, ordered_map
from communique.io.read import InputRefused, read_input
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import AnnotatedDocument

__all__ = ["BATCH_FILES", "Validated", "duplicate_issue", "iter_validated", "map_validated", "use_store"]

C = TypeVar("C")
R = TypeVar("R")

BATCH_FILES = 32  # files per unit of parallel work


@dataclass(frozen=True)
class Validated:
    """A valid annotation document, the view of its corpus document, and the file it came from."""

    document: AnnotatedDocument
    corpus: CorpusView
    path: str


@dataclass
class _Outcome(Generic[R]):
    """What validating one batch produced: per file, its problems and the document it holds; the work's result."""

    files: list[tuple[str, list[Issue], str | None]] = field(default_factory=list)  # (file, errors, document id)
    result: R | None = None
    ok: bool = False  # no problems in the batch: the result may be used


def duplicate_issue(document_id: str, first: str, again: str) -> Issue:
    """The problem of a second file (``again``) annotating a document already annotated in ``first``."""
    return issue(
        "duplicate-document", f"{document_id!r} is also annotated in {first}", file=again, path="$.document_id"
    )


def use_store(store: CorpusStore) -> CorpusStore:
    """The per-worker context of work that needs only the corpus store."""
    return store


def _open(corpus: Path | CorpusStore, setup: Callable[[CorpusStore], C]) -> tuple[CorpusStore, C]:
    store = corpus if isinstance(corpus, CorpusStore) else CorpusStore(corpus)
    return store, setup(store)


def _corpus_of(corpus: Path | CorpusStore, workers: Workers) -> Path | CorpusStore:
    """A store given is shared in this process (its cache serves the caller too); workers open their own."""
    if isinstance(corpus, CorpusStore):
        return corpus if workers.serial else corpus.corpus_dir
    return Path(corpus)


def _validated_once(path: Path, store: CorpusStore, records: RecordSettings) -> FileReport:
    """The file's report: from its validation record when an authentic one vouches for these bytes and this
    corpus document (parse only), else from validating it (and recording it when it is valid)."""
    try:
        raw = read_input(path)
    except InputRefused:
        return validate_file(path, store)  # which reports the unreadable file
    document = trusted_document(raw, path.suffix, store, records)
    if document is not None:
        return FileReport(str(path), [], document)
    report = validate_file(path, store)
    if report.document is not None and report.sha256 is not None:
        record_valid(report.sha256, path.suffix, report.document.document_id, store, records)
    return report


def _validate_batch(
    work: Callable[[C, Iterator[Validated]], R],
    records: RecordSettings,
    context: tuple[CorpusStore, C],
    files: list[Path],
) -> _Outcome[R]:
    store, work_context = context
    outcome: _Outcome[R] = _Outcome()
    remaining = iter(files)
    failed = False

    def check(path: Path) -> FileReport:
        nonlocal failed
        report = _validated_once(path, store, records)
        document = report.document
        outcome.files.append((report.path, report.errors, document.document_id if document else None))
        failed = failed or not report.ok
        return report

    def documents() -> Iterator[Validated]:  # validated as the work asks: one document in memory at a time
        for path in remaining:
            report = check(path)
            if failed:
                return  # nothing will be used: the rest is only validated
            if report.document is not None:
                corpus = store.view(report.document.document_id)
                assert corpus is not None  # validation resolved it
                yield Validated(report.document, corpus, report.path)

    result = work(work_context, documents())
    for path in remaining:  # after a problem (or files the work did not ask for): every problem is wanted
        check(path)
    if not failed:
        outcome.result, outcome.ok = result, True
    return outcome


def map_validated(
    paths: Iterable[Path],
    corpus: Path | CorpusStore,
    work: Callable[[C, Iterator[Validated]], R],
    *,
    setup: Callable[[CorpusStore], C],
    workers: Workers = SERIAL,
    batch: int = BATCH_FILES,
) -> Iterator[R]:
    """``work(context, documents)`` for each batch of ``batch`` annotation files under ``paths``, in order.

    ``documents`` is an iterator: each file is validated when the work asks for the next document, so a
    worker holds one document at a time. ``corpus`` is the corpus folder, or a store to share (with
    :data:`SERIAL` workers; other workers open their own). ``context = setup(store)`` is made once per worker.

    Results are yielded only while no problem has been found; at the end, any problem raises
    :class:`CommuniqueError` listing them all. Unless ``workers`` is serial, ``work`` and ``setup`` must be picklable
    (module-level functions, or partials of them).
    """
    files = list(find_annotation_files(paths))
    problems: list[Issue] = []
    seen: dict[str, str] = {}
    outcomes = ordered_map(
        # the record settings of this process (folder, --strict, CI) go with the work to every worker
        partial(_validate_batch, work, record_settings()),
        (files[i : i + batch] for i in range(0, len(files), batch)),
        setup=partial(_open, _corpus_of(corpus, workers), setup),
        workers=workers,
    )
    for outcome in outcomes:
        for path, errors, document_id in outcome.files:  # file by file: the problems' order is the files'
            problems.extend(errors)
            if document_id is None:
                continue
            if document_id in seen:
                problems.append(duplicate_issue(document_id, seen[document_id], path))
            seen.setdefault(document_id, path)
        if not problems and outcome.ok:
            yield cast(R, outcome.result)  # what the work returned (which may be None)
    if problems:
        raise CommuniqueError(problems)


def _keep(store: CorpusStore, valid: Iterator[Validated]) -> list[Validated]:
    return list(valid)


def _identify(store: CorpusStore, valid: Iterator[Validated]) -> list[tuple[AnnotatedDocument, str]]:
    return [(v.document, v.path) for v in valid]  # the parent adds the corpus views: they are not pickled


def iter_validated(
    paths: Iterable[Path], corpus: Path | CorpusStore, *, workers: Workers = SERIAL
) -> Iterator[Validated]:
    """Every valid annotation document under ``paths`` with its corpus view, one at a time, in file order.

    Raises :class:`CommuniqueError` with every problem (after the last file) if any file is invalid or
    two files annotate the same document.
    """
    if workers.serial:  # one document at a time, in this process
        for valid in map_validated(paths, corpus, _keep, setup=use_store, batch=1):
            yield from valid
        return
    store = corpus if isinstance(corpus, CorpusStore) else CorpusStore(Path(corpus))
    for documents in map_validated(paths, corpus, _identify, setup=use_store, workers=workers):
        for document, path in documents:
            view = store.view(document.document_id)
            assert view is not None  # validation resolved it
            yield Validated(document, view, path)
