"""``communique anchor``: write offsets for spans given by their text alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import find_annotation_files
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
from communique.cli.options import add_check, add_corpus, add_format


def cmd_anchor(args: argparse.Namespace, reporter: Reporter) -> int:
    paths, missing = existing(args.paths or [args.project_annotations])
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE, {"check": args.check, "files": 0, "anchored": []})
    files = list(find_annotation_files(paths))
    anchored: list[dict[str, str | int]] = []
    for path in progress(files, "anchor"):
        result = anchor_file(path, Path(args.corpus), write=not args.check)
        reporter.problems(result.issues)
        if result.changed:
            anchored.append({"file": str(path), "spans": result.spans, "proximity": result.proximity})
            # spans whose text occurs several times were placed by their item's other spans: say how many
            near = f", {result.proximity} by proximity to their item's other spans" if result.proximity else ""
            if args.check:  # the result: what needs anchoring
                reporter.text(f"would anchor {result.spans} span(s) in {path}{near}")
            else:  # a message about a file written: stderr
                reporter.note(f"anchored {result.spans} span(s) in {path}{near}")
    reporter.note(summary(reporter.issues, len(files)))
    failing = reporter.issues or (args.check and anchored)
    return reporter.finish(
        EXIT_PROBLEMS if failing else EXIT_OK, {"check": args.check, "files": len(files), "anchored": anchored}
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``anchor`` to the ``communique`` parser's subparsers."""
    anchor = sub.add_parser("anchor", help="write offsets for spans given by text alone")
    anchor.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: annotations)")
    add_corpus(anchor)
    add_check(anchor)
    add_format(anchor, github=True)
    anchor.set_defaults(func=cmd_anchor, project_annotations=ProjectPath("annotations"))
