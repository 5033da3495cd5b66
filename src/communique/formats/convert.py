"""``communique convert``: other tools' output read into predictions (format 2.0) that ``communique bench``
scores. Each format is read by its tool's module; :data:`FORMATS` names them:

* ``spacy`` (:mod:`communique.formats.spacy`): a spaCy ``DocBin``; entities and span groups by label;
* ``textacy`` (:mod:`communique.formats.textacy`): textacy's ``direct_quotations`` on a DocBin of parsed docs;
* ``conll`` (:mod:`communique.formats.conll`): CoNLL/IOB2 token tags;
* ``hf`` (:mod:`communique.formats.hf_pipeline`): Hugging Face token-classification pipeline output;
* ``brat`` (:mod:`communique.formats.brat`): a folder of ``.ann`` + ``.txt``, as ``export brat`` writes it
  or as brat and INCEpTION save it;
* ``labelstudio`` (:mod:`communique.formats.label_studio`): a Label Studio JSON export.

What the formats call a quote is an attribution of format 2.0, its speaker the attribution's source.

A document is matched to the corpus by its id (file stem, ``user_data["document_id"]``, a ``document_id``
field) or, failing that, by its exact text; two documents of the input for one corpus document are an error
(``convert-duplicate-document``), since ``bench`` refuses two lines for one document.

Every input is read as :mod:`communique.io.read` reads files (regular files only, within a byte cap; JSON
strictly, JSON Lines split on ``\\n`` only). The shapes of the outside formats are checked with small
Pydantic models, one group per format (``Hf*``, ``Ls*``, the DocBin adapters), so every problem is located:
file, line (or task or doc number) and JSON path. Offsets that are negative, reversed or outside the text
are left out with a located ``convert-span-dropped`` warning, never silently.
"""

from __future__ import annotations

from pathlib import Path

from communique.formats.brat import convert_brat
from communique.formats.builder import Converted, CorpusIndex, Reader
from communique.formats.conll import convert_conll
from communique.formats.hf_pipeline import convert_hf
from communique.formats.label_studio import convert_label_studio
from communique.formats.spacy import convert_spacy
from communique.formats.textacy import convert_textacy
from communique.schema.errors import CommuniqueError, Severity, issue

__all__ = ["FORMATS", "Converted", "convert_path"]

#: ``--from`` name -> the format's reader
FORMATS: dict[str, Reader] = {
    "spacy": convert_spacy,
    "textacy": convert_textacy,
    "conll": convert_conll,
    "hf": convert_hf,
    "brat": convert_brat,
    "labelstudio": convert_label_studio,
}


def convert_path(fmt: str, path: Path, corpus: Path) -> Converted:
    """Convert ``path`` (in format ``fmt``, see :data:`FORMATS`) into predictions for ``corpus``.

    Raise :class:`CommuniqueError` when the input cannot be read, does not have the format's shape, holds a
    document that is not in the corpus or two for one; it carries every problem found (warnings too). The
    result's ``issues`` are warnings (a token that could not be aligned, labels or spans left out)."""
    if not path.exists():
        raise CommuniqueError([issue("file-not-found", "no such file or folder", file=str(path))])
    out = Converted()
    FORMATS[fmt](path, CorpusIndex(corpus), out)
    if any(i.severity is Severity.ERROR for i in out.issues):  # all of them, now that the input is read
        raise CommuniqueError(out.issues)
    return out
