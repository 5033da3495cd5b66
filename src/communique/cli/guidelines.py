"""``communique guidelines``: the annotation guidelines shipped with this version of communique.

Printed on stdout, or written to ``--out FILE`` (refused over a file that differs unless ``--force``, which
keeps the previous one as ``FILE.~N~``). ``communique init`` puts the same file in every new project as
``annotations/GUIDELINES.md``.
"""

from __future__ import annotations

import argparse

from communique.cli.common import EXIT_OK, Reporter, write_result
from communique.cli.options import add_force, add_format, add_out
from communique.io.write import STDOUT
from communique.schema.guidelines import guidelines_text, guidelines_version

__all__ = ["cmd_guidelines", "register"]


def cmd_guidelines(args: argparse.Namespace, reporter: Reporter) -> int:
    text, version = guidelines_text(), guidelines_version()
    to_file = bool(args.out) and args.out != STDOUT
    result: dict[str, object] = {"guidelines_version": version, "out": args.out if to_file else None}
    if to_file or not reporter.json:  # with --format json and no file, the text goes into the document
        write_result(reporter, text, args.out)
    else:
        result["text"] = text
    return reporter.finish(EXIT_OK, result)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``guidelines`` subcommand to the ``communique`` parser's subparsers."""
    guidelines = sub.add_parser(
        "guidelines",
        help="print the annotation guidelines of this version (or write them to --out FILE)",
        description="The annotation guidelines shipped with communique (init copies them to annotations/).",
    )
    add_out(guidelines, "file")
    add_force(guidelines)
    add_format(guidelines)
    guidelines.set_defaults(func=cmd_guidelines)
