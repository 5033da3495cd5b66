"""``communique schema``: regenerate the JSON Schemas from the models (or check they have not drifted).

``--check`` compares the schema files a project keeps; a folder holding none of them (a project made by
``communique init``) has nothing to drift and passes, saying so.

Regenerating replaces the schema files communique generated (recognised by their ``$id``): that is what the
command is for. Any other file of the same name in ``--out`` is someone's own and is left alone unless
``--force`` (which keeps it as ``FILE.~N~``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, Reporter, write_file
from communique.cli.options import add_check, add_force, add_format, add_out
from communique.io.write import write_atomic
from communique.schema.generate import BASE_ID, render_schemas

HEAD_BYTES = 4096  # the generated files state their $id in their first lines


def generated(target: Path, name: str) -> bool:
    """True when ``target`` is a schema file communique generated (its ``$id`` is this schema's)."""
    try:
        with target.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    return re.search(rb'"\$id":\s*"' + re.escape((BASE_ID + name).encode()) + rb'"', head) is not None


def cmd_schema(args: argparse.Namespace, reporter: Reporter) -> int:
    out = Path(args.out)
    written: list[str] = []
    drift: list[str] = []
    schemas = render_schemas()
    if args.check and not any((out / name).exists() for name in schemas):
        # a project that keeps no schema files (one made by `init`) has nothing to drift
        reporter.note(f"no schema files in {out}: nothing to check (`communique schema --out {out}` writes them)")
        return reporter.finish(EXIT_OK, {"check": True, "written": written, "drift": drift})
    for name, rendered in schemas.items():
        target = out / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == rendered:
            continue
        if args.check:
            drift.append(str(target))
        else:
            if current is not None and generated(target, name):
                write_atomic(target, rendered)  # regenerating a file of ours is what was asked
            else:
                write_file(reporter, target, rendered)  # a new file, or someone's own: --force to replace it
            written.append(str(target))
            reporter.note(f"wrote {target}")
    if drift:
        reporter.note(f"schema drift: {', '.join(drift)} differ from the models; run `communique schema`")
    result = {"check": args.check, "written": written, "drift": drift}
    return reporter.finish(EXIT_PROBLEMS if drift else EXIT_OK, result)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``schema`` to the ``communique`` parser's subparsers."""
    schema = sub.add_parser(
        "schema",
        help="regenerate the JSON Schemas from the models",
        description="Regenerate the JSON Schemas from the models into --out. A file there that communique did "
        "not generate is replaced only with --force.",
    )
    add_out(schema, "folder", default="schema")
    add_check(schema)
    add_force(schema)
    add_format(schema)
    schema.set_defaults(func=cmd_schema)
