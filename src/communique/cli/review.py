"""``communique agree``, ``stats`` and ``render``: reviewing annotations."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_issues
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, issue
from communique.schema.models import AnnotatedDocument


def _load(paths: Sequence[str], corpus: str) -> list[AnnotatedDocument]:
    """Validated documents from ``paths``; raises CommuniqueError with every problem."""
    from communique.api import load_annotations

    return load_annotations([Path(p) for p in paths], corpus)


def cmd_agree(args: argparse.Namespace) -> int:
    from communique.review.agreement import compare, format_agreement

    try:
        (a,), (b,) = _load([args.a], args.corpus), _load([args.b], args.corpus)
    except CommuniqueError as exc:
        print_issues(exc.issues)
        return EXIT_PROBLEMS
    except ValueError:
        print("each of A and B must hold exactly one annotation document", file=sys.stderr)
        return EXIT_USAGE
    if a.document_id != b.document_id:
        print(f"A annotates {a.document_id!r} but B annotates {b.document_id!r}", file=sys.stderr)
        return EXIT_USAGE
    result = compare(a, b)
    if args.format == "json":
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_agreement(result, args.format))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from communique.review.stats import compute_stats, format_stats

    try:
        docs = _load(args.paths or ["annotations/gold"], args.corpus)
    except CommuniqueError as exc:
        print_issues(exc.issues)
        return EXIT_PROBLEMS
    stats = compute_stats(docs)
    if args.format == "json":
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_stats(stats, args.format))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from communique.corpus.store import CorpusStore
    from communique.review.render import render_html

    try:
        docs = _load([args.annotations], args.corpus)
    except CommuniqueError as exc:
        print_issues(exc.issues)
        return EXIT_PROBLEMS
    wanted = args.document or (docs[0].document_id if len(docs) == 1 else None)
    chosen = [d for d in docs if d.document_id == wanted]
    if not chosen:
        known = ", ".join(sorted(d.document_id for d in docs))
        print(f"say which document to render ({'not found; ' if wanted else ''}known: {known})", file=sys.stderr)
        return EXIT_USAGE
    try:
        corpus = CorpusStore(Path(args.corpus)).get(chosen[0].document_id)
    except ValidationError as exc:  # the committed file is broken (validation read only its text)
        print_issues(
            [
                issue(
                    "corpus-invalid",
                    f"corpus document {chosen[0].document_id!r} is not valid: {exc.error_count()} problem(s)",
                    hint="run `communique corpus build`",
                )
            ]
        )
        return EXIT_PROBLEMS
    assert corpus is not None  # validation resolved it
    write_atomic(Path(args.out), render_html(chosen[0], corpus))
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``agree``, ``stats`` and ``render`` to the ``communique`` parser's subparsers."""
    agree = sub.add_parser("agree", help="inter-annotator agreement between two passes over one document")
    agree.add_argument("a", metavar="A", help="first pass (file or folder with one document)")
    agree.add_argument("b", metavar="B", help="second pass")
    agree.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    agree.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    agree.set_defaults(func=cmd_agree)

    stats = sub.add_parser("stats", help="counts per layer and kind, per document and in total")
    stats.add_argument(
        "paths", nargs="*", metavar="PATH", help="annotation files or folders (default: annotations/gold)"
    )
    stats.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    stats.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    stats.set_defaults(func=cmd_stats)

    render = sub.add_parser("render", help="write a self-contained HTML page to review a document's annotations")
    render.add_argument("document", nargs="?", help="document id (default: the only one)")
    render.add_argument("--out", required=True, help="HTML file to write")
    render.add_argument(
        "--annotations", default="annotations/gold", help="annotation file or folder (default: annotations/gold)"
    )
    render.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    render.set_defaults(func=cmd_render)
