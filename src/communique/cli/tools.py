"""Annotation tools, both ways: ``communique export label-studio`` and ``communique import label-studio|brat``."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, Reporter
from communique.cli.options import (
    INPUT_FILE,
    INPUT_PATH,
    add_corpus,
    add_force,
    add_format,
    add_gold,
    add_out,
    add_predictions,
    add_strict,
    deprecated_alias,
)
from communique.schema.errors import CommuniqueError, Severity, issue
from communique.schema.jsontypes import JsonObject


def cmd_export_label_studio(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.export.run import Drafts, iter_valid
    from communique.formats.label_studio import export_label_studio, gold_tasks

    dropped = 0
    drafts = Drafts(strict=args.strict)
    try:
        if args.predictions:
            tasks, dropped = _prediction_tasks(Path(args.predictions), Path(args.corpus))
            written = export_label_studio(tasks, Path(args.out))
        else:
            pairs = iter_valid(Path(args.gold), Path(args.corpus), drafts)
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


def _prediction_tasks(predictions: Path, corpus: Path) -> tuple[list[JsonObject], int]:
    """Label Studio tasks pre-annotated with a predictions file as the bench reads it (every span placed,
    every official one ref), and the number of predicted spans left out; the read predictions go once the
    tasks are made."""
    from communique.bench.predictions import read_predictions
    from communique.corpus.store import CorpusStore
    from communique.formats.label_studio import prediction_tasks

    read = read_predictions(predictions, corpus)
    if not read.ok:
        raise CommuniqueError(read.errors)
    return prediction_tasks(read.documents, CorpusStore(corpus), predictions.name)


def _finish(result: object, source: str, out: Path, reporter: Reporter, *, at: Path, hint: str | None = None) -> int:
    """Write what an import rebuilt (``at``: the export read), or say why nothing was; ``hint``: what to do
    when the export held no document to import."""
    from communique.annotate.importers import ImportResult, write_documents

    assert isinstance(result, ImportResult)
    reporter.problems(result.issues)
    if not result.ok:
        reporter.note("nothing was imported: fix the problems above first")
        return reporter.finish(EXIT_PROBLEMS)
    if not result.documents:  # "imported 0 document(s)" and exit 0 would look like success
        skipped = sum(1 for i in result.issues if i.code == "task-unannotated")
        found = f": {skipped} task(s), none with a submitted annotation" if skipped else ""
        reporter.problems(
            [issue("nothing-imported", f"{source} holds no document to import{found}", file=str(at), hint=hint)]
        )
        reporter.note(f"nothing was imported; nothing was written to {out}")
        return reporter.finish(EXIT_PROBLEMS, {"out": str(out), "written": []})
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
    for shown in written:
        reporter.note(f"wrote {shown}")
    warned = any(i.severity is Severity.WARNING for i in result.issues)
    reporter.note(f"imported {len(result.documents)} document(s)" + (" (with warnings)" if warned else ""))
    return reporter.finish(EXIT_OK, {"out": str(out), "written": written})


def cmd_import_label_studio(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.formats.label_studio import import_label_studio

    source = Path(args.export)
    if not source.exists():  # one that is no regular file is refused when it is read
        return reporter.usage(f"{source}: no such file (give a Label Studio JSON export)")
    result = import_label_studio(
        source,
        Path(args.corpus),
        predictions=args.pre_annotations,
        annotators=args.annotator or None,
        guidelines_version=args.guidelines_version,
    )
    if args.pre_annotations:
        hint = "the tasks hold no pre-annotation: export them with `communique export label-studio` first"
    else:
        hint = "submit the annotations in Label Studio and export again, or pass --pre-annotations (formerly "
        hint += "--predictions) to import the tasks' pre-annotations"
    return _finish(result, f"Label Studio export {source.name}", Path(args.out), reporter, at=source, hint=hint)


def cmd_import_brat(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.formats.brat import import_brat

    source = Path(args.folder)
    if not source.is_dir():
        return reporter.usage(f"{source}: no such folder (give a folder of brat .txt/.ann files)")
    result = import_brat(source, Path(args.corpus))
    hint = "give the folder that `communique export brat` wrote (a .txt and an .ann per document)"
    return _finish(result, f"brat folder {source.name}", Path(args.out), reporter, at=source, hint=hint)


def register_export(targets: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export label-studio``, added to the ``export`` family's subparsers."""
    ls = targets.add_parser(
        "label-studio",
        help="Label Studio tasks with pre-annotations and a labelling config",
        description="Write Label Studio tasks (tasks.json) and a labelling config (config.xml) into --out, "
        "pre-annotated from the gold or, with --predictions FILE, from an extractor's predictions.",
    )
    add_out(ls, "folder", default="dist/label-studio", export=True)
    add_gold(ls)
    add_corpus(ls)
    add_predictions(ls)  # pre-annotate the tasks from these instead of the gold
    add_strict(ls)
    add_format(ls, github=True)
    ls.set_defaults(func=cmd_export_label_studio)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``import`` family: annotation tools' exports back into validated annotation YAML."""
    imp = sub.add_parser("import", help="turn an annotation tool's export into validated annotation YAML")
    targets = imp.add_subparsers(dest="target", required=True, metavar="TOOL")

    ls = targets.add_parser(
        "label-studio",
        help="a Label Studio JSON export (of `export label-studio` tasks)",
        description="Turn a Label Studio JSON export into validated annotation YAML: <document_id>.yaml in --out.",
    )
    ls.add_argument(
        "export", metavar="EXPORT.json", type=INPUT_FILE, help="the JSON export of the Label Studio project"
    )
    add_out(ls, "folder", required=True)  # <document_id>.yaml for each document
    add_force(ls)
    add_corpus(ls)
    flag = ls.add_argument(
        "--pre-annotations", action="store_true", help="read the tasks' pre-annotations instead of their annotations"
    )
    deprecated_alias(ls, "--predictions", flag)  # a flag here, a file everywhere else
    ls.add_argument(
        "--annotator",
        action="append",
        metavar="NAME",
        help="who annotated, for tasks whose data does not say (repeatable)",
    )
    ls.add_argument(
        "--guidelines-version", metavar="VERSION", help="guidelines version followed, for tasks whose data does not say"
    )
    add_format(ls, github=True)
    ls.set_defaults(func=cmd_import_label_studio)

    brat = targets.add_parser(
        "brat",
        help="a folder of brat .txt/.ann files (as `export brat` writes)",
        description="Turn a folder of brat .txt/.ann files into validated annotation YAML: <document_id>.yaml "
        "in --out.",
    )
    brat.add_argument("folder", metavar="DIR", type=INPUT_PATH, help="the brat folder")
    add_out(brat, "folder", required=True)  # <document_id>.yaml for each document
    add_force(brat)
    add_corpus(brat)
    add_format(brat, github=True)
    brat.set_defaults(func=cmd_import_brat)
