"""``communique export hf``, ``communique export brat`` and ``communique export plover``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, ProjectPath, Reporter, add_engine, add_format
from communique.schema.errors import CommuniqueError


def _problems(reporter: Reporter, exc: CommuniqueError) -> int:
    reporter.problems(exc.issues)
    reporter.note("nothing was exported: fix the problems above first")
    return reporter.finish(EXIT_PROBLEMS)


def cmd_export_hf(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.corpus.store import CorpusStore
    from communique.export.hf import load_back
    from communique.export.run import export_hf
    from communique.io.project import find_project, unassigned_documents

    out = Path(args.out)
    try:
        project = find_project()
        result = export_hf(
            Path(args.annotations),
            Path(args.corpus),
            out,
            passes=Path(args.passes) if args.passes else None,
            max_shard_bytes=int(args.max_shard_mb * 1024 * 1024),
            jobs=args.jobs,
            dataset=project.dataset,
            splits=project.splits,
        )
    except CommuniqueError as exc:
        return _problems(reporter, exc)
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
    from communique.export.brat import export_brat
    from communique.export.run import iter_valid

    try:
        written = export_brat(iter_valid(Path(args.annotations), Path(args.corpus)), Path(args.out))
    except CommuniqueError as exc:
        return _problems(reporter, exc)
    reporter.note(f"wrote {args.out}: annotation.conf, visual.conf and .txt/.ann for {written} document(s)")
    return reporter.finish(EXIT_OK, {"out": args.out, "documents": written})


def cmd_export_plover(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.export.plover import export_plover
    from communique.export.run import iter_valid

    to_stdout = args.out == "-"
    if to_stdout and reporter.json:
        return reporter.usage("--format json prints its summary on stdout: give the events a file with --out")
    try:
        # the whole export is built before anything is written: an invalid file leaves no half-written output
        result, text = export_plover(iter_valid(Path(args.annotations), Path(args.corpus)), None)
        if not to_stdout:
            from communique.io.write import write_atomic

            write_atomic(Path(args.out), text)
    except CommuniqueError as exc:
        return _problems(reporter, exc)
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


def register(sub: Any) -> None:
    """Add ``export hf`` and ``export brat`` to the ``communique`` parser's subparsers."""
    export = sub.add_parser(
        "export", help="export the validated gold (Hugging Face datasets, brat, Label Studio, PLOVER events)"
    )
    targets = export.add_subparsers(dest="target", required=True, metavar="TARGET")

    hf = targets.add_parser("hf", help="parquet configs + dataset card + Croissant, for datasets.load_dataset")
    hf.add_argument("--out", default="dist/hf", help="output folder (default: dist/hf)")
    hf.add_argument(
        "--annotations", default=ProjectPath("gold"), help="gold folder (default: the project's annotations/gold)"
    )
    hf.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    hf.add_argument(
        "--passes",
        default=ProjectPath("passes"),
        help="double-annotation passes for the card's agreement figures ('' for none)",
    )
    hf.add_argument("--max-shard-mb", type=float, default=256, help="shard size limit, MB of Arrow data")
    hf.add_argument("--jobs", type=int, default=1, help="processes to build rows with (default: 1)")
    add_engine(hf)
    hf.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip loading the export back with datasets.load_dataset",
    )
    add_format(hf, github=True)
    hf.set_defaults(func=cmd_export_hf)

    brat = targets.add_parser("brat", help=".txt/.ann standoff per document and annotation.conf")
    brat.add_argument("--out", default="dist/brat", help="output folder (default: dist/brat)")
    brat.add_argument(
        "--annotations", default=ProjectPath("gold"), help="gold folder (default: the project's annotations/gold)"
    )
    brat.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    add_format(brat, github=True)
    brat.set_defaults(func=cmd_export_brat)

    plover = targets.add_parser(
        "plover",
        help="one PLOVER event record per meeting, commitment and stance (JSON Lines; schema/plover-event)",
    )
    plover.add_argument("--out", default="-", help="output file, FILE.jsonl (default: - for stdout)")
    plover.add_argument(
        "--annotations", default=ProjectPath("gold"), help="gold folder (default: the project's annotations/gold)"
    )
    plover.add_argument("--corpus", default=ProjectPath("corpus"), help="corpus folder (default: the project's)")
    add_format(plover, github=True)
    plover.set_defaults(func=cmd_export_plover)

    from communique.cli.tools import register_export as _tools

    _tools(targets)
