"""Printing issues: text (one clickable ``file:line:col:`` line each), JSON, or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from communique.schema.errors import Issue, Severity

FORMATS = ("text", "json", "github")


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
