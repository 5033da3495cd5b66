"""One module per outside tool or format: everything communique reads from it or writes for it.

* :mod:`~communique.formats.brat` (export, import, convert; its syntax in :mod:`~communique.formats.standoff`),
  :mod:`~communique.formats.label_studio` (export, import, convert), :mod:`~communique.formats.plover`
  (export), :mod:`~communique.formats.spacy`, :mod:`~communique.formats.textacy`,
  :mod:`~communique.formats.conll`, :mod:`~communique.formats.hf_pipeline` (convert);
* :mod:`~communique.formats.html`: the one HTML renderer of gold, predictions and benchmark outcomes;
* :mod:`~communique.formats.builder`: what every converter shares (the corpus index, building one
  :class:`~communique.schema.predictions.PredictedDocument`, the flat-label table, located problems);
  :mod:`~communique.formats.convert`: the ``convert --from`` registry.

Each tool module has one vocabulary table, built from the models' ``Literal`` types where it names kinds,
from which the tool's configuration, reader and writer derive; the outside shapes are checked by small
Pydantic models in the same module. A format module may import ``annotate``, ``corpus``, ``io`` and
``schema``, never a stage above (``bench``, ``review``, ``export`` ... call it).
"""
