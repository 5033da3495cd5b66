"""The options that several commands share, each declared once: one name, one type, one help text.

A command adds them with the ``add_*`` functions below instead of ``parser.add_argument``, so the gold folder
is ``--gold`` everywhere, a predictions file ``--predictions FILE`` everywhere, and ``--jobs`` is the same
positive integer wherever work runs in parallel. ``tests/test_cli.py`` checks that an option of the same name
means the same thing on every command, and that the README's command reference lists every option.

An old spelling is kept for one release as a deprecated alias (:data:`DEPRECATED`): it still works, says so on
stderr, and is left out of ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, Literal

from communique.io.parallel import ENGINES

__all__ = [
    "DEPRECATED",
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

    def __init__(self, option_strings: Sequence[str], dest: str, *, replacement: str, **kwargs: Any) -> None:
        self.replacement = replacement
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        sys.stderr.write(
            f"{parser.prog}: warning: {option_string} is deprecated and goes in a later release; "
            f"use {self.replacement}\n"
        )
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def deprecated_alias(parser: Any, old: str, new: argparse.Action) -> None:
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
        type=None if flag else new.type,
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
        "--corpus", metavar="DIR", default=ProjectPath("corpus"), help="corpus folder (default: the project's)"
    )


def add_seeds(parser: argparse.ArgumentParser) -> None:
    """``--seeds DIR``: the seed folder (default: the project's)."""
    parser.add_argument(
        "--seeds", metavar="DIR", default=ProjectPath("seeds"), help="seed folder (default: the project's)"
    )


def add_gold(parser: argparse.ArgumentParser) -> None:
    """``--gold PATH``: the gold annotations (``--annotations``, deprecated)."""
    action = parser.add_argument(
        "--gold",
        metavar="PATH",
        default=ProjectPath("gold"),
        help="gold annotation file or folder (default: the project's annotations/gold)",
    )
    deprecated_alias(parser, "--annotations", action)


def add_predictions(parser: Any) -> None:
    """``--predictions FILE``: an extractor's predictions, JSON Lines (``--pred``, deprecated). ``parser`` may be
    a mutually exclusive group."""
    action = parser.add_argument(
        "--predictions", metavar="FILE", help="an extractor's predictions: JSON Lines, one object per document"
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
) -> None:
    """``--out``: a ``file`` (written atomically; stdout without one, or with ``-``) or a ``folder``."""
    if kind == "file":
        where = "" if required else " instead of stdout ('-': stdout)"
        help = f"write the result to FILE (atomically){where}"
        metavar = "FILE"
    else:
        help = "output folder"
        metavar = "DIR"
    if default is not None and default != "-":
        help += f" (default: {default})"
    parser.add_argument("--out", metavar=metavar, default=default, required=required, help=help)
