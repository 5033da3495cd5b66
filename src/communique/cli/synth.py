"""``communique synth``: write a deterministic synthetic corpus for scale tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import EXIT_OK, Reporter, progress
from communique.cli.options import add_force, add_format, add_jobs, add_out


def cmd_synth(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.synth.generate import synthesise

    if args.docs < 1 or not 0 <= args.error_rate <= 1:
        return reporter.usage("--docs must be at least 1 and --error-rate within [0, 1]")
    out = Path(args.out)
    kept: list[str] = []
    written = synthesise(
        out, args.docs, args.seed, error_rate=args.error_rate, workers=args.workers, force=args.force, kept=kept
    )
    for _ in progress(written, "synth", total=args.docs):
        pass
    if kept:
        reporter.note(f"kept {len(kept)} previous file(s) that differed as FILE.~N~, e.g. {kept[0]}")
    reporter.note(
        f"wrote {args.docs} synthetic document(s) to {out} (seeds/, corpus/, annotations/, predictions.jsonl)"
    )
    result = {
        "out": str(out),
        "documents": args.docs,
        "seed": args.seed,
        "error_rate": args.error_rate,
        "predictions": str(out / "predictions.jsonl"),
    }
    return reporter.finish(EXIT_OK, result)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``synth`` to the ``communique`` parser's subparsers."""
    synth = sub.add_parser("synth", help="write a deterministic synthetic corpus for scale tests")
    synth.add_argument("--docs", type=int, required=True, metavar="N", help="number of documents")
    synth.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    add_out(synth, "folder", required=True)
    synth.add_argument(
        "--error-rate", type=float, default=0.1, metavar="X", help="error rate of the predictions (default: 0.1)"
    )
    add_jobs(synth)
    add_force(synth)
    add_format(synth)
    synth.set_defaults(func=cmd_synth)
