"""communique: a gold-annotated news corpus of who met whom, who said what and who committed to what.

The public API follows the data flow: seeds -> corpus documents -> annotations -> validation.

>>> import communique
>>> doc = communique.load_corpus_document("corpus/iran-pakistan-military-talks.json")
>>> gold = communique.load_annotations("annotations/gold")          # validated models, or CommuniqueError
>>> reports = communique.validate_paths(["annotations"])             # the issues the CLI prints
"""

from __future__ import annotations

from communique.annotate.validate import FileReport
from communique.api import (
    build_corpus,
    iter_annotations,
    load_annotations,
    load_corpus,
    load_corpus_document,
    validate_paths,
)
from communique.schema.errors import CATALOGUE, CommuniqueError, Issue, Severity
from communique.schema.models import (
    AnnotatedDocument,
    Attribution,
    Commitment,
    CorpusDocument,
    Meeting,
    Mention,
    Official,
    Source,
    Span,
    Stance,
)
from communique.version import __version__

__all__ = [
    "CATALOGUE",
    "AnnotatedDocument",
    "Attribution",
    "Commitment",
    "CommuniqueError",
    "CorpusDocument",
    "FileReport",
    "Issue",
    "Meeting",
    "Mention",
    "Official",
    "Severity",
    "Source",
    "Span",
    "Stance",
    "__version__",
    "build_corpus",
    "iter_annotations",
    "load_annotations",
    "load_corpus",
    "load_corpus_document",
    "validate_paths",
]
