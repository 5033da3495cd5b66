"""Agreement between two annotation passes over many documents: the report of ``communique agree``.

Each document both passes annotate is compared with :func:`communique.compare.agreement.compare` (the one
comparison the benchmark's machinery gives; see that module for what is measured); the figures of all of them
are summed (micro), and the documents only one pass annotates are listed.

JSON (``communique agree --format json``; stable, ``version`` changes if a key does)::

    {
      "version": 3,
      "documents": {                      # documents annotated on both sides, by document_id
        "<document_id>": {"layers": LAYERS, "differences": [{"layer", "kind", "a", "b"}, ...]}
      },
      "micro": {"documents": N, "layers": LAYERS, "differences": COUNT},   # counts summed over documents
      "only_a": ["<document_id>", ...],    # annotated in A only (not in micro)
      "only_b": ["<document_id>", ...]
    }

``LAYERS`` is described in :mod:`communique.compare.agreement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from communique.compare.agreement import (
    Agreement,
    Figure,
    compare,
    format_agreement,
    layers_dict,
    layers_table,
    sum_figures,
)
from communique.schema.jsontypes import JsonObject
from communique.schema.models import AnnotatedDocument

__all__ = ["FORMAT_VERSION", "AgreementReport", "compare_sets", "format_report"]

FORMAT_VERSION = 3  # 2: schema 2.0 layers (sources, attributions) and fields; 3: stances, condition (2.1)


@dataclass
class AgreementReport:
    """Agreement over many documents: per document, micro over them, and the documents only one side has."""

    documents: dict[str, Agreement]
    only_a: list[str]
    only_b: list[str]

    @property
    def micro(self) -> dict[str, dict[str, Figure]]:
        """Every figure's counts summed over the documents on both sides."""
        return sum_figures(doc.figures for doc in self.documents.values())

    def as_dict(self) -> JsonObject:
        return {
            "version": FORMAT_VERSION,
            "documents": {doc_id: doc.as_dict() for doc_id, doc in self.documents.items()},
            "micro": {
                "documents": len(self.documents),
                "layers": layers_dict(self.micro),
                "differences": sum(len(doc.differences) for doc in self.documents.values()),
            },
            "only_a": self.only_a,
            "only_b": self.only_b,
        }


def compare_sets(a: Sequence[AnnotatedDocument], b: Sequence[AnnotatedDocument]) -> AgreementReport:
    """Agreement of pass ``b`` with pass ``a`` on every document both annotate, paired by ``document_id``."""
    by_a = {doc.document_id: doc for doc in a}
    by_b = {doc.document_id: doc for doc in b}
    return AgreementReport(
        documents={doc_id: compare(by_a[doc_id], by_b[doc_id]) for doc_id in sorted(by_a.keys() & by_b.keys())},
        only_a=sorted(by_a.keys() - by_b.keys()),
        only_b=sorted(by_b.keys() - by_a.keys()),
    )


def format_report(report: AgreementReport, fmt: str = "text") -> str:
    """Every document's agreement, then (for more than one document) the micro figures over them all, then
    the documents only one pass annotates; as text or markdown."""

    def heading(title: str) -> str:
        return f"## {title}" if fmt == "markdown" else f"== {title}"

    parts = [
        f"{heading(f'document {doc_id}')}\n\n{format_agreement(doc, fmt)}" for doc_id, doc in report.documents.items()
    ]
    if len(report.documents) > 1:
        total = sum(len(doc.differences) for doc in report.documents.values())
        table = layers_table(layers_dict(report.micro), fmt)
        parts.append(
            f"{heading(f'micro over {len(report.documents)} documents')}\n\n{table}\n\n{total} difference(s) in all"
        )
    for side, only in (("A", report.only_a), ("B", report.only_b)):
        if only:
            parts.append(f"{heading(f'only in {side}')}\n\n" + "\n".join(f"- {doc_id}" for doc_id in only))
    return "\n\n".join(parts)
