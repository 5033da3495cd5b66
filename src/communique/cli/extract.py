"""``communique extract``: run a baseline extractor; write predictions as JSON Lines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit, print_issues
from communique.schema.errors import issue


def cmd_extract(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from communique.api import load_corpus_document
    from communique.extract import METHODS

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print_issues([issue("file-not-found", "no corpus folder", file=str(corpus))])
        return EXIT_USAGE
    unknown = [d for d in args.documents if not (corpus / f"{d}.json").is_file()]
    if unknown:
        print_issues(
            [issue("unknown-document", f"no corpus document {d!r}", file=str(corpus / f"{d}.json")) for d in unknown]
        )
        return EXIT_USAGE
    paths = [corpus / f"{d}.json" for d in args.documents] if args.documents else sorted(corpus.glob("*.json"))
    method = METHODS[args.method]
    lines = []
    for path in paths:
        try:
            doc = load_corpus_document(path)
        except (OSError, ValidationError):
            print_issues(
                [
                    issue(
                        "corpus-stale",
                        "not a readable corpus document",
                        file=str(path),
                        hint="run `communique corpus build`",
                    )
                ]
            )
            return EXIT_PROBLEMS
        lines.append(json.dumps(method(doc), ensure_ascii=False) + "\n")
    emit("".join(lines), args.out)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``extract`` to the ``communique`` parser's subparsers."""
    extract = sub.add_parser(
        "extract",
        help="run a baseline extractor; write predictions as JSON Lines",
        description="Run a baseline extractor over corpus documents.",
    )
    extract.add_argument("documents", nargs="*", metavar="DOCUMENT", help="document ids (default: every document)")
    extract.add_argument("--method", choices=("rules",), default="rules", help="extractor (default: rules)")
    extract.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    extract.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    extract.set_defaults(func=cmd_extract)
