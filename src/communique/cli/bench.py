"""``communique bench``: score predictions against the gold. Results to stdout (or ``--out``), problems to stderr.

Exit status: 0 scored; 1 invalid predictions or gold (nothing is scored), or warnings with ``--strict``;
2 usage errors (a missing file, an unknown document). With ``--format json`` the report is the JSON document
(its own ``report_version`` next to the CLI's ``version``), prediction problems included.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Reporter,
    count,
    write_file,
    write_result,
)
from communique.cli.options import (
    OUTPUT_FILE,
    PREDICTIONS_PATH,
    add_corpus,
    add_force,
    add_format,
    add_gold,
    add_jobs,
    add_out,
    add_predictions,
    add_strict,
    positive,
)
from communique.corpus.splits import SPLITS, Splitter
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject, JsonValue, json_at


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand to the ``communique`` parser's subparsers."""
    from communique.bench.bootstrap import SAMPLES, SEED

    bench = sub.add_parser(
        "bench",
        help="score predictions (JSON Lines) against the gold",
        description="Score an extractor's predictions (--predictions FILE, '-' for stdin) against the gold "
        "annotations, or compare two systems' predictions (--compare A B).",
    )
    what = bench.add_mutually_exclusive_group(required=True)
    add_predictions(what)
    what.add_argument(
        "--compare",
        nargs=2,
        type=PREDICTIONS_PATH,
        metavar=("A", "B"),
        help="paired bootstrap comparison of two prediction files (is B better than A?)",
    )
    add_gold(bench)
    add_corpus(bench)
    bench.add_argument(
        "--split",
        choices=SPLITS,
        help="score only the items of this split (split by section or by document: see communique.toml)",
    )
    add_format(bench, github=True, extra=("table", "markdown", "html"))  # "table" is the old name of "text"
    add_out(bench, "file")
    add_force(bench)
    bench.add_argument(
        "--samples", type=positive, default=SAMPLES, metavar="N", help=f"bootstrap resamples (default: {SAMPLES})"
    )
    bench.add_argument("--seed", type=int, default=SEED, metavar="N", help=f"bootstrap seed (default: {SEED})")
    add_jobs(bench)
    add_strict(bench)
    bench.add_argument(
        "--summary-only",
        action="store_true",
        help="leave per-document scores out of the JSON report (large corpora)",
    )
    bench.add_argument(
        "--outcomes",
        metavar="FILE",
        type=OUTPUT_FILE,
        help="write every gold item's and prediction's outcome to FILE, one JSON object per line (JSON Lines)",
    )
    bench.add_argument(
        "--min-confidence",
        type=_confidence,
        metavar="X",
        help="drop predicted items whose confidence is below X (0-1); items without one are kept",
    )
    bench.set_defaults(func=cmd_bench)


def _missing(files: list[str], folders_too: list[str]) -> list[Issue]:
    """Usage problems: prediction files and a gold path that do not exist (one that is no regular file is
    refused when it is read)."""
    return [issue("file-not-found", "no such file", file=p) for p in files if p != "-" and not Path(p).exists()] + [
        issue("file-not-found", "no such file or folder", file=p) for p in folders_too if not Path(p).exists()
    ]


def cmd_bench(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.bench.report import format_comparison, format_report
    from communique.bench.scoring import compare, score
    from communique.corpus.store import CorpusStore
    from communique.formats.html import render_report_html

    inputs = [args.predictions] if args.predictions else list(args.compare)
    missing = _missing(inputs, [args.gold])
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE)
    if args.format == "html" and not args.predictions:
        reporter.note("--format html is for --predictions (one system's error analysis)")
        return reporter.finish(EXIT_USAGE)
    if args.outcomes and not args.predictions:
        reporter.note("--outcomes is for --predictions (one system's outcomes)")
        return reporter.finish(EXIT_USAGE)
    if args.outcomes == "-" and (args.out or "-") == "-":
        reporter.note("--outcomes -: the report goes to standard output; give it a file with --out")
        return reporter.finish(EXIT_USAGE)
    options = {
        "corpus": args.corpus,
        "split": args.split,
        "splitter": _splitter(args.gold) if args.split else None,
        "samples": args.samples,
        "seed": args.seed,
        "workers": args.workers,
        "min_confidence": args.min_confidence,
    }
    # text and github print the table; github differs in how the prediction problems are printed
    table = "markdown" if args.format == "markdown" else "table"
    # per-document scores and outcomes grow with the corpus: collected only where they are shown (the
    # outcomes, about 100 KB of JSON per document of 150 annotations, only in HTML and in --outcomes FILE)
    details = args.format == "html" or (args.format == "json" and not args.summary_only)
    outcomes = args.format == "html" or bool(args.outcomes)
    try:
        if args.predictions:
            result = score(args.gold, args.predictions, **options, details=details, outcomes=outcomes)
            report, warnings = result.report, result.issues
            if args.format == "html":
                store = CorpusStore(Path(args.corpus))
                rendered = render_report_html(report, lambda doc_id: t.text if (t := store.text(doc_id)) else None)
            else:
                rendered = format_report(report, table)
            report["outcomes"] = _write_outcomes(reporter, report["outcomes"], args.outcomes)
        else:
            comparison = compare(args.gold, args.compare[0], args.compare[1], **options)
            report, warnings = comparison.report, comparison.a.issues + comparison.b.issues
            rendered = format_comparison(report, table)
            for warning in comparison.cautions:
                reporter.note(f"warning: {warning}")
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        reporter.note(f"nothing scored: {count(exc.issues)[0]} error(s)")
        return reporter.finish(EXIT_PROBLEMS)
    reporter.problems(warnings)
    if args.split and not json_at(report, "settings", "bootstrap", "units"):
        # an all-n/a table would look like a score: say that the split is empty, and what to do
        documents = json_at(report, "gold", "documents")
        scored = documents if isinstance(documents, int) else 0
        reporter.problems([_empty_split(args.split, options["splitter"], scored, args.gold)])
        reporter.note("nothing scored")
        return reporter.finish(EXIT_PROBLEMS)
    status = EXIT_PROBLEMS if args.strict and warnings else EXIT_OK
    if reporter.json:
        return reporter.finish(status, report, out=args.out)
    write_result(reporter, rendered, args.out)
    return reporter.finish(status)


def _write_outcomes(reporter: Reporter, outcomes: JsonValue, out: str | None) -> JsonObject | None:
    """Write the outcomes (the report's list, ``None`` when not collected) to ``out`` as JSON Lines
    (atomically; an existing file the user may have edited is refused unless ``--force``); what the JSON
    report says of them: the file and how many items it holds, or ``None`` without a file."""
    if not out or not isinstance(outcomes, list):
        return None
    write_file(reporter, out, "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outcomes))
    reporter.note(f"wrote {out} ({len(outcomes)} outcome(s))")
    return {"path": out, "items": len(outcomes)}


def _empty_split(split: str, splitter: Splitter, documents: int, gold: str) -> Issue:
    """The ``split-empty`` problem of ``--split`` naming a split that holds no unit of the gold's corpus."""
    ratios = "/".join(str(r) for r in splitter.ratios)
    return issue(
        "split-empty",
        f"the {split} split holds none of the {documents} document(s) scored "
        f"(split by {splitter.unit}, {ratios} percent train/validation/test)",
        file=gold,
        hint="score without --split, or add documents (a corpus of [splits] min_documents documents or more is "
        "split by document; see communique.toml)",
    )


def _confidence(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


def _splitter(gold: str) -> Splitter:
    """The split policy of the project (``communique.toml``) for a gold set of this many documents."""
    from communique.annotate.validate import find_annotation_files
    from communique.io.project import find_project

    policy = find_project().splits
    documents = sum(1 for _ in find_annotation_files([Path(gold)]))
    return Splitter(policy.unit_for(documents), policy.ratios)
