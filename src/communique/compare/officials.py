"""Which predicted official is which gold official.

* **Declared** officials (listed in ``officials``, with mentions or a name) are aligned one-to-one with the
  gold officials, maximising first the mentions they share exactly, then the mentions that overlap, then
  how well their names match (:mod:`communique.annotate.names`; a declared official's mention texts count as
  names too).
* **Name-only** officials (a ``speaker_name``, ``actor_name`` or ``official_name`` that matches no
  declared official) are not clusters of mentions, only descriptions: each denotes the gold official its
  name matches best, by every word it holds (name, office, nationality:
  :func:`communique.annotate.names.description_score`), if exactly one matches best.

Speakers, actors and participants are compared through the resulting mapping. CEAF-e aligns the mention
clusters on their own, by phi4, as its definition requires.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from communique.annotate.names import description_score, name_score
from communique.compare.annotations import Annotations, OfficialItem
from communique.compare.matching import match

__all__ = ["Ceaf", "OfficialAlignment", "align_officials", "ceaf_e", "ceaf_pairs", "clusters", "phi4"]


@dataclass
class OfficialAlignment:
    """Predicted official ref -> gold official id, with how each was found."""

    mapping: dict[str, str] = field(default_factory=dict)
    declared: int = 0
    by_mentions: int = 0
    by_name: int = 0
    name_only: int = 0
    name_only_resolved: int = 0
    unknown: list[OfficialItem] = field(default_factory=list)  # referenced by name, matching no gold official
    # of those, the ones several gold officials match equally well: predicted ref -> their names
    several: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def gold_of(self, ref: str | None) -> str | None:
        return None if ref is None else self.mapping.get(ref)

    def as_dict(self) -> dict[str, int]:
        return {
            "declared": self.declared,
            "aligned_by_mentions": self.by_mentions,
            "aligned_by_name": self.by_name,
            "name_only": self.name_only,
            "name_only_resolved": self.name_only_resolved,
            "unknown": len(self.unknown),
        }


def _name_match(pred: OfficialItem, gold: OfficialItem) -> float:
    return max((name_score(key, gold.keys) for key in pred.keys), default=0.0)


def _description_match(pred: OfficialItem, gold: OfficialItem) -> float:
    """How well a name-only official's names, read as descriptions, match a gold official."""
    keys = gold.description_keys()
    return max((description_score(key, keys, gold.country) for key in pred.keys), default=0.0)


@lru_cache(maxsize=256)
def _reach(mentions: frozenset[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The (non-empty) mentions' starts in order, and the furthest end among the mentions up to each."""
    ordered = sorted((s, e) for s, e in mentions if e > s)
    return [s for s, _ in ordered], list(accumulate((e for _, e in ordered), max))


def _overlapping(pred: OfficialItem, gold: OfficialItem) -> int:
    """Predicted mentions that overlap some mention of the gold official.

    A mention [s, e) overlaps one of the gold mentions starting before ``e`` exactly when the furthest of
    their ends lies beyond ``s``: one bisection per predicted mention, O((p + g) log g) in all.
    """
    if not pred.mentions or not gold.mentions:
        return 0
    starts, reach = _reach(gold.mentions)
    count = 0
    for s, e in pred.mentions:
        before = bisect.bisect_left(starts, e)
        if e > s and before and reach[before - 1] > s:
            count += 1
    return count


def align_officials(gold: Annotations, pred: Annotations) -> OfficialAlignment:
    """Map every predicted official that can be mapped to a gold official (see the module docstring)."""
    result = OfficialAlignment()
    golds = sorted(gold.officials, key=lambda o: o.sort_key())
    declared = [o for o in pred.officials if not o.by_name]
    result.declared = len(declared)
    pairs = match(golds, declared, lambda g, p: (len(g.mentions & p.mentions), _overlapping(p, g), _name_match(p, g)))
    for i, j in pairs:
        result.mapping[declared[j].ref] = golds[i].ref
        if declared[j].mentions & golds[i].mentions or _overlapping(declared[j], golds[i]):
            result.by_mentions += 1
        else:
            result.by_name += 1
    for official in pred.officials:
        if official.by_name:
            result.name_only += 1
            scores = sorted(((_description_match(official, g), g.ref) for g in golds), reverse=True)
            if scores and scores[0][0] > 0 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
                result.mapping[official.ref] = scores[0][1]
                result.name_only_resolved += 1
            else:
                result.unknown.append(official)
                names = {g.ref: g.name or g.ref for g in golds}
                tied = [names[ref] for score, ref in scores if score > 0 and score == scores[0][0]]
                if len(tied) > 1:
                    result.several[official.ref] = tuple(sorted(tied))
        elif (
            not official.mentions
            and not official.unanchored
            and official.ref not in result.mapping
            and not any(_name_match(official, g) > 0 for g in golds)
        ):
            result.unknown.append(official)
    return result


def phi4(gold: OfficialItem, pred: OfficialItem) -> float:
    """CEAF's entity similarity: 2|K ∩ R| / (|K| + |R|), on exact mention offsets."""
    size = len(gold.mentions) + len(pred.mentions) + pred.unanchored
    return 2 * len(gold.mentions & pred.mentions) / size if size else 0.0


def clusters(side: Annotations) -> list[OfficialItem]:
    """The officials that are clusters of mentions (name-only officials are not), in canonical order."""
    return sorted((o for o in side.officials if o.mentions or o.unanchored), key=lambda o: o.sort_key())


@dataclass(frozen=True)
class Ceaf:
    """CEAF-e of two clusterings: the phi4-optimal one-to-one alignment ``(i, j, phi4)`` of gold cluster ``i``
    with predicted cluster ``j``, and how many clusters each side has. The scores are formulas over these
    counts (:func:`communique.compare.scores.family_scores`, family ``ceaf``), so they sum over documents."""

    pairs: tuple[tuple[int, int, float], ...]
    gold: int
    pred: int

    @property
    def phi4(self) -> float:
        return sum(phi for _, _, phi in self.pairs)


def ceaf_e(golds: Sequence[OfficialItem], preds: Sequence[OfficialItem]) -> Ceaf:
    """CEAF-e (Luo 2005): align the clusters one-to-one so that the summed phi4 is maximal.

    The one CEAF-e of the toolkit: the benchmark scores with it and ``communique agree`` compares passes with
    it. Clusters are passed in canonical order (:func:`clusters`), so ties never depend on the input order.
    """
    pairs = match(golds, preds, lambda g, p: (phi4(g, p),))
    return Ceaf(tuple((i, j, phi4(golds[i], preds[j])) for i, j in pairs), len(golds), len(preds))


def ceaf_pairs(
    gold: Annotations, pred: Annotations
) -> tuple[list[OfficialItem], list[OfficialItem], list[tuple[int, int, float]]]:
    """Gold and predicted clusters, and the phi4-optimal alignment ``(i, j, phi4)`` between them."""
    golds, preds = clusters(gold), clusters(pred)
    return golds, preds, list(ceaf_e(golds, preds).pairs)
