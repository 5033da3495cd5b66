"""``communique validate``: check annotation files and report every problem."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from communique.annotate.validate import find_annotation_files, validate_outcomes
from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    ProjectPath,
    Reporter,
    existing,
    progress,
    summary,
)
from communique.cli.options import ANNOTATIONS_PATH, add_corpus, add_format, add_jobs, add_strict
from communique.schema.errors import Issue, Severity


def cmd_validate(args: argparse.Namespace, reporter: Reporter) -> int:
    paths, missing = existing(args.paths or [args.project_annotations])
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE, {"files": 0, "schemas": {}})
    issues: list[Issue] = []
    files = list(find_annotation_files(paths))
    schemas: dict[str, str | None] = {}
    outcomes = validate_outcomes(files, Path(args.corpus), args.workers)
    for path, (found, version) in zip(files, progress(outcomes, "validate", total=len(files)), strict=True):
        reporter.problems(found)
        issues.extend(found)
        schemas[str(path)] = version
    reporter.text(summary(issues, len(files)) + _versions(schemas))
    failing = any(i.severity is Severity.ERROR or args.strict for i in issues)
    return reporter.finish(EXIT_PROBLEMS if failing else EXIT_OK, {"files": len(files), "schemas": schemas})


def _versions(schemas: dict[str, str | None]) -> str:
    """`` (schema 2.0: 3 file(s), 1: 1 file(s))``: the annotation formats the files are in."""
    counts = Counter(v for v in schemas.values() if v is not None)
    if not counts:
        return ""
    return " (schema " + ", ".join(f"{v}: {n} file(s)" for v, n in sorted(counts.items())) + ")"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``validate`` to the ``communique`` parser's subparsers."""
    validate = sub.add_parser("validate", help="check annotation files; report every problem")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", type=ANNOTATIONS_PATH, help="files or folders (default: annotations)"
    )
    add_corpus(validate)
    add_format(validate, github=True)
    add_strict(validate)
    add_jobs(validate)
    validate.set_defaults(func=cmd_validate, project_annotations=ProjectPath("annotations"))
