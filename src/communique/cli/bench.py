"""``communique bench``: score predictions against the gold. Results to stdout (or ``--out``), problems to stderr.

Exit status: 0 scored; 1 invalid predictions or gold (nothing is scored), or warnings with ``--strict``;
2 usage errors (a missing file, an unknown document). With ``--format json`` the report is the JSON document
(its own ``report_version`` next to the CLI's ``version``), prediction problems included.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    ProjectPath,
    Reporter,
    add_engine,
    add_format,
    count,
    positive,
    write_result,
)
from communique.corpus.splits import SPLITS, Splitter
from communique.schema.errors import CommuniqueError, Issue, issue


def register(sub: Any) -> None:
    """Add the ``bench`` subcommand to the ``communique`` parser's subparsers."""
    from communique.bench.bootstrap import SAMPLES, SEED

    bench = sub.add_parser(
        "bench",
        help="score predictions (JSON Lines) against the gold",
        description="Score an extractor's predictions against the gold annotations.",
    )
    what = bench.add_mutually_exclusive_group(required=True)
    what.add_argument("--pred", metavar="FILE", help="predictions: one JSON object per document ('-' = stdin)")
    what.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="paired bootstrap comparison of two prediction files (is B better than A?)",
    )
    bench.add_argument(
        "--gold", default=ProjectPath("gold"), help="gold file or folder (default: the project's annotations/gold)"
    )
    bench.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    bench.add_argument(
        "--split",
        choices=SPLITS,
        help="score only the items of this split (split by section or by document: see communique.toml)",
    )
    add_format(bench, github=True, extra=("table", "markdown", "html"))  # "table" is the old name of "text"
    bench.add_argument("--out", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    bench.add_argument("--samples", type=positive, default=SAMPLES, help=f"bootstrap resamples (default: {SAMPLES})")
    bench.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default: {SEED})")
    bench.add_argument("--jobs", type=positive, default=1, help="processes to score documents with (default: 1)")
    add_engine(bench)
    bench.add_argument("--strict", action="store_true", help="exit 1 when the predictions have warnings")
    bench.add_argument(
        "--summary-only",
        action="store_true",
        help="leave per-document scores and per-item outcomes out of the JSON report (large corpora)",
    )
    bench.add_argument(
        "--min-confidence",
        type=_confidence,
        metavar="X",
        help="drop predicted items whose confidence is below X (0-1); items without one are kept",
    )
    bench.set_defaults(func=cmd_bench)


def _missing(files: list[str], folders_too: list[str]) -> list[Issue]:
    """Usage problems: prediction files that are not files, a gold path that does not exist."""
    return [issue("file-not-found", "no such file", file=p) for p in files if p != "-" and not Path(p).is_file()] + [
        issue("file-not-found", "no such file or folder", file=p) for p in folders_too if not Path(p).exists()
    ]


def cmd_bench(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.bench.html import render_report_html
    from communique.bench.report import format_comparison, format_report
    from communique.bench.scoring import compare, score
    from communique.corpus.store import CorpusStore

    inputs = [args.pred] if args.pred else list(args.compare)
    missing = _missing(inputs, [args.gold])
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE)
    if args.format == "html" and not args.pred:
        reporter.note("--format html is for --pred (one system's error analysis)")
        return reporter.finish(EXIT_USAGE)
    splitter, pinned = _splitter(args.gold, args.corpus) if args.split else (None, [])
    options = {
        "corpus": args.corpus,
        "split": args.split,
        "splitter": splitter,
        "samples": args.samples,
        "seed": args.seed,
        "jobs": args.jobs,
        "min_confidence": args.min_confidence,
    }
    # text and github print the table; github differs in how the prediction problems are printed
    table = "markdown" if args.format == "markdown" else "table"
    # per-document scores and outcomes grow with the corpus: collected only where they are shown
    details = args.format == "html" or (args.format == "json" and not args.summary_only)
    try:
        if args.pred:
            result = score(args.gold, args.pred, **options, details=details)
            report, warnings = result.report, result.issues
            if args.format == "html":
                store = CorpusStore(Path(args.corpus))
                rendered = render_report_html(report, lambda doc_id: t.text if (t := store.text(doc_id)) else None)
            else:
                rendered = format_report(report, table)
        else:
            comparison = compare(args.gold, args.compare[0], args.compare[1], **options)
            report, warnings = comparison.report, comparison.a.issues + comparison.b.issues
            rendered = format_comparison(report, table)
            for warning in report["cautions"]:
                reporter.note(f"warning: {warning}")
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        reporter.note(f"nothing scored: {count(exc.issues)[0]} error(s)")
        return reporter.finish(EXIT_PROBLEMS)
    warnings = [*pinned, *warnings]
    reporter.problems(warnings)
    status = EXIT_PROBLEMS if args.strict and warnings else EXIT_OK
    if reporter.json:
        return reporter.finish(status, report, out=args.out)
    write_result(reporter, rendered, args.out)
    return reporter.finish(status)


def _confidence(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


def _splitter(gold: str, corpus: str) -> tuple[Splitter, list[Issue]]:
    """The split policy of the project (``communique.toml``) for a gold set of this many documents, and a
    warning for each document it pins that the corpus does not hold."""
    from communique.annotate.validate import find_annotation_files
    from communique.corpus.store import CorpusStore
    from communique.io.project import find_project, unassigned_documents

    project = find_project()
    documents = sum(1 for _ in find_annotation_files([Path(gold)]))
    return Splitter.of(project.splits, documents), unassigned_documents(project, CorpusStore(Path(corpus)).ids())
