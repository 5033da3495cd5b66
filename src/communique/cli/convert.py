"""``communique convert``: other tools' output as prediction lines for ``communique bench``.

Exit status: 0 converted (warnings on stderr); 1 the input could not be converted (nothing is written);
2 usage errors (a missing input or corpus folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Reporter,
    existing,
    write_result,
)
from communique.cli.options import INPUT_PATH, add_corpus, add_force, add_format, add_out
from communique.schema.errors import CommuniqueError

FORMAT_NAMES = ("spacy", "textacy", "conll", "hf", "brat", "labelstudio")  # as in formats.convert.FORMATS


def cmd_convert(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.formats.builder import prediction_json
    from communique.formats.convert import convert_path

    _, missing = existing([args.input, args.corpus])
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE)
    try:
        result = convert_path(args.fmt, Path(args.input), Path(args.corpus))
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        reporter.note("nothing converted")
        return reporter.finish(EXIT_PROBLEMS)
    reporter.problems(result.issues)
    summary = {"from": args.fmt, "documents": len(result.lines)}
    if reporter.json and not args.out:  # the predictions themselves go into the document
        predictions = [line.model_dump(mode="json", exclude_none=True) for line in result.lines]
        return reporter.finish(EXIT_OK, {**summary, "predictions": predictions})
    write_result(reporter, "".join(prediction_json(line) + "\n" for line in result.lines), args.out)
    return reporter.finish(EXIT_OK, {**summary, "out": args.out})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``convert`` to the ``communique`` parser's subparsers."""
    convert = sub.add_parser(
        "convert",
        help="convert another tool's output into predictions (JSON Lines)",
        description="Convert spaCy, textacy, CoNLL/IOB2, Hugging Face pipeline, brat or Label Studio output "
        "into prediction lines that `communique bench` scores.",
    )
    convert.add_argument("input", metavar="INPUT", type=INPUT_PATH, help="the file (a folder for brat) to convert")
    convert.add_argument("--from", dest="fmt", required=True, choices=FORMAT_NAMES, help="the input's format")
    add_out(convert, "file")
    add_force(convert)
    add_corpus(convert)
    add_format(convert, github=True)
    convert.set_defaults(func=cmd_convert)
