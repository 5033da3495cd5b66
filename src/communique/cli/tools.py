"""Annotation tools, both ways: ``communique export label-studio`` and ``communique import label-studio|brat``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from communique.cli.output import write_report
from communique.schema.errors import CommuniqueError, Severity

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def cmd_export_label_studio(args: argparse.Namespace) -> int:
    from communique.export.label_studio import export_label_studio, gold_tasks, prediction_tasks
    from communique.export.run import iter_valid

    dropped = 0
    try:
        if args.predictions:
            tasks, dropped = prediction_tasks(Path(args.predictions), Path(args.corpus))
            written = export_label_studio(tasks, Path(args.out))
        else:
            written = export_label_studio(
                gold_tasks(iter_valid(Path(args.annotations), Path(args.corpus))), Path(args.out)
            )
    except CommuniqueError as exc:
        write_report(exc.issues, len({i.file for i in exc.issues}), "text", sys.stderr)
        print("nothing was exported: fix the problems above first", file=sys.stderr)
        return EXIT_PROBLEMS
    source = f"predictions in {args.predictions}" if args.predictions else "the gold"
    print(
        f"wrote {args.out}: config.xml and tasks.json with {written} task(s) pre-annotated from {source}",
        file=sys.stderr,
    )
    if dropped:
        print(f"{dropped} predicted span(s) left out: unanchored, or a mention without a form", file=sys.stderr)
    return EXIT_OK


def _finish(result: object, source: str, out: Path) -> int:
    from communique.annotate.importers import ImportResult, write_documents

    assert isinstance(result, ImportResult)
    if result.issues:
        write_report(result.issues, 1, "text", sys.stderr)
    if not result.ok:
        print("nothing was imported: fix the problems above first", file=sys.stderr)
        return EXIT_PROBLEMS
    for path in write_documents(result.documents, out, source):
        print(f"wrote {path}")
    warned = any(i.severity is Severity.WARNING for i in result.issues)
    print(f"imported {len(result.documents)} document(s)" + (" (with warnings)" if warned else ""), file=sys.stderr)
    return EXIT_OK


def cmd_import_label_studio(args: argparse.Namespace) -> int:
    from communique.annotate.import_label_studio import read_label_studio

    source = Path(args.export)
    if not source.is_file():
        print(f"{source}: no such file (give a Label Studio JSON export)", file=sys.stderr)
        return EXIT_USAGE
    result = read_label_studio(
        source,
        Path(args.corpus),
        predictions=args.predictions,
        annotators=args.annotator or None,
        guidelines_version=args.guidelines_version,
    )
    return _finish(result, f"Label Studio export {source.name}", Path(args.out))


def cmd_import_brat(args: argparse.Namespace) -> int:
    from communique.annotate.import_brat import read_brat

    source = Path(args.folder)
    if not source.is_dir():
        print(f"{source}: no such folder (give a folder of brat .txt/.ann files)", file=sys.stderr)
        return EXIT_USAGE
    return _finish(read_brat(source, Path(args.corpus)), f"brat folder {source.name}", Path(args.out))


def register_export(formats: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``export label-studio``, added to the ``export`` family."""
    ls = formats.add_parser("label-studio", help="Label Studio tasks with pre-annotations and a labelling config")
    ls.add_argument("--out", default="dist/label-studio", help="output folder (default: dist/label-studio)")
    ls.add_argument("--annotations", default="annotations/gold", help="gold folder (default: annotations/gold)")
    ls.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    ls.add_argument(
        "--predictions", metavar="FILE", help="pre-annotate from an extractor's predictions (JSON Lines) instead"
    )
    ls.set_defaults(func=cmd_export_label_studio)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``import`` family: annotation tools' exports back into validated annotation YAML."""
    imp = sub.add_parser("import", help="turn an annotation tool's export into validated annotation YAML")
    tools = imp.add_subparsers(dest="tool", required=True, metavar="TOOL")

    ls = tools.add_parser("label-studio", help="a Label Studio JSON export (of `export label-studio` tasks)")
    ls.add_argument("export", metavar="EXPORT.json", help="the JSON export of the Label Studio project")
    ls.add_argument("--out", required=True, help="folder to write <document_id>.yaml into")
    ls.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    ls.add_argument(
        "--predictions", action="store_true", help="read the tasks' pre-annotations instead of submitted annotations"
    )
    ls.add_argument(
        "--annotator", action="append", help="who annotated, for tasks whose data does not say (repeatable)"
    )
    ls.add_argument("--guidelines-version", help="guidelines version followed, for tasks whose data does not say")
    ls.set_defaults(func=cmd_import_label_studio)

    brat = tools.add_parser("brat", help="a folder of brat .txt/.ann files (as `export brat` writes)")
    brat.add_argument("folder", metavar="DIR", help="the brat folder")
    brat.add_argument("--out", required=True, help="folder to write <document_id>.yaml into")
    brat.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    brat.set_defaults(func=cmd_import_brat)
