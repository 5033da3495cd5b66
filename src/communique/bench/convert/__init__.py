"""Converters: other tools' output (spaCy, textacy, CoNLL/IOB2, Hugging Face pipelines, brat, Label Studio)
as prediction lines that ``communique bench`` scores. See :mod:`communique.bench.convert.formats`."""

from __future__ import annotations

from communique.bench.convert.common import CorpusIndex, DocumentBuilder, Target
from communique.bench.convert.formats import FORMATS, Converted, convert_path, quotations_line

__all__ = ["FORMATS", "Converted", "CorpusIndex", "DocumentBuilder", "Target", "convert_path", "quotations_line"]
