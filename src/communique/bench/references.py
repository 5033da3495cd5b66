"""Officials referenced by a stretch of text (``speaker_span``, ``actor_span``, ``addressee_span``,
``official_span``).

Quotation extractors return the speaker as a token span ("he", "Chief", "staff chief"). Such a reference
(``span:START:END`` in scoring form) denotes the **gold** official one of whose mentions overlaps it most
(pronouns included, so a correctly found "he" scores as right); failing that, the gold official aligned
with the **predicted** official one of whose mentions overlaps it; failing that, nobody: it is reported
(``prediction-span-unresolved``) and scored as wrong.
"""

from __future__ import annotations

from communique.compare.annotations import Annotations, OfficialItem, Source
from communique.compare.officials import OfficialAlignment

__all__ = ["resolve_span_refs"]


def _shared(start: int, end: int, mentions: frozenset[tuple[int, int]]) -> int:
    return max((min(end, e) - max(start, s) for s, e in mentions), default=0)


def _holder(start: int, end: int, officials: list[OfficialItem]) -> OfficialItem | None:
    """The official with the mention that overlaps ``[start, end)`` most; ties go to the canonical first."""
    best = max(
        ((_shared(start, end, o.mentions), -rank, o) for rank, o in enumerate(officials)),
        key=lambda t: (t[0], t[1]),
        default=None,
    )
    return best[2] if best is not None and best[0] > 0 else None


def resolve_span_refs(gold: Annotations, pred: Annotations, alignment: OfficialAlignment) -> list[tuple[str, Source]]:
    """Add the span references of ``pred`` to ``alignment.mapping``; return those that resolve to no one
    (with where they were written). Unanchored spans are already reported as not found, so not returned."""
    golds = sorted(gold.officials, key=lambda o: o.sort_key())
    declared = sorted((o for o in pred.officials if not o.by_name), key=lambda o: o.sort_key())
    unresolved: list[tuple[str, Source]] = []
    for ref, source in sorted(pred.span_refs.items()):
        parts = ref.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            continue  # span:unanchored
        start, end = int(parts[1]), int(parts[2])
        found = _holder(start, end, golds)
        if found is not None:
            alignment.mapping[ref] = found.ref
            continue
        held = _holder(start, end, declared)
        if held is None:
            unresolved.append((ref, source))
        elif (mapped := alignment.gold_of(held.ref)) is not None:
            alignment.mapping[ref] = mapped
    return unresolved
