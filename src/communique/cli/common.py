"""What every ``communique`` command shares: exit codes, the ``--format`` option, where output goes.

Results go to stdout; problems and progress go to stderr. Exit status: 0 done and clean, 1 problems found,
2 usage error (argparse's own errors exit 2 too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from communique.io.write import write_atomic
from communique.schema.errors import Issue, Severity, issue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "github")
T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on an interactive terminal; silent in CI and when stderr is piped."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm  # type: ignore[import-untyped]  # comes with datasets; only when a bar is shown

    yield from tqdm(items, desc=desc, total=total, unit="doc", file=sys.stderr, leave=False)


def format_text(item: Issue) -> str:
    where = f"{item.file}:{item.line or 1}:{item.column or 1}"
    warn = "warning: " if item.severity is Severity.WARNING else ""
    hint = f" (hint: {item.hint})" if item.hint else ""
    return f"{where}: {item.path}: [{item.code}] {warn}{item.message}{hint}"


def _github_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def format_github(item: Issue) -> str:
    level = "error" if item.severity is Severity.ERROR else "warning"
    props = f"file={_github_escape(item.file, prop=True)},line={item.line or 1},col={item.column or 1}"
    props += f",title={_github_escape(item.code, prop=True)}"
    hint = f" (hint: {item.hint})" if item.hint else ""
    return f"::{level} {props}::{_github_escape(f'{item.path}: {item.message}{hint}')}"


def summary(issues: list[Issue], files: int) -> str:
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    warnings = len(issues) - errors
    bad = len({i.file for i in issues if i.severity is Severity.ERROR})
    if not issues:
        return f"{files} file(s) checked, no problems"
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s) in {bad} file(s)"


def write_report(issues: Iterable[Issue], files: int, fmt: str, out: TextIO) -> None:
    """Write ``issues`` in ``fmt`` to ``out``; the text format ends with a summary line."""
    listed = list(issues)
    if fmt == "json":
        errors = sum(1 for i in listed if i.severity is Severity.ERROR)
        json.dump(
            {
                "files": files,
                "errors": errors,
                "warnings": len(listed) - errors,
                "issues": [i.to_dict() for i in listed],
            },
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
        return
    line = format_github if fmt == "github" else format_text
    for item in listed:
        out.write(line(item) + "\n")
    out.write(summary(listed, files) + "\n")


def print_issues(issues: list[Issue], fmt: str = "text", files: int = 0) -> None:
    write_report(issues, files, fmt, sys.stderr if fmt == "text" else sys.stdout)


def existing(paths: Sequence[str]) -> tuple[list[Path], list[Issue]]:
    """The paths that exist, and a ``file-not-found`` issue for each one that does not."""
    found: list[Path] = []
    missing: list[Path] = []
    for raw in paths:
        path = Path(raw)
        (found if path.exists() else missing).append(path)
    return found, [issue("file-not-found", "no such file or folder", file=str(p)) for p in missing]


def positive(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def emit(text: str, out: str | None) -> None:
    """Write a result to ``out`` (atomically) or, without one, to stdout."""
    if out:
        write_atomic(Path(out), text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
