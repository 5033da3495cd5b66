"""``communique bench`` and ``communique extract``. Results go to stdout (or ``--out``), diagnostics to stderr.

Exit status: 0 scored; 1 invalid predictions or gold (nothing is scored), or warnings with ``--strict``;
2 usage errors (a missing file, an unknown document).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from communique.cli.output import format_text
from communique.corpus.splits import SPLITS
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, Severity, issue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def register(sub: Any) -> None:
    """Add the ``bench`` and ``extract`` subcommands to the ``communique`` parser's subparsers."""
    from communique.bench.bootstrap import SAMPLES, SEED
    from communique.bench.report import FORMATS

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
    bench.add_argument("--gold", default="annotations/gold", help="gold file or folder (default: annotations/gold)")
    bench.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    bench.add_argument("--split", choices=SPLITS, help="score only items in the sections of this split")
    bench.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    bench.add_argument("--out", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    bench.add_argument("--samples", type=_positive, default=SAMPLES, help=f"bootstrap resamples (default: {SAMPLES})")
    bench.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default: {SEED})")
    bench.add_argument("--jobs", type=_positive, default=1, help="processes to score documents with (default: 1)")
    bench.add_argument("--strict", action="store_true", help="exit 1 when the predictions have warnings")
    bench.set_defaults(func=cmd_bench)

    extract = sub.add_parser(
        "extract",
        help="run a baseline extractor; write predictions as JSON Lines",
        description="Run a baseline extractor over corpus documents.",
    )
    extract.add_argument("documents", nargs="*", metavar="DOCUMENT", help="document ids (default: every document)")
    extract.add_argument("--method", choices=("rules", "llm"), default="rules", help="extractor (default: rules)")
    extract.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    extract.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    extract.set_defaults(func=cmd_extract)
    from communique.cli.llm import add_llm_options

    add_llm_options(extract)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _print_issues(issues: list[Issue]) -> None:
    for found in issues:
        print(format_text(found), file=sys.stderr)


def _emit(text: str, out: str | None) -> None:
    if out:
        write_atomic(Path(out), text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _missing(files: list[str], folders_too: list[str]) -> list[Issue]:
    """Usage problems: prediction files that are not files, a gold path that does not exist."""
    return [issue("file-not-found", "no such file", file=p) for p in files if p != "-" and not Path(p).is_file()] + [
        issue("file-not-found", "no such file or folder", file=p) for p in folders_too if not Path(p).exists()
    ]


def cmd_bench(args: argparse.Namespace) -> int:
    from communique.bench.report import format_comparison, format_report
    from communique.bench.scoring import compare, score

    inputs = [args.pred] if args.pred else list(args.compare)
    missing = _missing(inputs, [args.gold])
    if missing:
        _print_issues(missing)
        return EXIT_USAGE
    options = {
        "corpus": args.corpus,
        "split": args.split,
        "samples": args.samples,
        "seed": args.seed,
        "jobs": args.jobs,
    }
    try:
        if args.pred:
            result = score(args.gold, args.pred, **options)
            report, warnings = result.report, result.issues
            rendered = format_report(report, args.format) if args.format != "json" else None
        else:
            comparison = compare(args.gold, args.compare[0], args.compare[1], **options)
            report, warnings = comparison.report, comparison.a.issues + comparison.b.issues
            rendered = format_comparison(report, args.format) if args.format != "json" else None
    except CommuniqueError as exc:
        _print_issues(exc.issues)
        errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        print(f"nothing scored: {errors} error(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    _print_issues(warnings)
    text = rendered if rendered is not None else json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    _emit(text, args.out)
    return EXIT_PROBLEMS if args.strict and warnings else EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from communique.api import load_corpus_document
    from communique.extract import METHODS

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        _print_issues([issue("file-not-found", "no corpus folder", file=str(corpus))])
        return EXIT_USAGE
    unknown = [d for d in args.documents if not (corpus / f"{d}.json").is_file()]
    if unknown:
        _print_issues(
            [issue("unknown-document", f"no corpus document {d!r}", file=str(corpus / f"{d}.json")) for d in unknown]
        )
        return EXIT_USAGE
    paths = [corpus / f"{d}.json" for d in args.documents] if args.documents else sorted(corpus.glob("*.json"))
    if args.method == "llm":
        from communique.cli.llm import run_llm

        return run_llm(args, paths)
    method = METHODS[args.method]
    lines = []
    for path in paths:
        try:
            doc = load_corpus_document(path)
        except (OSError, ValidationError):
            _print_issues(
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
    _emit("".join(lines), args.out)
    return EXIT_OK
