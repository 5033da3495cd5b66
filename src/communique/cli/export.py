"""``communique export hf``, ``communique export brat`` and ``communique export plover``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    ProjectPath,
    Reporter,
    write_file,
)
from communique.cli.options import (
    ANNOTATIONS_PATH,
    add_corpus,
    add_force,
    add_format,
    add_gold,
    add_jobs,
    add_out,
    add_strict,
)
from communique.schema.errors import CommuniqueError


def _problems(reporter: Reporter, exc: CommuniqueError) -> int:
    reporter.problems(exc.issues)
    reporter.note("nothing was exported: fix the problems above first")
    return reporter.finish(EXIT_PROBLEMS)


def cmd_export_hf(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.corpus.store import CorpusStore
    from communique.export.hf import load_back
    from communique.export.run import Drafts, export_hf
    from communique.io.project import find_project, unassigned_documents

    out = Path(args.out)
    drafts = Drafts(strict=args.strict)
    try:
        project = find_project()
        result = export_hf(
            Path(args.gold),
            Path(args.corpus),
            out,
            passes=Path(args.passes) if args.passes else None,
            max_shard_bytes=int(args.max_shard_mb * 1024 * 1024),
            workers=args.workers,
            dataset=project.dataset,
            splits=project.splits,
            drafts=drafts,
        )
    except CommuniqueError as exc:
        return _problems(reporter, exc)
    reporter.problems(drafts.issues)
    files = sum(len(s) for splits in result.shards.values() for s in splits.values())
    reporter.problems(unassigned_documents(project, CorpusStore(Path(args.corpus)).ids()))
    reporter.note(f"wrote {out} ({files} parquet file(s), README.md, croissant.json)")
    sizes = result.split_sizes()
    if args.verify:
        with tempfile.TemporaryDirectory(prefix="communique-hf-cache-") as cache:
            sizes = load_back(out, Path(cache))
        reporter.note("loaded back with datasets.load_dataset (offline, fresh cache):")
    width = max(len(c) for c in sizes)
    lines = [f"{'config':<{width}}  {'split':<10}  rows"]
    for config, splits in sizes.items():
        for split, rows in splits.items():
            lines.append(f"{config:<{width}}  {split:<10}  {rows}")
    reporter.text("\n".join(lines))
    return reporter.finish(
        EXIT_OK, {"out": str(out), "parquet_files": files, "verified": bool(args.verify), "rows": sizes}
    )


def cmd_export_brat(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.export.run import Drafts, iter_valid
    from communique.formats.brat import export_brat

    drafts = Drafts(strict=args.strict)
    try:
        written = export_brat(iter_valid(Path(args.gold), Path(args.corpus), drafts), Path(args.out))
    except CommuniqueError as exc:
        return _problems(reporter, exc)
    reporter.problems(drafts.issues)
    reporter.note(f"wrote {args.out}: annotation.conf, visual.conf and .txt/.ann for {written} document(s)")
    return reporter.finish(EXIT_OK, {"out": args.out, "documents": written})


def cmd_export_plover(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.export.run import Drafts, iter_valid
    from communique.formats.plover import export_plover

    to_stdout = args.out == "-"
    if to_stdout and reporter.json:
        return reporter.usage("--format json prints its summary on stdout: give the events a file with --out")
    drafts = Drafts(strict=args.strict)
    try:
        # the whole export is built before anything is written: an invalid file leaves no half-written output
        result, text = export_plover(iter_valid(Path(args.gold), Path(args.corpus), drafts), None)
        if not to_stdout:
            write_file(reporter, args.out, text)  # an existing file that differs needs --force
    except CommuniqueError as exc:
        return _problems(reporter, exc)
    reporter.problems(drafts.issues)
    if to_stdout:
        reporter.stdout.write(text)
    left = ", ".join(f"{k} {n}" for k, n in sorted(result.left_out.items())) or "none"
    reporter.note(
        f"wrote {result.events} PLOVER event(s) to {'stdout' if to_stdout else args.out}; "
        f"left out (not coded by PLOVER): {left}"
    )
    return reporter.finish(
        EXIT_OK, {"out": args.out, "events": result.events, "left_out": dict(sorted(result.left_out.items()))}
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export hf`` and ``export brat`` to the ``communique`` parser's subparsers."""
    export = sub.add_parser(
        "export", help="export the validated gold (Hugging Face datasets, brat, Label Studio, PLOVER events)"
    )
    targets = export.add_subparsers(dest="target", required=True, metavar="TARGET")

    hf = targets.add_parser("hf", help="parquet configs + dataset card + Croissant, for datasets.load_dataset")
    add_out(hf, "folder", default="dist/hf", export=True)
    add_gold(hf)
    add_corpus(hf)
    hf.add_argument(
        "--passes",
        metavar="DIR",
        type=ANNOTATIONS_PATH,
        default=ProjectPath("passes"),
        help="double-annotation passes for the card's agreement figures ('' for none)",
    )
    hf.add_argument("--max-shard-mb", type=float, default=256, metavar="MB", help="shard size limit, MB of Arrow data")
    add_jobs(hf)
    add_strict(hf)
    hf.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip loading the export back with datasets.load_dataset",
    )
    add_format(hf, github=True)
    hf.set_defaults(func=cmd_export_hf)

    brat = targets.add_parser("brat", help=".txt/.ann standoff per document and annotation.conf")
    add_out(brat, "folder", default="dist/brat", export=True)
    add_gold(brat)
    add_corpus(brat)
    add_strict(brat)
    add_format(brat, github=True)
    brat.set_defaults(func=cmd_export_brat)

    plover = targets.add_parser(
        "plover",
        help="one PLOVER event record per meeting, commitment and stance (JSON Lines; schema/plover-event)",
    )
    add_out(plover, "file", default="-")
    add_force(plover)
    add_strict(plover)
    add_gold(plover)
    add_corpus(plover)
    add_format(plover, github=True)
    plover.set_defaults(func=cmd_export_plover)

    from communique.cli.tools import register_export as _tools

    _tools(targets)
