"""``communique draft``: an annotation file pre-filled from an extractor, every item marked ``review: draft``.

``--from rules`` runs the rule-based baseline on the document; ``--from FILE`` takes the document's line of
a prediction file (checked as ``bench`` checks it). The YAML goes to ``--out`` (atomically) or stdout; an
existing ``--out`` file that differs (a draft you corrected by hand) is left alone unless ``--force``, which
keeps it as ``FILE.~N~``. Exit status: 0 drafted; 1 the predictions are invalid or hold no line for the
document, or ``--out`` exists; 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from communique.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    Reporter,
    write_result,
)
from communique.cli.options import PREDICTIONS_PATH, add_corpus, add_force, add_format, add_out
from communique.io.parse import ParseFailure, decode_utf8
from communique.io.read import JsonLine, json_lines, read_input
from communique.schema.errors import CommuniqueError, issue
from communique.schema.jsontypes import JsonObject

if TYPE_CHECKING:
    from communique.schema.predictions import PredictedDocument

__all__ = ["cmd_draft", "guidelines_reference", "load_prediction", "prediction_lines", "register"]


def load_prediction(source: str, document_id: str, corpus: str, reporter: Reporter) -> PredictedDocument | None:
    """The :class:`PredictedDocument` of ``document_id`` from ``rules`` or a prediction file; ``None``
    after reporting the problems when there is none."""
    from communique.bench.predictions import read_predictions
    from communique.corpus.store import CorpusStore
    from communique.schema.predictions import PredictedDocument, read_old_stances

    if source == "rules":
        from communique.extract import extract

        doc = CorpusStore(Path(corpus)).get(document_id)
        assert doc is not None  # checked by the caller
        return extract(doc, "rules")
    checked = read_predictions(source, corpus)
    if checked.errors:
        reporter.problems(checked.errors)
        return None
    for line in prediction_lines(source):
        if isinstance(line.value, dict) and line.value.get("document_id") == document_id:
            data: JsonObject = line.value
            if read_old_stances(data):  # prediction format 2.0: stance kinds among the commitments
                reporter.problems([i for i in checked.issues if i.code == "prediction-old-stances"])
            return PredictedDocument.model_validate(data)
    reporter.problems([issue("prediction-missing-document", f"no prediction line for {document_id!r}", file=source)])
    return None


def prediction_lines(source: str) -> list[JsonLine]:
    """The parsed lines of the prediction file ``source`` (read as every input is: a regular file, bounded,
    split on ``\\n`` only); raise :class:`CommuniqueError` with every line that is not JSON."""
    try:
        text = decode_utf8(read_input(source))
    except ParseFailure as failure:
        raise CommuniqueError([failure.issue.located(source, failure.issue.line, failure.issue.column)]) from None
    lines = list(json_lines(text, source))
    problems = [line.problem for line in lines if line.problem is not None]
    if problems:
        raise CommuniqueError(problems)
    return lines


def guidelines_reference() -> str:
    """What a draft's header sends the annotator to: the project's copy of the guidelines
    (``annotations/GUIDELINES.md``, relative to the project's folder) when it exists, else the command that
    prints them; never a path that is not there."""
    from communique.io.project import find_project
    from communique.schema.guidelines import GUIDELINES_NAME, PRINT_COMMAND

    project = find_project()
    copy = project.path("annotations") / GUIDELINES_NAME
    if not copy.is_file():
        return PRINT_COMMAND
    return Path(os.path.relpath(copy, project.root or Path.cwd())).as_posix()


def cmd_draft(args: argparse.Namespace, reporter: Reporter) -> int:
    from communique.annotate.draft import draft_annotations
    from communique.corpus.store import CorpusStore

    if args.source != "rules" and not Path(args.source).exists():  # one that is no regular file is refused below
        return reporter.usage(f"--from takes `rules` or a prediction file; no such file: {args.source}")
    corpus = CorpusStore(Path(args.corpus)).get(args.document)
    if corpus is None:
        return reporter.usage(f"no corpus document {args.document!r} in {args.corpus}")
    prediction = load_prediction(args.source, args.document, args.corpus, reporter)
    if prediction is None:
        return reporter.finish(EXIT_PROBLEMS)
    origin = "the rules baseline" if args.source == "rules" else Path(args.source).name
    drafted = draft_annotations(prediction, corpus, origin, guidelines_reference())
    reporter.problems(drafted.issues)
    write_result(reporter, drafted.text, args.out)
    reporter.note(f"drafted {drafted.items} item(s), all `review: draft`")
    return reporter.finish(EXIT_OK, {"document_id": args.document, "out": args.out, "items": drafted.items})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``draft`` subcommand to the ``communique`` parser's subparsers."""
    draft = sub.add_parser(
        "draft",
        help="write an annotation file pre-filled from an extractor (every item `review: draft`)",
        description="Draft an annotation YAML for DOCUMENT from the rules baseline or a prediction file.",
    )
    draft.add_argument("document", metavar="DOCUMENT", help="corpus document id")
    draft.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="rules|FILE",
        type=PREDICTIONS_PATH,
        help="`rules`, or a prediction file (JSONL)",
    )
    add_out(draft, "file")
    add_force(draft)
    add_corpus(draft)
    add_format(draft)
    draft.set_defaults(func=cmd_draft)
