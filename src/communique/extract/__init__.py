"""Baseline extractors that write predictions in the bench's format (one JSON object per document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from communique.extract.rules import extract_rules
from communique.schema.models import CorpusDocument

__all__ = ["METHODS", "extract"]

#: method name -> extractor; each returns one prediction line for one corpus document
METHODS: dict[str, Callable[[CorpusDocument], dict[str, Any]]] = {"rules": extract_rules}


def extract(doc: CorpusDocument, method: str = "rules") -> dict[str, Any]:
    """Predictions for ``doc`` by ``method`` (see :data:`METHODS`), ready to be written as a JSON line."""
    return METHODS[method](doc)
