"""``communique anchor``: write offsets for spans given by their text alone."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import find_annotation_files
from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, existing, print_issues, progress
from communique.schema.errors import Issue


def cmd_anchor(args: argparse.Namespace) -> int:
    paths, missing = existing(args.paths or ["annotations"])
    if missing:
        print_issues(missing)
        return EXIT_USAGE
    files = list(find_annotation_files(paths))
    problems: list[Issue] = []
    changed = 0
    for path in progress(files, "anchor"):
        result = anchor_file(path, Path(args.corpus), write=not args.check)
        problems.extend(result.issues)
        if result.changed:
            changed += 1
            print(f"{'would anchor' if args.check else 'anchored'} {result.spans} span(s) in {path}")
    print_issues(problems, files=len(files))
    return EXIT_PROBLEMS if problems or (args.check and changed) else EXIT_OK


def register(sub: Any) -> None:
    """Add ``anchor`` to the ``communique`` parser's subparsers."""
    anchor = sub.add_parser("anchor", help="write offsets for spans given by text alone")
    anchor.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: annotations)")
    anchor.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    anchor.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file needs anchoring")
    anchor.set_defaults(func=cmd_anchor)
