"""The ``communique`` command: assembles the parser from one module per command family.

Results go to stdout, diagnostics and progress to stderr. Exit status: 0 done and clean, 1 problems found,
2 usage error (see :mod:`communique.cli.common`).
"""

from __future__ import annotations

import argparse
import gc
import os
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
    guidelines,
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
    guidelines.register(sub)
    return parser


#: ``COMMUNIQUE_GC=default`` keeps Python's own garbage-collector settings (see :func:`tune_gc`)
GC_ENV = "COMMUNIQUE_GC"
#: a young generation of 100,000 objects (Python's default is 700): collections become rare enough that
#: building millions of short-lived rows does not trigger thousands of them
GC_THRESHOLD = (100_000, 50, 100)


def tune_gc() -> bool:
    """Tune the cyclic garbage collector for a batch job; ``False`` when ``COMMUNIQUE_GC=default`` opts out.

    A command allocates millions of objects that live as long as one document (rows, spans, models) and few
    reference cycles. With Python's defaults the collector runs every 700 allocations and its full
    collections walk every object the imports made; measured on a synthetic corpus, ``export hf`` ran about
    1.5x faster, ``validate`` 1.16x and ``bench`` 1.1x with these settings, output byte-identical and no more
    memory. ``gc.freeze()`` moves what exists now (the modules, the parser) out of the collector's sight;
    worker processes forked later inherit both settings. Cycles are still collected, only less often.
    """
    if os.environ.get(GC_ENV, "").strip().lower() == "default":
        return False
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `communique validate | head`
        sys.stderr.close()
        return EXIT_OK


def entry() -> int:
    """The ``communique`` program (console script and ``python -m communique``): :func:`main`, with the
    collector tuned for a batch job first. Tests call :func:`main` in their own process, which keeps its own
    settings."""
    tune_gc()
    return main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry())
