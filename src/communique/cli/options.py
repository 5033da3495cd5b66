"""The options that several commands share, each declared once: one name, one type, one help text.

A command adds them with the ``add_*`` functions below instead of ``parser.add_argument``, so the gold folder
is ``--gold`` everywhere, a predictions file ``--predictions FILE`` everywhere, and ``--jobs`` is the same
positive integer wherever work runs in parallel. ``tests/test_cli.py`` checks that an option of the same name
means the same thing on every command, and that the README's command reference lists every option.

An old spelling is kept for one release as a deprecated alias (:data:`DEPRECATED`): it still works, says so on
stderr, and is left out of ``--help``.

A path option takes a URL too (``s3://bucket/corpus``, ``gs://...``, ``memory://...``): its type
(:class:`PathType`) marks a URL as a :class:`~communique.io.staging.Url` of the option's kind, which
:func:`communique.cli.common.run` stages (:mod:`communique.io.staging`); ``file://PATH`` is the local ``PATH``.
A local path is passed on as it is. An output file (``--out FILE``) is written to a URL directly
(:mod:`communique.io.write`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Literal

from communique.io.parallel import ENGINES
from communique.io.remote import is_url, local_path
from communique.io.staging import ANNOTATIONS, CORPUS, EXPORT, FILE, FILES, SEEDS, TREE, Kind, Url

__all__ = [
    "DEPRECATED",
    "PathType",
    "ProjectPath",
    "add_check",
    "add_corpus",
    "add_force",
    "add_format",
    "add_gold",
    "add_jobs",
    "add_out",
    "add_predictions",
    "add_seeds",
    "add_strict",
    "deprecated_alias",
    "positive",
]

#: old spelling -> the option that replaces it; the old one goes in the release after next
DEPRECATED = {
    "--annotations": "--gold",
    "--pred": "--predictions",
}


class ProjectPath(str):
    """An option's default that names a folder of the project (``corpus``, ``seeds``, ``gold``, ...): resolved
    (by :func:`communique.cli.common.run`) against the ``communique.toml`` found from the current folder upward,
    as git finds its repository; a path given on the command line is used as it is."""

    __slots__ = ()


class PathType:
    """An argparse type for an option that takes a path: a local path as given (``file://PATH`` as ``PATH``), a
    URL as a :class:`~communique.io.staging.Url` of ``kind`` (``None``: an output file, written to the URL
    directly, left unmarked). A :class:`ProjectPath` default passes through, to be resolved later."""

    def __init__(self, kind: Kind | None) -> None:
        self.kind = kind
        self.__name__ = f"{kind.name if kind else 'output'} path"  # what argparse calls the type in messages

    def __call__(self, value: str) -> str:
        if isinstance(value, ProjectPath):
            return value
        path = local_path(value)
        return Url(path, self.kind) if self.kind is not None and is_url(path) else path


#: the types of the path options, one object each (``tests/test_cli.py`` compares them across commands)
CORPUS_PATH = PathType(CORPUS)
SEEDS_PATH = PathType(SEEDS)
ANNOTATIONS_PATH = PathType(ANNOTATIONS)  # --gold, --passes, validate's PATHs: a file, or a folder of them
PREDICTIONS_PATH = PathType(FILE)
INPUT_PATH = PathType(FILES)  # convert's INPUT, import brat's DIR: a file, or a folder's files (brat)
INPUT_FILE = PathType(FILE)  # one file to read (import label-studio's EXPORT.json)
EXPORT_FOLDER = PathType(EXPORT)  # --out DIR of an export: written whole, with a manifest
OUTPUT_FOLDER = PathType(TREE)  # --out DIR of separate files (synth, schema, import)
OUTPUT_FILE = PathType(None)


def positive(value: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


class _Deprecated(argparse.Action):
    """An old spelling of an option: stores what the new one would, and says on stderr to use the new one."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        replacement: str,
        nargs: int | None = None,
        const: object = None,
        type: Callable[[str], object] | argparse.FileType | None = None,
        metavar: str | tuple[str, ...] | None = None,
        default: object = None,
        help: str | None = None,
    ) -> None:
        self.replacement = replacement
        super().__init__(
            option_strings, dest, nargs=nargs, const=const, default=default, type=type, help=help, metavar=metavar
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stderr.write(
            f"{parser.prog}: warning: {option_string} is deprecated and goes in a later release; "
            f"use {self.replacement}\n"
        )
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def deprecated_alias(parser: argparse._ActionsContainer, old: str, new: argparse.Action) -> None:
    """Accept ``old`` as a hidden, deprecated spelling of the option ``new`` (already added to ``parser``, a
    parser or an argument group); a flag stays a flag."""
    flag = new.nargs == 0
    parser.add_argument(
        old,
        dest=new.dest,
        action=_Deprecated,
        replacement=new.option_strings[0],
        nargs=0 if flag else None,
        const=new.const if flag else None,
        type=str if flag or new.type is None else new.type,  # str, like no type at all, leaves the text as it is
        metavar=new.metavar,
        default=argparse.SUPPRESS,  # the new option's default stands
        help=argparse.SUPPRESS,
    )


def add_format(parser: argparse.ArgumentParser, *, github: bool = False, extra: Sequence[str] = ()) -> None:
    """``--format``: ``text`` (default) and ``json``, ``github`` for commands reporting problems in files,
    and any ``extra`` formats of the command's own (such as ``markdown`` tables)."""
    choices = ("text", *extra, "json", *(("github",) if github else ()))
    parser.add_argument("--format", choices=choices, default="text", help="output format (default: text)")


def add_force(parser: argparse.ArgumentParser) -> None:
    """``--force``, on every command that writes a file the user may have edited."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an output file that exists and differs, keeping the previous one as FILE.~N~ "
        "(without --force it is left as it is and the command exits 1)",
    )


def add_check(parser: argparse.ArgumentParser) -> None:
    """``--check``, on every command that rewrites files: say what would change, change nothing."""
    parser.add_argument(
        "--check", action="store_true", help="write nothing; list what would change and exit 1 if anything would"
    )


def add_strict(parser: argparse.ArgumentParser) -> None:
    """``--strict``: warnings are problems, and no validation record is trusted."""
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (an item still marked `review: draft`, say) as problems: exit 1, and an export "
        "writes nothing; every check runs again (no validation record is trusted)",
    )


def add_corpus(parser: argparse.ArgumentParser) -> None:
    """``--corpus DIR``: the corpus folder (default: the project's)."""
    parser.add_argument(
        "--corpus",
        metavar="DIR",
        type=CORPUS_PATH,
        default=ProjectPath("corpus"),
        help="corpus folder (default: the project's)",
    )


def add_seeds(parser: argparse.ArgumentParser) -> None:
    """``--seeds DIR``: the seed folder (default: the project's)."""
    parser.add_argument(
        "--seeds",
        metavar="DIR",
        type=SEEDS_PATH,
        default=ProjectPath("seeds"),
        help="seed folder (default: the project's)",
    )


def add_gold(parser: argparse.ArgumentParser) -> None:
    """``--gold PATH``: the gold annotations (``--annotations``, deprecated)."""
    action = parser.add_argument(
        "--gold",
        metavar="PATH",
        type=ANNOTATIONS_PATH,
        default=ProjectPath("gold"),
        help="gold annotation file or folder (default: the project's annotations/gold)",
    )
    deprecated_alias(parser, "--annotations", action)


def add_predictions(parser: argparse._ActionsContainer) -> None:
    """``--predictions FILE``: an extractor's predictions, JSON Lines (``--pred``, deprecated). ``parser`` may be
    a mutually exclusive group."""
    action = parser.add_argument(
        "--predictions",
        metavar="FILE",
        type=PREDICTIONS_PATH,
        help="an extractor's predictions: JSON Lines, one object per document",
    )
    deprecated_alias(parser, "--pred", action)


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``, ``--engine process|dask`` and ``--scheduler ADDRESS``: how many workers run a
    corpus-wide command, and where. They reach the work together, as one :class:`~communique.io.parallel.Workers`
    (``args.workers``, made by :func:`communique.cli.common.run`)."""
    parser.add_argument(
        "--jobs",
        type=positive,
        default=1,
        metavar="N",
        help="worker processes (default: 1); the output is the same for any number",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="process",
        help="process: a local pool of --jobs processes (default); dask: Dask distributed (the `dask` extra)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the scheduler of a running cluster (e.g. tcp://10.0.0.1:8786); "
        "default: a LocalCluster of --jobs worker processes",
    )


def add_out(
    parser: argparse.ArgumentParser,
    kind: Literal["file", "folder"],
    *,
    default: str | None = None,
    required: bool = False,
    export: bool = False,
) -> None:
    """``--out``: a ``file`` (written atomically; stdout without one, or with ``-``) or a ``folder``: an
    ``export``'s (written whole, with its manifest) or one of separate files."""
    if kind == "file":
        where = "" if required else " instead of stdout ('-': stdout)"
        help = f"write the result to FILE (atomically){where}"
        metavar = "FILE"
    else:
        help = "output folder"
        metavar = "DIR"
    if default is not None and default != "-":
        help += f" (default: {default})"
    path = OUTPUT_FILE if kind == "file" else EXPORT_FOLDER if export else OUTPUT_FOLDER
    parser.add_argument("--out", metavar=metavar, type=path, default=default, required=required, help=help)
