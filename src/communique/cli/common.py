"""What every ``communique`` command shares: exit codes, the ``--format`` option, where output goes.

One interface on every command:

* exit status 0 done and clean, 1 problems found, 2 usage error (argparse's own errors exit 2 too);
* results go to stdout, problems, notes and progress to stderr;
* ``--format text`` (default) or ``json`` everywhere, plus ``github`` (workflow-command annotations) where a
  command reports problems in files. With ``json``, stdout holds exactly one JSON document with a ``"version"``
  key (:data:`JSON_VERSION`), the ``"command"``, the command's result and its ``"problems"`` (which also go to
  stderr as text);
* bad input never ends in a traceback: a :class:`CommuniqueError` becomes located messages and exit 1;
* a path option given a URL works on a local stand-in (:mod:`communique.io.staging`), and every message names
  the URL.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

from communique.cli.options import ProjectPath as ProjectPath
from communique.cli.options import add_force as add_force  # declared there; importable from here too
from communique.cli.options import add_format as add_format
from communique.cli.options import positive as positive
from communique.io.parallel import Engine, Workers, connected
from communique.io.staging import Staging, Url
from communique.io.write import STDOUT, write_new_or_forced
from communique.schema.errors import CommuniqueError, Issue, Severity, issue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: the version of the JSON documents the commands print; bump it when a key changes meaning or goes away
JSON_VERSION = 1
#: the keys of every JSON document, besides the command's own
ENVELOPE = frozenset({"version", "command", "errors", "warnings", "problems"})
T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on an interactive terminal; silent in CI and when stderr is piped."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm  # type: ignore[import-untyped]  # comes with datasets; only when a bar is shown

    yield from tqdm(items, desc=desc, total=total, unit="doc", file=sys.stderr, leave=False)


def format_text(item: Issue) -> str:
    """One problem as a clickable ``FILE:LINE:COL: JSON.PATH: [code] message`` line (always one line: a
    message quoting text with line breaks shows them escaped)."""
    where = f"{item.file}:{item.line or 1}:{item.column or 1}"
    warn = "warning: " if item.severity is Severity.WARNING else ""
    hint = f" (hint: {item.hint})" if item.hint else ""
    return _one_line(f"{where}: {item.path}: [{item.code}] {warn}{item.message}{hint}")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _github_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def format_github(item: Issue) -> str:
    """One problem as a GitHub Actions workflow command, which annotates the file in a pull request."""
    level = "error" if item.severity is Severity.ERROR else "warning"
    props = f"file={_github_escape(item.file, prop=True)},line={item.line or 1},col={item.column or 1}"
    props += f",title={_github_escape(item.code, prop=True)}"
    hint = f" (hint: {item.hint})" if item.hint else ""
    return f"::{level} {props}::{_github_escape(f'{item.path}: {item.message}{hint}')}"


#: how many files with problems the closing line of a check names (the problems above name them all)
NAMED_FILES = 5


def summary(issues: list[Issue], files: int) -> str:
    """The closing line of a check over files: how many were checked, the errors and warnings found, and
    the files they are in (the first :data:`NAMED_FILES` by name, errors or warnings alike)."""
    errors, warnings = count(issues)
    if not issues:
        return f"{files} file(s) checked, no problems"
    bad = sorted({i.file for i in issues})
    named = ", ".join(bad[:NAMED_FILES]) + (f" and {len(bad) - NAMED_FILES} more" if len(bad) > NAMED_FILES else "")
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s) in {len(bad)} file(s): {named}"


def existing(paths: Sequence[str]) -> tuple[list[Path], list[Issue]]:
    """The paths that exist, and a ``file-not-found`` issue for each one that does not."""
    found: list[Path] = []
    missing: list[Path] = []
    for raw in paths:
        path = Path(raw)
        (found if path.exists() else missing).append(path)
    return found, [issue("file-not-found", "no such file or folder", file=str(p)) for p in missing]


def count(issues: Iterable[Issue]) -> tuple[int, int]:
    """(errors, warnings) among ``issues``."""
    listed = list(issues)
    errors = sum(1 for i in listed if i.severity is Severity.ERROR)
    return errors, len(listed) - errors


class Reporter:
    """Where one command run's output goes, in the format the user asked for.

    Commands call :meth:`problems` for every issue (printed to stderr at once), :meth:`note` for diagnostics,
    :meth:`text` for their result in the text formats, and end with ``return reporter.finish(status, result)``,
    which prints the JSON document when ``--format json`` was asked for.
    """

    def __init__(self, command: str, fmt: str = "text", *, stdout: TextIO | None = None, stderr: TextIO | None = None):
        self.command = command
        self.format = fmt
        self.issues: list[Issue] = []
        self.finished = False
        #: --force: replace an existing output file (keeping it as FILE.~N~); see :func:`add_force`
        self.force = False
        #: the local stand-ins of the command's URLs, if any: messages name the URLs; see :meth:`complete_remote`
        self.staging: Staging | None = None
        self._remote_completed = False
        self._stdout, self._stderr = stdout, stderr

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout  # looked up late so that pytest's capsys sees the output

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @property
    def json(self) -> bool:
        return self.format == "json"

    def problems(self, issues: Iterable[Issue]) -> None:
        """Report ``issues`` on stderr (GitHub annotations with ``--format github``, text otherwise)."""
        line = format_github if self.format == "github" else format_text
        for found in issues:
            if self.staging is not None:
                found = self.staging.show_issue(found)
            self.issues.append(found)
            self.stderr.write(line(found) + "\n")

    def note(self, message: str) -> None:
        """A diagnostic (what was written, a summary): stderr, in every format."""
        self.stderr.write(self.show(message) + "\n")

    def text(self, text: str) -> None:
        """The result in the text formats; ignored with ``--format json`` (the result goes into the document)."""
        if not self.json:
            text = self.show(text)
            self.stdout.write(text if text.endswith("\n") else text + "\n")

    def show(self, text: str) -> str:
        """``text`` naming the command's URLs where it names their local stand-ins."""
        return text if self.staging is None else self.staging.show(text)

    def usage(self, message: str) -> int:
        """A usage error found after parsing (a bad combination of values): a message and exit 2."""
        self.stderr.write(f"communique {self.command}: error: {self.show(message)}\n")
        return self.finish(EXIT_USAGE)

    def document(self, result: Mapping[str, object] | None = None) -> dict[str, object]:
        """The JSON document: version, command, the result's keys, then the problems and their counts."""
        errors, warnings = count(self.issues)
        clash = ENVELOPE & set(result or {})
        if clash:  # a bug in communique: a command's result must not hide the envelope
            raise ValueError(f"{self.command}: result keys {sorted(clash)} clash with the JSON envelope")
        if result and self.staging is not None:
            result = self.staging.show_value(result)
        return {
            "version": JSON_VERSION,
            "command": self.command,
            **(result or {}),
            "errors": errors,
            "warnings": warnings,
            "problems": [i.to_dict() for i in self.issues],
        }

    def finish(self, status: int, result: Mapping[str, object] | None = None, *, out: str | None = None) -> int:
        """End the run: print the JSON document if asked for (once; to the file ``out`` if given, atomically),
        and return the exit status. What the command wrote for its URLs is copied to them first
        (:meth:`complete_remote`)."""
        status = self.complete_remote(status)
        if self.json and not self.finished:
            write_result(self, dump_json(self.document(result)), out)
        self.finished = True
        return status

    def complete_remote(self, status: int) -> int:
        """Once, at the end: write back what the command created or changed in the stand-ins of its URLs and
        publish its remote exports (:meth:`Staging.complete`); the status, raised to 1 if that failed."""
        if self.staging is None or self._remote_completed:
            return status
        self._remote_completed = True
        notes, problems = self.staging.complete()
        for message in notes:
            self.note(message)
        self.problems(problems)
        return max(status, EXIT_PROBLEMS) if count(problems)[0] else status


def dump_json(value: object) -> str:
    """``value`` as indented JSON text, non-ASCII kept, ending in a newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write_result(reporter: Reporter, text: str, out: str | None) -> None:
    """A result that may go to a file: written safely to ``out`` (see :mod:`communique.io.write`), or to stdout
    without one or with ``-``. An existing ``out`` holding something else is refused unless ``--force``."""
    text = reporter.show(text)
    if out and out != STDOUT:
        write_file(reporter, out, text)
        reporter.note(f"wrote {out}")
    else:
        reporter.stdout.write(text)


def write_file(reporter: Reporter, path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write one file the user may have edited: refused (``output-exists``) over a file holding something
    else unless ``--force``, which first keeps it as ``FILE.~N~`` and says so on stderr."""
    backup = write_new_or_forced(path, data, force=reporter.force)
    if backup is not None:
        reporter.note(f"kept the previous {os.fspath(path)} as {backup}")


def command_name(args: argparse.Namespace) -> str:
    """The command as typed: ``validate``, ``corpus build``, ``export hf``."""
    words = [args.command, getattr(args, "action", None), getattr(args, "target", None)]
    return " ".join(w for w in words if w)


def resolve_project_paths(args: argparse.Namespace) -> None:
    """Replace every :class:`ProjectPath` default in ``args`` by the project's folder (relative to the current
    folder where it lies below it, so messages stay short)."""
    found: list[Any] = []

    def resolve(value: ProjectPath) -> str:
        if not found:
            from communique.io.project import find_project

            found.append(find_project())
        path = found[0].path(str(value))
        relative = os.path.relpath(path)
        return relative if not relative.startswith("..") else str(path)

    for name, value in vars(args).items():
        if isinstance(value, ProjectPath):
            setattr(args, name, resolve(value))
        elif isinstance(value, list) and any(isinstance(v, ProjectPath) for v in value):
            setattr(args, name, [resolve(v) if isinstance(v, ProjectPath) else v for v in value])


def workers_of(args: argparse.Namespace) -> Workers:
    """The workers of a command: ``--jobs``, ``--engine`` and ``--scheduler`` as one value (one worker, in
    this process, for a command without them); ``--scheduler`` without ``--engine dask`` is a usage error."""
    engine: Engine = getattr(args, "engine", "process")
    scheduler = getattr(args, "scheduler", None)
    if scheduler and engine != "dask":
        raise CommuniqueError([issue("engine-unavailable", "--scheduler needs --engine dask", file="-")])
    return Workers(getattr(args, "jobs", 1), engine, scheduler)


def run(args: argparse.Namespace) -> int:
    """Run the parsed command with a :class:`Reporter`; bad input ends in located messages, never a traceback.

    The command finds its workers in ``args.workers`` (see :func:`workers_of`): on dask, one client serves
    every parallel map of the command and is closed when it ends."""
    from communique.annotate.records import checks_only

    reporter = Reporter(command_name(args), getattr(args, "format", "text"))
    reporter.force = bool(getattr(args, "force", False))
    try:
        # --strict: every check runs; no validation record is trusted (README: "One validation per pipeline")
        with connected(workers_of(args)) as args.workers, checks_only(bool(getattr(args, "strict", False))):
            return _call(args, reporter)
    except RuntimeError as exc:  # the dask engine without Dask installed, or its cluster unreachable
        if getattr(args, "engine", "process") != "dask":
            raise
        reporter.problems([issue("engine-unavailable", str(exc), file="-")])
        return reporter.finish(EXIT_USAGE)
    except OSError as exc:  # e.g. no scheduler at --scheduler
        if getattr(args, "engine", "process") != "dask":
            raise
        reporter.problems([issue("engine-unavailable", f"cannot reach the Dask scheduler: {exc}", file="-")])
        return reporter.finish(EXIT_USAGE)
    except CommuniqueError as exc:  # a usage problem with the engine options
        reporter.problems(exc.issues)
        return reporter.finish(EXIT_USAGE)


def stage_urls(args: argparse.Namespace, staging: Staging) -> None:
    """Replace every URL among ``args`` (a :class:`~communique.io.staging.Url`, as the path options' types mark
    them) by its local stand-in; every refusal of every URL is raised at once."""
    refused: list[Issue] = []

    def stage(value: object) -> object:
        if not isinstance(value, Url):
            return value
        try:
            return staging.stage(value, value.kind)
        except CommuniqueError as exc:
            refused.extend(exc.issues)
            return value

    for name, value in vars(args).items():
        if isinstance(value, Url):
            setattr(args, name, stage(value))
        elif isinstance(value, list) and any(isinstance(v, Url) for v in value):
            setattr(args, name, [stage(v) for v in value])
    if refused:
        raise CommuniqueError(refused)


def _call(args: argparse.Namespace, reporter: Reporter) -> int:
    staging = Staging()
    try:
        resolve_project_paths(args)
        stage_urls(args, staging)
        if staging.active:
            reporter.staging = staging
        if len(inspect.signature(args.func).parameters) == 1:
            # a command written before the Reporter (``cmd(args)``): it runs, but it owes the one interface;
            # tests/test_cli.py names every command without ``--format``
            return reporter.complete_remote(int(args.func(args)))
        return reporter.complete_remote(int(args.func(args, reporter)))
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        return reporter.finish(EXIT_PROBLEMS)
    except BrokenPipeError:  # e.g. `communique validate | head`: the reader has all it wants
        raise
    except OSError as exc:  # a path that cannot be read or written, met after the command's own checks
        where = str(exc.filename) if exc.filename is not None else "-"
        reporter.problems([issue("io-error", exc.strerror or str(exc), file=where)])
        return reporter.finish(EXIT_PROBLEMS)
    finally:
        staging.close()
