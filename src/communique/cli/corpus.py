"""``communique corpus build``: turn every seed into a corpus document."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_issues, progress
from communique.corpus.build import build_corpus
from communique.schema.errors import CommuniqueError, issue


def cmd_corpus_build(args: argparse.Namespace) -> int:
    seeds, corpus = Path(args.seeds), Path(args.corpus)
    if not seeds.is_dir():
        print_issues([issue("file-not-found", "no seed folder", file=str(seeds))])
        return EXIT_USAGE
    stale = built = written = 0
    try:
        for doc_id, changed in progress(build_corpus(seeds, corpus, check=args.check, jobs=args.jobs), "corpus"):
            built += 1
            if changed and args.check:
                stale += 1
                print_issues(
                    [
                        issue(
                            "corpus-stale",
                            f"{doc_id}: committed corpus document differs from its seed",
                            file=str(corpus / f"{doc_id}.json"),
                            hint="run `communique corpus build`",
                        )
                    ]
                )
            elif changed:
                written += 1
                print(f"wrote {corpus / f'{doc_id}.json'}")
    except CommuniqueError as exc:
        print_issues(exc.issues)
        return EXIT_PROBLEMS
    if args.check:
        print(f"{built} corpus document(s) checked, {stale} stale", file=sys.stderr)
    else:
        print(f"{built} corpus document(s) built, {written} written", file=sys.stderr)
    return EXIT_PROBLEMS if stale else EXIT_OK


def register(sub: Any) -> None:
    """Add ``corpus build`` to the ``communique`` parser's subparsers."""
    corpus = sub.add_parser("corpus", help="build the corpus from the seeds")
    corpus_sub = corpus.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = corpus_sub.add_parser("build", help="turn every seed into corpus/<id>.json (deterministic)")
    build.add_argument("--seeds", default="seeds", help="seed folder (default: seeds)")
    build.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if a document is stale")
    build.add_argument("--jobs", type=int, default=1, help="processes to build with (default: 1)")
    build.set_defaults(func=cmd_corpus_build)
