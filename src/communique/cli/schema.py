"""``communique schema``: regenerate the JSON Schemas from the models (or check they have not drifted)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS
from communique.io.write import write_atomic
from communique.schema.generate import render_schemas


def cmd_schema(args: argparse.Namespace) -> int:
    out = Path(args.out)
    drift = []
    for name, rendered in render_schemas().items():
        target = out / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == rendered:
            continue
        if args.check:
            drift.append(name)
        else:
            write_atomic(target, rendered)
            print(f"wrote {target}")
    if drift:
        print(f"schema drift: {', '.join(drift)} differ from the models; run `communique schema`", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``schema`` to the ``communique`` parser's subparsers."""
    schema = sub.add_parser("schema", help="regenerate the JSON Schemas from the models")
    schema.add_argument("--out", default="schema", help="output folder (default: schema)")
    schema.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files drifted")
    schema.set_defaults(func=cmd_schema)
