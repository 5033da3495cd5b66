"""``communique migrate``: rewrite annotation files of format 1 or 2.0 in the current format (2.1)."""

from __future__ import annotations

import argparse

from communique.annotate.migrate import migrate_file
from communique.annotate.validate import find_annotation_files
from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Reporter, existing, summary
from communique.cli.options import add_check, add_format
from communique.schema.models import SCHEMA_VERSION


def cmd_migrate(args: argparse.Namespace, reporter: Reporter) -> int:
    paths, missing = existing(args.paths)
    if missing:
        reporter.problems(missing)
        return reporter.finish(EXIT_USAGE, {"check": args.check, "files": 0, "migrated": []})
    files = list(find_annotation_files(paths))
    migrated: list[dict[str, str | int | None]] = []
    for path in files:
        done = migrate_file(path, write=not args.check)
        reporter.problems(done.issues)
        if done.changed:
            migrated.append({"file": str(path), "from": done.version, "drafts": done.drafts, "stances": done.stances})
            what = (
                f"{path} from format {done.version} to {SCHEMA_VERSION} ({done.stances} commitment(s) "
                f"moved to stances, {done.drafts} item(s) marked review: draft)"
            )
            if args.check:  # the result: what needs migrating
                reporter.text(f"would migrate {what}")
            else:  # a message about a file written: stderr
                reporter.note(f"migrated {what}")
    reporter.note(summary(reporter.issues, len(files)))
    failing = reporter.issues or (args.check and migrated)
    outcome = {"check": args.check, "files": len(files), "migrated": migrated}
    return reporter.finish(EXIT_PROBLEMS if failing else EXIT_OK, outcome)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``migrate`` to the ``communique`` parser's subparsers."""
    migrate = sub.add_parser("migrate", help="rewrite annotation files of format 1 or 2.0 in format 2.1")
    migrate.add_argument("paths", nargs="+", metavar="FILE", help="annotation files or folders")
    add_check(migrate)
    add_format(migrate, github=True)
    migrate.set_defaults(func=cmd_migrate)
