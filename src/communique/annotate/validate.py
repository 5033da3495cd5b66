"""Validation of annotation files: every problem in every file, each located and coded.

The checks, in order, for each file:

1. reading: a regular file within the size cap (:mod:`communique.io.read`), UTF-8, well-formed YAML/JSON, a
   mapping at the top;
2. the corpus: the document exists and its sha256 is the one the annotations were made against;
3. anchoring: every span's text matches the document at its offsets (text-only spans are resolved);
4. structure: the Pydantic models (types, required and unknown fields, labels, patterns);
0. the format: a file in an older format (format 2.0, or no ``schema_version``: format 1) gets
   ``schema-outdated`` only;
5. identity: unique ids, every reference resolves, country codes exist; items still ``review: draft`` warn;
6. consistency (on a well-typed document): direct quotes inside quotation marks, speakers and actors in
   the meetings they are placed in, commitments and stances inside their attributions, no duplicate mentions,
   participants or actors.

Steps 3 and 5 run on the raw data, so a file with type errors still gets its span and reference problems.
Line and column numbers are looked up only for files that have problems (parse fast, locate slowly).
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from pydantic import ValidationError

from communique.annotate.checks import (
    check_consistency,
    check_corpus,
    check_identity,
    check_review,
    has_errors,
    kind_of,
    structure_issues,
)
from communique.annotate.records import RecordSettings, record_settings, record_valid
from communique.annotate.walk import anchor_spans
from communique.corpus.store import CorpusStore
from communique.io.parallel import SERIAL, Workers, ordered_map
from communique.io.parse import Locator, ParseFailure, decode_utf8, parse_path, parse_yaml
from communique.io.read import InputRefused, read_input
from communique.schema.errors import Issue, Severity, issue
from communique.schema.models import SCHEMA_VERSION, AnnotatedDocument
from communique.schema.v20 import V20_VERSION

#: The version reported for a file without ``schema_version``: format 1 had no such field.
V1_VERSION = "1"

ANNOTATION_SUFFIXES = (".yaml", ".yml", ".json")
VALIDATE_BATCH = 64  # files per unit of parallel work (``--jobs``)


@dataclass
class FileReport:
    """The outcome for one file: its issues and, when it is valid, the document."""

    path: str
    issues: list[Issue] = field(default_factory=list)
    document: AnnotatedDocument | None = None
    schema_version: str | None = None  # the file format the file is in; None when it could not be read
    sha256: str | None = None  # of the bytes validated: what a validation record is keyed by

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


def find_annotation_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders to the annotation files under them (sorted); files are passed through.

    An entry with an annotation suffix that is no regular file (a FIFO, socket or device; folders are only
    walked) is listed too, so that reading it reports ``input-not-regular`` rather than hiding it or
    blocking on it."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in ANNOTATION_SUFFIXES
                and _not_folder(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def _not_folder(path: Path) -> bool:
    """Whether ``path`` exists (through a link) and is not a folder."""
    try:
        return not stat.S_ISDIR(path.stat().st_mode)
    except OSError:  # a dangling link, or gone since the folder was listed
        return False


def validate_paths(paths: Iterable[Path], corpus_dir: Path) -> Iterator[FileReport]:
    """Validate every annotation file under ``paths``, one at a time."""
    store = CorpusStore(corpus_dir)
    for path in find_annotation_files(paths):
        yield validate_file(path, store)


def _validation_context(corpus_dir: Path, records: RecordSettings) -> tuple[CorpusStore, RecordSettings]:
    return CorpusStore(corpus_dir), records


def _file_outcome(context: tuple[CorpusStore, RecordSettings], path: Path) -> tuple[list[Issue], str | None]:
    store, records = context
    report = validate_file(path, store)
    if report.document is not None and report.sha256 is not None:  # valid: export and bench may trust it
        record_valid(report.sha256, path.suffix, report.document.document_id, store, records)
    return report.issues, report.schema_version


def validate_outcomes(
    files: list[Path], corpus_dir: Path, workers: Workers = SERIAL
) -> Iterator[tuple[list[Issue], str | None]]:
    """The issues and the schema version of each file, in order, validated by ``workers`` (in parallel unless
    serial). Each valid file gets a validation record, which export and bench trust while it matches."""
    # the record settings of this process go to every worker (a Dask worker has an environment of its own)
    setup = partial(_validation_context, Path(corpus_dir), record_settings())
    return ordered_map(_file_outcome, files, setup=setup, workers=workers, batch=VALIDATE_BATCH)


def validate_issues(files: list[Path], corpus_dir: Path, workers: Workers = SERIAL) -> Iterator[list[Issue]]:
    """The issues of each file, in order, validated by ``workers`` (in parallel unless serial)."""
    return (found for found, _ in validate_outcomes(files, corpus_dir, workers))


def schema_version_of(data: object) -> str | None:
    """The annotation format a parsed file is in: its ``schema_version``; ``"1"`` for a file without one
    (format 1 had no version field); ``None`` for something that is not an annotation mapping."""
    if not isinstance(data, dict):
        return None
    version = data.get("schema_version", V1_VERSION)
    return version if isinstance(version, str) else str(version)


def _version_issue(version: str) -> Issue | None:
    if version == SCHEMA_VERSION:
        return None
    if version in (V1_VERSION, V20_VERSION) or version.startswith("1."):
        return issue(
            "schema-outdated",
            f"the file is in annotation format {version}, this communique reads {SCHEMA_VERSION}",
            path="$.schema_version" if version != V1_VERSION else "$",
            hint="communique migrate FILE",
        )
    return issue(
        "schema-unknown",
        f"unknown annotation format {version!r}",
        path="$.schema_version",
        hint=f'write schema_version: "{SCHEMA_VERSION}"',
    )


def validate_file(path: Path, store: CorpusStore) -> FileReport:
    """Validate one annotation file and return every issue found, located."""
    name = str(path)
    try:
        raw = read_input(path)
    except InputRefused as refused:
        return FileReport(name, [refused.issue])
    try:
        text = decode_utf8(raw)
        data = parse_yaml(text, is_json=path.suffix == ".json")
    except ParseFailure as failure:
        return FileReport(name, [failure.issue.located(name, failure.issue.line, failure.issue.column)])
    issues, document = validate_data(data, store)
    version = schema_version_of(data)
    if issues:
        locator = Locator(text)
        issues = [i.located(name, *locator.find(parse_path(i.path))) for i in issues]
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))  # stable: same-place issues keep check order
    return FileReport(name, issues, document, version, hashlib.sha256(raw).hexdigest())


def validate_data(data: object, store: CorpusStore) -> tuple[list[Issue], AnnotatedDocument | None]:
    """Validate parsed annotation data (unlocated issues). Text-only spans in ``data`` get their offsets."""
    if not isinstance(data, dict):
        return [issue("type-error", f"the top level must be a mapping, not {kind_of(data)}")], None
    version = schema_version_of(data)
    outdated = _version_issue(version) if version is not None else None
    if outdated is not None:  # another format's fields would only bury the one thing to do
        return [outdated], None
    issues: list[Issue] = []
    corpus = check_corpus(data, store, issues)
    anchoring = anchor_spans(AnnotatedDocument, data, corpus.text if corpus is not None else None)
    issues.extend(anchoring.issues)
    for mapping, start, end in anchoring.resolved:
        mapping["start"], mapping["end"] = start, end
    unanchored = anchoring.unanchored  # spans that could not be anchored: their missing offsets are no news
    document: AnnotatedDocument | None = None
    try:
        document = AnnotatedDocument.model_validate(data)
    except ValidationError as exc:
        for found in structure_issues(exc):
            if found.code == "missing-field" and found.path in unanchored:
                continue
            if found.path == "$.text_sha256" and found.code == "missing-field" and corpus is not None:
                found = replace(
                    found, hint=f"text_sha256: {corpus.sha256} (or run `communique anchor`, which writes it)"
                )
            issues.append(found)
    check_identity(data, issues, refs=anchoring.refs)
    check_review(data, issues)
    if document is not None and corpus is not None and not has_errors(issues):
        check_consistency(document, corpus, issues)
    if has_errors(issues):
        document = None
    return issues, document
