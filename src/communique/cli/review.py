"""``communique agree``, ``stats`` and ``render``: reviewing annotations."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from communique.cli.common import EXIT_OK, EXIT_PROBLEMS, ProjectPath, Reporter, write_file, write_result
from communique.cli.options import (
    ANNOTATIONS_PATH,
    add_corpus,
    add_force,
    add_format,
    add_gold,
    add_out,
    add_predictions,
)
from communique.schema.errors import issue
from communique.schema.models import AnnotatedDocument, CorpusDocument


def _load(paths: Sequence[str], corpus: str) -> list[AnnotatedDocument]:
    """Validated documents from ``paths``; raises CommuniqueError with every problem."""
    from communique.api import load_annotations

    return load_annotations([Path(p) for p in paths], corpus)


def cmd_agree(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.review.report import compare_sets, format_report

    # a CommuniqueError (an invalid pass) propagates: common.run reports it with exit 1
    report = compare_sets(_load([args.a], args.corpus), _load([args.b], args.corpus))
    if not report.documents:
        return reporter.usage(f"A ({args.a}) and B ({args.b}) annotate no document in common")
    reporter.text(format_report(report, args.format))
    result = report.as_dict()
    result["report_version"] = result.pop("version")  # the agreement format's own; "version" is the CLI's
    return reporter.finish(EXIT_OK, result)


def cmd_stats(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.annotate.stats import compute_stats, format_stats

    stats = compute_stats(_load(args.paths or [args.project_gold], args.corpus))
    reporter.text(format_stats(stats, args.format))
    return reporter.finish(EXIT_OK, stats)


#: how many document ids a message lists before "and N more"
SHOWN_IDS = 10


def cmd_render(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.formats.html import render_html

    if args.predictions is not None:
        if args.all:
            return reporter.usage("--all renders the gold; with --predictions, name one document")
        return _render_predictions(args, reporter)

    docs = _load([args.gold], args.corpus)
    if not docs:
        return reporter.usage(f"{args.gold} holds no annotation file: nothing to render")
    if args.all:
        if args.document:
            return reporter.usage("give a document or --all, not both")
        return _render_all(args, reporter, docs)
    wanted = args.document or (docs[0].document_id if len(docs) == 1 else None)
    chosen = [d for d in docs if d.document_id == wanted]
    if not chosen:
        ids = sorted(d.document_id for d in docs)
        known = ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")
        found = f"{wanted!r} not found; " if wanted else ""
        return reporter.usage(
            f"say which document to render ({found}known: {known}), or give --all to render every one into "
            "the folder --out"
        )
    corpus = _corpus_of(chosen[0], args.corpus, reporter)
    if corpus is None:
        return reporter.finish(EXIT_PROBLEMS)
    write_result(reporter, render_html(chosen[0], corpus), args.out)
    return reporter.finish(EXIT_OK, {"document_id": chosen[0].document_id, "out": args.out})


def _corpus_of(document: AnnotatedDocument, corpus_dir: str, reporter: Reporter) -> CorpusDocument | None:
    """The corpus document of a validated ``document``, or None after reporting that its file is broken."""
    from communique.corpus.store import CorpusStore

    try:
        corpus = CorpusStore(Path(corpus_dir)).get(document.document_id)
    except ValidationError as exc:  # the committed file is broken (validation read only its text)
        reporter.problems(
            [
                issue(
                    "corpus-invalid",
                    f"corpus document {document.document_id!r} is not valid: {exc.error_count()} problem(s)",
                    file=str(Path(corpus_dir) / f"{document.document_id}.json"),
                    hint="run `communique corpus build`",
                )
            ]
        )
        return None
    assert corpus is not None  # validation resolved it
    return corpus


def _render_all(args: argparse.Namespace, reporter: Reporter, docs: list[AnnotatedDocument]) -> int:
    """``render --all``: one page per document, ``<document_id>.html`` in the folder ``--out``; every page is
    checked against what it would replace before the first is written."""
    from communique.formats.html import render_html
    from communique.io.write import check_new_or_forced

    folder = Path(args.out)
    pages: list[tuple[Path, str]] = []
    for document in sorted(docs, key=lambda d: d.document_id):
        corpus = _corpus_of(document, args.corpus, reporter)
        if corpus is not None:
            pages.append((folder / f"{document.document_id}.html", render_html(document, corpus)))
    if len(pages) < len(docs):
        reporter.note("nothing was written: fix the problems above first")
        return reporter.finish(EXIT_PROBLEMS)
    folder.mkdir(parents=True, exist_ok=True)
    for path, page in pages:
        check_new_or_forced(path, page, force=reporter.force)
    for path, page in pages:
        write_file(reporter, path, page)
    reporter.note(f"wrote {len(pages)} page(s) into {folder}")
    result = {"document_id": None, "out": args.out, "pages": [str(p) for p, _ in pages]}
    return reporter.finish(EXIT_OK, result)


def _render_predictions(args: argparse.Namespace, reporter: Reporter) -> int:
    """``render --predictions FILE``: the predictions drafted and drawn like gold; beside the gold when there is
    one."""
    from communique.annotate.draft import drafted_document
    from communique.annotate.validate import find_annotation_files
    from communique.cli.draft import load_prediction, prediction_lines
    from communique.corpus.store import CorpusStore
    from communique.formats.html import render_prediction_html

    if not Path(args.predictions).exists():  # one that is no regular file is refused when it is read
        return reporter.usage(f"no such prediction file: {args.predictions}")
    wanted = args.document
    if wanted is None:
        ids = {
            line.value.get("document_id") if isinstance(line.value, dict) else None
            for line in prediction_lines(args.predictions)
        }
        if len(ids) != 1:
            return reporter.usage("say which document to render (the prediction file has several or none)")
        wanted = str(next(iter(ids)))
    corpus = CorpusStore(Path(args.corpus)).get(wanted)
    if corpus is None:
        return reporter.usage(f"no corpus document {wanted!r} in {args.corpus}")
    prediction = load_prediction(args.predictions, wanted, args.corpus, reporter)
    if prediction is None:
        return reporter.finish(EXIT_PROBLEMS)
    drafted = drafted_document(prediction, corpus, Path(args.predictions).name)
    gold = None
    if Path(args.gold).exists() and list(find_annotation_files([Path(args.gold)])):
        gold = next((d for d in _load([args.gold], args.corpus) if d.document_id == wanted), None)
    write_result(reporter, render_prediction_html(drafted, corpus, gold), args.out)
    return reporter.finish(EXIT_OK, {"document_id": wanted, "out": args.out, "gold": gold is not None})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``agree``, ``stats`` and ``render`` to the ``communique`` parser's subparsers."""
    agree = sub.add_parser(
        "agree", help="inter-annotator agreement between two passes, per document (paired by id) and micro"
    )
    agree.add_argument(
        "a", metavar="A", type=ANNOTATIONS_PATH, help="first pass, the reference (annotation file or folder)"
    )
    agree.add_argument("b", metavar="B", type=ANNOTATIONS_PATH, help="second pass (annotation file or folder)")
    add_corpus(agree)
    add_format(agree, extra=("markdown",))
    agree.set_defaults(func=cmd_agree)

    stats = sub.add_parser("stats", help="counts per layer and kind, per document and in total")
    stats.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        type=ANNOTATIONS_PATH,
        help="annotation files or folders (default: annotations/gold)",
    )
    add_corpus(stats)
    add_format(stats, extra=("markdown",))
    stats.set_defaults(func=cmd_stats, project_gold=ProjectPath("gold"))

    render = sub.add_parser(
        "render",
        help="write a self-contained HTML page to review a document's annotations",
        description="Write a self-contained HTML page of one document's gold annotations (--gold: any annotation "
        "file or folder) or, with --predictions FILE, of its prediction line drafted like gold, beside its gold "
        "when there is one.",
    )
    render.add_argument("document", nargs="?", help="document id (default: the only one)")
    render.add_argument(
        "--all", action="store_true", help="render every document: --out is then a folder of DOCUMENT_ID.html pages"
    )
    add_out(render, "file", required=True)
    add_force(render)
    add_gold(render)
    add_corpus(render)
    add_predictions(render)
    add_format(render)
    render.set_defaults(func=cmd_render)
