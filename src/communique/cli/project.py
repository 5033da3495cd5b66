"""``communique init`` and ``communique add``: start a corpus project anywhere and bring texts into it."""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.cli.common import EXIT_OK, Reporter
from communique.cli.options import add_corpus, add_format, add_seeds
from communique.corpus.add import METADATA_FIELDS, add_text
from communique.io.project import guidelines_path, init_project
from communique.schema.guidelines import PRINT_COMMAND, guidelines_text, guidelines_version


def cmd_init(args: argparse.Namespace, reporter: Reporter) -> int:
    folder = Path(args.dir)
    config = init_project(folder, name=args.name, description=args.description or "")
    guidelines = guidelines_path(folder)
    version = guidelines_version()
    reporter.note(f"created {config} with seeds/, corpus/, annotations/gold/ and {guidelines}")
    if not (guidelines.is_file() and guidelines.read_text(encoding="utf-8") == guidelines_text()):
        reporter.note(
            f"kept the {guidelines} that was there; it is not the guidelines {version} of this communique "
            f"({PRINT_COMMAND} prints those)"
        )
    return reporter.finish(EXIT_OK, {"config": str(config), "root": str(folder), "guidelines": str(guidelines)})


def cmd_add(args: argparse.Namespace, reporter: Reporter) -> int:
    seeds, corpus = Path(args.seeds), Path(args.corpus)  # the project's unless given (see common.run)
    metadata = {name: getattr(args, name) for name in METADATA_FIELDS}
    added = add_text(Path(args.file), seeds, corpus, doc_id=args.id, metadata=metadata)
    reporter.note(f"added {added.id}: wrote {added.seed}, {added.metadata}, {added.corpus_document}")
    result = {
        "id": added.id,
        "seed": str(added.seed),
        "metadata": str(added.metadata),
        "corpus_document": str(added.corpus_document),
    }
    return reporter.finish(EXIT_OK, result)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` and ``add`` to the ``communique`` parser's subparsers."""
    init = sub.add_parser(
        "init",
        help="create a corpus project: communique.toml, seeds/, corpus/, annotations/gold/, the guidelines",
    )
    init.add_argument("dir", nargs="?", default=".", help="project folder (default: the current folder)")
    init.add_argument("--name", help="dataset name (default: the folder's name)")
    init.add_argument("--description", metavar="TEXT", help="one-paragraph description for the dataset card")
    add_format(init)
    init.set_defaults(func=cmd_init)

    add = sub.add_parser("add", help="add a text: copy it byte for byte, write its metadata, build its document")
    add.add_argument("file", metavar="FILE.txt", help="the text, UTF-8")
    add.add_argument("--id", help="document id (default: from the file name)")
    add.add_argument("--title", help="headline, if the text has one")
    add.add_argument("--url", help="where it was published")
    add.add_argument("--publisher", help="who published it")
    add.add_argument(
        "--date", dest="publication_date", metavar="DATE", help="publication date as known (e.g. 2024-05-03)"
    )
    add.add_argument("--licence", help="licence of the text (e.g. CC-BY-4.0)")
    add.add_argument("--language", help="ISO 639 code (default: en)")
    add.add_argument("--dateline", help="dateline as printed at the start of the text")
    add_seeds(add)
    add_corpus(add)
    add_format(add, github=True)
    add.set_defaults(func=cmd_add)
