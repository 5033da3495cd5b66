"""``communique extract``: run a baseline extractor; write predictions as JSON Lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Reporter,
    write_result,
)
from communique.cli.options import add_corpus, add_force, add_format, add_out
from communique.schema.errors import issue


def cmd_extract(args: argparse.Namespace, reporter: Reporter) -> int:
    from pydantic import ValidationError

    from communique.api import load_corpus_document
    from communique.extract import METHODS
    from communique.schema.jsontypes import JsonObject
    from communique.schema.predictions import prediction_data, prediction_line

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        reporter.problems([issue("file-not-found", "no corpus folder", file=str(corpus))])
        return reporter.finish(EXIT_USAGE)
    unknown = [d for d in args.documents if not (corpus / f"{d}.json").is_file()]
    if unknown:
        reporter.problems(
            [issue("unknown-document", f"no corpus document {d!r}", file=str(corpus / f"{d}.json")) for d in unknown]
        )
        return reporter.finish(EXIT_USAGE)
    paths = [corpus / f"{d}.json" for d in args.documents] if args.documents else sorted(corpus.glob("*.json"))
    if args.method == "llm":
        from communique.cli.llm import run_llm

        return run_llm(args, paths, reporter)
    method = METHODS[args.method]
    inline = reporter.json and not args.out  # the predictions themselves go into the JSON document
    data: list[JsonObject] = []
    lines: list[str] = []  # kept as text, not models, until the file is written at once
    for path in paths:
        try:
            doc = load_corpus_document(path)
        except (OSError, ValidationError):
            reporter.problems(
                [
                    issue(
                        "corpus-invalid",
                        "not a readable corpus document",
                        file=str(path),
                        hint="run `communique corpus build`",
                    )
                ]
            )
            return reporter.finish(EXIT_PROBLEMS)
        prediction = method(doc)
        if inline:
            data.append(prediction_data(prediction))
        else:
            lines.append(prediction_line(prediction))
    if inline:
        return reporter.finish(EXIT_OK, {"method": args.method, "documents": len(paths), "predictions": data})
    write_result(reporter, "".join(lines), args.out)
    return reporter.finish(EXIT_OK, {"method": args.method, "documents": len(paths), "out": args.out})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``extract`` to the ``communique`` parser's subparsers."""
    from communique.extract import METHODS

    extract = sub.add_parser(
        "extract",
        help="run a baseline extractor; write predictions as JSON Lines",
        description="Run a baseline extractor over corpus documents.",
    )
    extract.add_argument("documents", nargs="*", metavar="DOCUMENT", help="document ids (default: every document)")
    extract.add_argument(
        "--method", choices=sorted({*METHODS, "llm"}), default="rules", help="extractor (default: rules)"
    )
    add_corpus(extract)
    add_out(extract, "file")
    add_force(extract)
    add_format(extract)
    extract.set_defaults(func=cmd_extract)
    from communique.cli.llm import add_llm_options

    add_llm_options(extract)
