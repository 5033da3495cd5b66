"""``communique schema``: regenerate the JSON Schemas from the models (or check they have not drifted)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, Reporter, add_format
from communique.io.write import write_atomic
from communique.schema.generate import render_schemas


def cmd_schema(args: argparse.Namespace, reporter: Reporter) -> int:
    out = Path(args.out)
    written: list[str] = []
    drift: list[str] = []
    for name, rendered in render_schemas().items():
        target = out / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == rendered:
            continue
        if args.check:
            drift.append(str(target))
        else:
            write_atomic(target, rendered)
            written.append(str(target))
            reporter.text(f"wrote {target}")
    if drift:
        reporter.note(f"schema drift: {', '.join(drift)} differ from the models; run `communique schema`")
    result = {"check": args.check, "written": written, "drift": drift}
    return reporter.finish(EXIT_PROBLEMS if drift else EXIT_OK, result)


def register(sub: Any) -> None:
    """Add ``schema`` to the ``communique`` parser's subparsers."""
    schema = sub.add_parser("schema", help="regenerate the JSON Schemas from the models")
    schema.add_argument("--out", default="schema", help="output folder (default: schema)")
    schema.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files drifted")
    add_format(schema)
    schema.set_defaults(func=cmd_schema)
