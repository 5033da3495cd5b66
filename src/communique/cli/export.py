"""``communique export hf`` and ``communique export brat``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from communique.cli.output import write_report
from communique.schema.errors import CommuniqueError

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _problems(exc: CommuniqueError) -> int:
    write_report(exc.issues, len({i.file for i in exc.issues}), "text", sys.stderr)
    print("nothing was exported: fix the problems above first", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_export_hf(args: argparse.Namespace) -> int:
    from communique.export.hf import load_back
    from communique.export.run import export_hf

    out = Path(args.out)
    try:
        result = export_hf(
            Path(args.annotations),
            Path(args.corpus),
            out,
            passes=Path(args.passes) if args.passes else None,
            max_shard_bytes=int(args.max_shard_mb * 1024 * 1024),
            jobs=args.jobs,
        )
    except CommuniqueError as exc:
        return _problems(exc)
    files = sum(len(s) for splits in result.shards.values() for s in splits.values())
    print(f"wrote {out} ({files} parquet file(s), README.md, croissant.json)", file=sys.stderr)
    sizes = result.split_sizes()
    if args.verify:
        with tempfile.TemporaryDirectory(prefix="communique-hf-cache-") as cache:
            sizes = load_back(out, Path(cache))
        print("loaded back with datasets.load_dataset (offline, fresh cache):", file=sys.stderr)
    width = max(len(c) for c in sizes)
    print(f"{'config':<{width}}  {'split':<10}  rows")
    for config, splits in sizes.items():
        for split, rows in splits.items():
            print(f"{config:<{width}}  {split:<10}  {rows}")
    return EXIT_OK


def cmd_export_brat(args: argparse.Namespace) -> int:
    from communique.export.brat import export_brat
    from communique.export.run import iter_valid

    try:
        written = export_brat(iter_valid(Path(args.annotations), Path(args.corpus)), Path(args.out))
    except CommuniqueError as exc:
        return _problems(exc)
    print(f"wrote {args.out}: annotation.conf, visual.conf and .txt/.ann for {written} document(s)", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="export the validated gold (Hugging Face datasets, brat)")
    formats = export.add_subparsers(dest="format", required=True, metavar="FORMAT")

    hf = formats.add_parser("hf", help="parquet configs + dataset card + Croissant, for datasets.load_dataset")
    hf.add_argument("--out", default="dist/hf", help="output folder (default: dist/hf)")
    hf.add_argument("--annotations", default="annotations/gold", help="gold folder (default: annotations/gold)")
    hf.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    hf.add_argument(
        "--passes",
        default="annotations/passes",
        help="double-annotation passes for the card's agreement figures ('' for none)",
    )
    hf.add_argument("--max-shard-mb", type=float, default=256, help="shard size limit, MB of Arrow data")
    hf.add_argument("--jobs", type=int, default=1, help="processes to build rows with (default: 1)")
    hf.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip loading the export back with datasets.load_dataset",
    )
    hf.set_defaults(func=cmd_export_hf)

    brat = formats.add_parser("brat", help=".txt/.ann standoff per document and annotation.conf")
    brat.add_argument("--out", default="dist/brat", help="output folder (default: dist/brat)")
    brat.add_argument("--annotations", default="annotations/gold", help="gold folder (default: annotations/gold)")
    brat.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    brat.set_defaults(func=cmd_export_brat)

    from communique.cli.tools import register_export as _tools

    _tools(formats)
