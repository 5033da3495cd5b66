"""``communique corpus build``: turn every seed into a corpus document."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Reporter,
    progress,
)
from communique.cli.options import add_check, add_corpus, add_format, add_jobs, add_seeds
from communique.corpus.build import build_corpus
from communique.schema.errors import issue


def cmd_corpus_build(args: argparse.Namespace, reporter: Reporter) -> int:
    seeds, corpus = Path(args.seeds), Path(args.corpus)
    if not seeds.is_dir():
        reporter.problems([issue("file-not-found", "no seed folder", file=str(seeds))])
        return reporter.finish(EXIT_USAGE)
    built = 0
    stale: list[str] = []
    written: list[str] = []
    # a CommuniqueError (a bad seed) propagates: common.run reports it with exit 1
    for doc_id, changed in progress(build_corpus(seeds, corpus, check=args.check, workers=args.workers), "corpus"):
        built += 1
        target = str(corpus / f"{doc_id}.json")
        if changed and args.check:
            stale.append(target)
            reporter.problems(
                [
                    issue(
                        "corpus-stale",
                        f"{doc_id}: committed corpus document differs from its seed",
                        file=target,
                        hint="run `communique corpus build`",
                    )
                ]
            )
        elif changed:
            written.append(target)
            reporter.note(f"wrote {target}")
    if args.check:
        reporter.note(f"{built} corpus document(s) checked, {len(stale)} stale")
    else:
        reporter.note(f"{built} corpus document(s) built, {len(written)} written")
    result = {"check": args.check, "documents": built, "written": written, "stale": stale}
    return reporter.finish(EXIT_PROBLEMS if stale else EXIT_OK, result)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``corpus build`` to the ``communique`` parser's subparsers."""
    corpus = sub.add_parser("corpus", help="build the corpus from the seeds")
    corpus_sub = corpus.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = corpus_sub.add_parser("build", help="turn every seed into corpus/<id>.json (deterministic)")
    add_seeds(build)
    add_corpus(build)
    add_check(build)
    add_jobs(build)
    add_format(build, github=True)
    build.set_defaults(func=cmd_corpus_build)
