"""Baseline extractors that write predictions in the bench's format (one JSON object per document)."""

from __future__ import annotations

from collections.abc import Callable

from communique.extract.rules import extract_rules
from communique.schema.models import CorpusDocument
from communique.schema.predictions import PredictedDocument

__all__ = ["METHODS", "extract"]

#: method name -> extractor; each returns the predictions for one corpus document (one prediction line)
METHODS: dict[str, Callable[[CorpusDocument], PredictedDocument]] = {"rules": extract_rules}


def extract(doc: CorpusDocument, method: str = "rules") -> PredictedDocument:
    """Predictions for ``doc`` by ``method`` (see :data:`METHODS`); written with
    :func:`communique.schema.predictions.prediction_line`."""
    return METHODS[method](doc)
