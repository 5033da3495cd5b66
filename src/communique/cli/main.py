"""The ``communique`` command. Results go to stdout, diagnostics and progress to stderr.

Exit status: 0 when clean, 1 when problems were found, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from communique import __version__
from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import find_annotation_files, validate_issues
from communique.cli.output import FORMATS, write_report
from communique.corpus.build import build_corpus
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, Severity, issue
from communique.schema.generate import render_schemas

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on an interactive terminal; silent in CI and when stderr is piped."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm  # comes with datasets; imported only when a bar is shown

    yield from tqdm(items, desc=desc, total=total, unit="doc", file=sys.stderr, leave=False)


def _print_issues(issues: list[Issue], fmt: str = "text", files: int = 0) -> None:
    write_report(issues, files, fmt, sys.stderr if fmt == "text" else sys.stdout)


def cmd_corpus_build(args: argparse.Namespace) -> int:
    seeds, corpus = Path(args.seeds), Path(args.corpus)
    if not seeds.is_dir():
        _print_issues([issue("file-not-found", "no seed folder", file=str(seeds))])
        return EXIT_USAGE
    stale = built = written = 0
    try:
        for doc_id, changed in progress(build_corpus(seeds, corpus, check=args.check, jobs=args.jobs), "corpus"):
            built += 1
            if changed and args.check:
                stale += 1
                _print_issues(
                    [
                        issue(
                            "corpus-stale",
                            f"{doc_id}: committed corpus document differs from its seed",
                            file=str(corpus / f"{doc_id}.json"),
                            hint="run `communique corpus build`",
                        )
                    ]
                )
            elif changed:
                written += 1
                print(f"wrote {corpus / f'{doc_id}.json'}")
    except CommuniqueError as exc:
        _print_issues(exc.issues)
        return EXIT_PROBLEMS
    if args.check:
        print(f"{built} corpus document(s) checked, {stale} stale", file=sys.stderr)
    else:
        print(f"{built} corpus document(s) built, {written} written", file=sys.stderr)
    return EXIT_PROBLEMS if stale else EXIT_OK


def _existing(paths: Sequence[str]) -> tuple[list[Path], list[Issue]]:
    found, missing = [], []
    for raw in paths:
        path = Path(raw)
        (found if path.exists() else missing).append(path)
    return found, [issue("file-not-found", "no such file or folder", file=str(p)) for p in missing]


def cmd_validate(args: argparse.Namespace) -> int:
    paths, missing = _existing(args.paths or ["annotations"])
    if missing:
        _print_issues(missing, args.format)
        return EXIT_USAGE
    issues: list[Issue] = []
    files = list(find_annotation_files(paths))
    for found in progress(validate_issues(files, Path(args.corpus), args.jobs), "validate", total=len(files)):
        issues.extend(found)
    write_report(issues, len(files), args.format, sys.stdout)
    failing = any(i.severity is Severity.ERROR or args.strict for i in issues)
    return EXIT_PROBLEMS if failing else EXIT_OK


def cmd_anchor(args: argparse.Namespace) -> int:
    paths, missing = _existing(args.paths or ["annotations"])
    if missing:
        _print_issues(missing)
        return EXIT_USAGE
    files = list(find_annotation_files(paths))
    problems: list[Issue] = []
    changed = 0
    for path in progress(files, "anchor"):
        result = anchor_file(path, Path(args.corpus), write=not args.check)
        problems.extend(result.issues)
        if result.changed:
            changed += 1
            print(f"{'would anchor' if args.check else 'anchored'} {result.spans} span(s) in {path}")
    _print_issues(problems, files=len(files))
    return EXIT_PROBLEMS if problems or (args.check and changed) else EXIT_OK


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


def _load(paths: Sequence[str], corpus: str) -> list:
    """Validated documents from ``paths``; raises CommuniqueError with every problem."""
    from communique.api import load_annotations

    return load_annotations([Path(p) for p in paths], corpus)


def cmd_agree(args: argparse.Namespace) -> int:
    from communique.review.agreement import compare, format_agreement

    try:
        (a,), (b,) = _load([args.a], args.corpus), _load([args.b], args.corpus)
    except CommuniqueError as exc:
        _print_issues(exc.issues)
        return EXIT_PROBLEMS
    except ValueError:
        print("each of A and B must hold exactly one annotation document", file=sys.stderr)
        return EXIT_USAGE
    if a.document_id != b.document_id:
        print(f"A annotates {a.document_id!r} but B annotates {b.document_id!r}", file=sys.stderr)
        return EXIT_USAGE
    result = compare(a, b)
    if args.format == "json":
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_agreement(result, args.format))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from communique.review.stats import compute_stats, format_stats

    try:
        docs = _load(args.paths or ["annotations/gold"], args.corpus)
    except CommuniqueError as exc:
        _print_issues(exc.issues)
        return EXIT_PROBLEMS
    stats = compute_stats(docs)
    if args.format == "json":
        json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_stats(stats, args.format))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from communique.corpus.store import CorpusStore
    from communique.review.render import render_html

    try:
        docs = _load([args.annotations], args.corpus)
    except CommuniqueError as exc:
        _print_issues(exc.issues)
        return EXIT_PROBLEMS
    wanted = args.document or (docs[0].document_id if len(docs) == 1 else None)
    chosen = [d for d in docs if d.document_id == wanted]
    if not chosen:
        known = ", ".join(sorted(d.document_id for d in docs))
        print(f"say which document to render ({'not found; ' if wanted else ''}known: {known})", file=sys.stderr)
        return EXIT_USAGE
    try:
        corpus = CorpusStore(Path(args.corpus)).get(chosen[0].document_id)
    except ValidationError as exc:  # the committed file is broken (validation read only its text)
        _print_issues(
            [
                issue(
                    "corpus-invalid",
                    f"corpus document {chosen[0].document_id!r} is not valid: {exc.error_count()} problem(s)",
                    hint="run `communique corpus build`",
                )
            ]
        )
        return EXIT_PROBLEMS
    assert corpus is not None  # validation resolved it
    write_atomic(Path(args.out), render_html(chosen[0], corpus))
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from communique.synth.generate import synthesise

    if args.docs < 1 or not 0 <= args.error_rate <= 1:
        print("--docs must be at least 1 and --error-rate within [0, 1]", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    for _ in progress(
        synthesise(out, args.docs, args.seed, error_rate=args.error_rate, jobs=args.jobs), "synth", total=args.docs
    ):
        pass
    print(
        f"wrote {args.docs} synthetic document(s) to {out} (seeds/, corpus/, annotations/, predictions.jsonl)",
        file=sys.stderr,
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="communique", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"communique {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    corpus = sub.add_parser("corpus", help="build the corpus from the seeds")
    corpus_sub = corpus.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = corpus_sub.add_parser("build", help="turn every seed into corpus/<id>.json (deterministic)")
    build.add_argument("--seeds", default="seeds", help="seed folder (default: seeds)")
    build.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if a document is stale")
    build.add_argument("--jobs", type=int, default=1, help="processes to build with (default: 1)")
    build.set_defaults(func=cmd_corpus_build)

    validate = sub.add_parser("validate", help="check annotation files; report every problem")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: annotations)")
    validate.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    validate.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    validate.add_argument("--strict", action="store_true", help="treat warnings as problems (exit 1)")
    validate.add_argument("--jobs", type=int, default=1, help="processes to validate with (default: 1)")
    validate.set_defaults(func=cmd_validate)

    anchor = sub.add_parser("anchor", help="write offsets for spans given by text alone")
    anchor.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: annotations)")
    anchor.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    anchor.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file needs anchoring")
    anchor.set_defaults(func=cmd_anchor)

    schema = sub.add_parser("schema", help="regenerate the JSON Schemas from the models")
    schema.add_argument("--out", default="schema", help="output folder (default: schema)")
    schema.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files drifted")
    schema.set_defaults(func=cmd_schema)

    agree = sub.add_parser("agree", help="inter-annotator agreement between two passes over one document")
    agree.add_argument("a", metavar="A", help="first pass (file or folder with one document)")
    agree.add_argument("b", metavar="B", help="second pass")
    agree.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    agree.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    agree.set_defaults(func=cmd_agree)

    stats = sub.add_parser("stats", help="counts per layer and kind, per document and in total")
    stats.add_argument(
        "paths", nargs="*", metavar="PATH", help="annotation files or folders (default: annotations/gold)"
    )
    stats.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    stats.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    stats.set_defaults(func=cmd_stats)

    render = sub.add_parser("render", help="write a self-contained HTML page to review a document's annotations")
    render.add_argument("document", nargs="?", help="document id (default: the only one)")
    render.add_argument("--out", required=True, help="HTML file to write")
    render.add_argument(
        "--annotations", default="annotations/gold", help="annotation file or folder (default: annotations/gold)"
    )
    render.add_argument("--corpus", default="corpus", help="corpus folder (default: corpus)")
    render.set_defaults(func=cmd_render)

    synth = sub.add_parser("synth", help="write a deterministic synthetic corpus for scale tests")
    synth.add_argument("--docs", type=int, required=True, help="number of documents")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    synth.add_argument("--out", required=True, help="output folder")
    synth.add_argument("--error-rate", type=float, default=0.1, help="error rate of the predictions (default: 0.1)")
    synth.add_argument("--jobs", type=int, default=1, help="processes to generate with (default: 1)")
    synth.set_defaults(func=cmd_synth)

    from communique.cli.export import register as _export

    _export(sub)
    # -- more subcommands register here (one line per module) --
    from communique.cli.tools import register as _tools

    _tools(sub)
    from communique.cli.bench import register as _bench

    _bench(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `communique validate | head`
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
