"""The ``communique`` command: assembles the parser from one module per command family.

Results go to stdout, diagnostics and progress to stderr. Exit status: 0 done and clean, 1 problems found,
2 usage error (see :mod:`communique.cli.common`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from communique.cli import (
    anchor,
    bench,
    convert,
    corpus,
    draft,
    export,
    extract,
    migrate,
    project,
    review,
    schema,
    synth,
    tools,
    validate,
)
from communique.cli.common import EXIT_OK, run
from communique.version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="communique", description="Build, validate, review, export and score the communique corpus."
    )
    parser.add_argument("--version", action="version", version=f"communique {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # one registration line per command module, in the order `communique --help` lists them
    corpus.register(sub)
    validate.register(sub)
    anchor.register(sub)
    draft.register(sub)
    migrate.register(sub)
    schema.register(sub)
    review.register(sub)
    synth.register(sub)
    export.register(sub)
    tools.register(sub)
    convert.register(sub)
    bench.register(sub)
    extract.register(sub)
    project.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `communique validate | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
