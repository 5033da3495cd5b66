"""``communique convert``: other tools' output as prediction lines for ``communique bench``.

Exit status: 0 converted (warnings on stderr); 1 the input could not be converted (nothing is written);
2 usage errors (a missing input or corpus folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from communique.cli.output import format_text
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
FORMAT_NAMES = ("spacy", "textacy", "conll", "hf", "brat", "labelstudio")  # as in bench.convert.FORMATS


def register(sub: Any) -> None:
    """Add the ``convert`` subcommand to the ``communique`` parser's subparsers."""
    convert = sub.add_parser(
        "convert",
        help="convert another tool's output into predictions (JSON Lines)",
        description="Convert spaCy, textacy, CoNLL/IOB2, Hugging Face pipeline, brat or Label Studio output "
        "into prediction lines that `communique bench` scores.",
    )
    convert.add_argument("input", metavar="INPUT", help="the file (a folder for brat) to convert")
    convert.add_argument("--from", dest="fmt", required=True, choices=FORMAT_NAMES, help="the input's format")
    convert.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    convert.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    convert.set_defaults(func=cmd_convert)


def _print(issues: list[Issue]) -> None:
    for found in issues:
        print(format_text(found), file=sys.stderr)


def cmd_convert(args: argparse.Namespace) -> int:
    from communique.bench.convert import convert_path

    corpus, source = Path(args.corpus), Path(args.input)
    missing = [
        issue("file-not-found", what, file=str(p))
        for p, what in ((source, "no such file or folder"), (corpus, "no corpus folder"))
        if not p.exists()
    ]
    if missing:
        _print(missing)
        return EXIT_USAGE
    try:
        result = convert_path(args.fmt, source, corpus)
    except CommuniqueError as exc:
        _print(exc.issues)
        print("nothing converted", file=sys.stderr)
        return EXIT_PROBLEMS
    _print(result.issues)
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in result.lines)
    if args.out:
        write_atomic(Path(args.out), text)
        print(f"wrote {len(result.lines)} document(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
