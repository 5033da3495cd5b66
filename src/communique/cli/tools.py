"""Annotation tools, both ways: ``communique export label-studio`` and ``communique import label-studio|brat``."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, ProjectPath, Reporter, add_force, add_format
from communique.schema.errors import CommuniqueError, Severity


def cmd_export_label_studio(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.export.label_studio import export_label_studio, gold_tasks, prediction_tasks
    from communique.export.run import Drafts, iter_valid

    dropped = 0
    drafts = Drafts(strict=args.strict)
    try:
        if args.predictions:
            tasks, dropped = prediction_tasks(Path(args.predictions), Path(args.corpus))
            written = export_label_studio(tasks, Path(args.out))
        else:
            pairs = iter_valid(Path(args.annotations), Path(args.corpus), drafts)
            written = export_label_studio(gold_tasks(pairs), Path(args.out))
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        reporter.note("nothing was exported: fix the problems above first")
        return reporter.finish(EXIT_PROBLEMS)
    reporter.problems(drafts.issues)
    source = f"predictions in {args.predictions}" if args.predictions else "the gold"
    reporter.note(f"wrote {args.out}: config.xml and tasks.json with {written} task(s) pre-annotated from {source}")
    if dropped:
        reporter.note(f"{dropped} predicted span(s) left out: unanchored, or a mention without a form")
    result = {"out": args.out, "tasks": written, "pre_annotations": "predictions" if args.predictions else "gold"}
    return reporter.finish(EXIT_OK, {**result, "left_out": dropped})


def _finish(result: object, source: str, out: Path, reporter: Reporter) -> int:
    from communique.annotate.importers import ImportResult, write_documents

    assert isinstance(result, ImportResult)
    reporter.problems(result.issues)
    if not result.ok:
        reporter.note("nothing was imported: fix the problems above first")
        return reporter.finish(EXIT_PROBLEMS)
    try:
        pairs = write_documents(result.documents, out, source, force=reporter.force)
    except CommuniqueError as exc:
        reporter.problems(exc.issues)
        reporter.note("nothing was imported: fix the problems above first")
        return reporter.finish(EXIT_PROBLEMS)
    written = [str(path) for path, _ in pairs]
    for path, backup in pairs:
        if backup is not None:
            reporter.note(f"kept the previous {path} as {backup}")
    reporter.text("\n".join(f"wrote {path}" for path in written))
    warned = any(i.severity is Severity.WARNING for i in result.issues)
    reporter.note(f"imported {len(result.documents)} document(s)" + (" (with warnings)" if warned else ""))
    return reporter.finish(EXIT_OK, {"out": str(out), "written": written})


def cmd_import_label_studio(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.annotate.import_label_studio import read_label_studio

    source = Path(args.export)
    if not source.exists():  # one that is no regular file is refused when it is read
        return reporter.usage(f"{source}: no such file (give a Label Studio JSON export)")
    result = read_label_studio(
        source,
        Path(args.corpus),
        predictions=args.predictions,
        annotators=args.annotator or None,
        guidelines_version=args.guidelines_version,
    )
    return _finish(result, f"Label Studio export {source.name}", Path(args.out), reporter)


def cmd_import_brat(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.annotate.import_brat import read_brat

    source = Path(args.folder)
    if not source.is_dir():
        return reporter.usage(f"{source}: no such folder (give a folder of brat .txt/.ann files)")
    return _finish(read_brat(source, Path(args.corpus)), f"brat folder {source.name}", Path(args.out), reporter)


def register_export(targets: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export label-studio``, added to the ``export`` family's subparsers."""
    ls = targets.add_parser("label-studio", help="Label Studio tasks with pre-annotations and a labelling config")
    ls.add_argument("--out", default="dist/label-studio", help="output folder (default: dist/label-studio)")
    ls.add_argument(
        "--annotations", default=ProjectPath("gold"), help="gold folder (default: the project's annotations/gold)"
    )
    ls.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    ls.add_argument(
        "--predictions", metavar="FILE", help="pre-annotate from an extractor's predictions (JSON Lines) instead"
    )
    ls.add_argument(
        "--strict",
        action="store_true",
        help="refuse to export the gold (exit 1, nothing written) when an item is still marked `review: draft`",
    )
    add_format(ls, github=True)
    ls.set_defaults(func=cmd_export_label_studio)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``import`` family: annotation tools' exports back into validated annotation YAML."""
    imp = sub.add_parser("import", help="turn an annotation tool's export into validated annotation YAML")
    targets = imp.add_subparsers(dest="target", required=True, metavar="TOOL")

    ls = targets.add_parser("label-studio", help="a Label Studio JSON export (of `export label-studio` tasks)")
    ls.add_argument("export", metavar="EXPORT.json", help="the JSON export of the Label Studio project")
    ls.add_argument("--out", required=True, help="folder to write <document_id>.yaml into")
    add_force(ls, "an existing <document_id>.yaml")
    ls.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    ls.add_argument(
        "--predictions", action="store_true", help="read the tasks' inlined pre-annotations instead of annotations"
    )
    ls.add_argument(
        "--annotator", action="append", help="who annotated, for tasks whose data does not say (repeatable)"
    )
    ls.add_argument("--guidelines-version", help="guidelines version followed, for tasks whose data does not say")
    add_format(ls, github=True)
    ls.set_defaults(func=cmd_import_label_studio)

    brat = targets.add_parser("brat", help="a folder of brat .txt/.ann files (as `export brat` writes)")
    brat.add_argument("folder", metavar="DIR", help="the brat folder")
    brat.add_argument("--out", required=True, help="folder to write <document_id>.yaml into")
    add_force(brat, "an existing <document_id>.yaml")
    brat.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    add_format(brat, github=True)
    brat.set_defaults(func=cmd_import_brat)
