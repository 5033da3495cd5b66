"""Counting one document: align gold and predicted items layer by layer and file the outcomes in a Tally.

Every alignment is one-to-one and optimal (:func:`communique.compare.matching.match`), computed per metric
where the metric decides what a correct pair is, so no score depends on the order of the predictions and
none is lowered by a greedy choice.

Each outcome is filed under the resampling unit of an item (the section, or document, its first span
starts in): a matched pair under its gold item's unit, an unmatched prediction under its own. In per-type
tables a gold-side outcome (COR, INC, PAR, MIS; TP, FN) is filed under the gold item's type and a spurious
prediction (SPU, FP) under its predicted type, so the rows of a per-type table add up to the overall row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

import numpy as np

from communique.bench.metrics import Tally
from communique.compare.annotations import (
    Annotations,
    AttributionItem,
    CommitmentItem,
    Extent,
    MeetingItem,
    MentionItem,
    OfficialItem,
    iou,
    overlap,
    overlap_all,
    same,
)
from communique.compare.matching import (
    candidate_groups,
    match,
    match_values,
    match_values_in_groups,
    ordered_pairs,
    overlapping,
)
from communique.compare.officials import OfficialAlignment, ceaf_pairs

__all__ = ["count_document", "mention_measures"]

Unit = Callable[[int | None], str]
G = TypeVar("G")
P = TypeVar("P")


class _Item(Protocol):
    """An item of a layer: it is filed under the unit its first span starts in."""

    @property
    def start(self) -> int | None: ...


Item = TypeVar("Item", bound=_Item)
Value = TypeVar("Value")


def _untyped(_: object) -> str | None:
    return None


def count_document(
    gold: Annotations, pred: Annotations, officials: OfficialAlignment, unit: Unit, tally: Tally
) -> None:
    """Add the counts of every metric for one document to ``tally``."""
    _mentions(gold, pred, unit, tally)
    _ceaf(gold, pred, unit, tally)
    _attributions(gold, pred, officials, unit, tally)
    _meetings(gold, pred, officials, unit, tally)
    _acts("commitments", gold.commitments, pred.commitments, officials, unit, tally)
    _acts("stances", gold.stances, pred.stances, officials, unit, tally)


def _file_pairs(
    tally: Tally,
    unit: Unit,
    key: str,
    golds: Sequence[Item],
    preds: Sequence[Item],
    pairs: list[tuple[int, int]],
    gold_type: Callable[[Item], str | None] = _untyped,
    pred_type: Callable[[Item], str | None] = _untyped,
) -> None:
    """TP for each pair, FN for each other gold item, FP for each other prediction."""
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    filed: Counter[tuple[str, str, str | None]] = Counter()
    for i, _ in pairs:
        filed[unit(golds[i].start), "tp", gold_type(golds[i])] += 1
    for i, g in enumerate(golds):
        if i not in matched_g:
            filed[unit(g.start), "fn", gold_type(g)] += 1
    for j, p in enumerate(preds):
        if j not in matched_p:
            filed[unit(p.start), "fp", pred_type(p)] += 1
    _add_filed(tally, key, filed)


def _add_filed(tally: Tally, key: str, filed: Counter[tuple[str, str, str | None]]) -> None:
    """Whole counts gathered as (unit, count, type) -> amount, added to ``tally`` at once: the same sums
    (of whole numbers) and the units first met in the same order as one :meth:`Tally.add` per outcome."""
    for (where, count, type_), amount in filed.items():
        tally.add(where, key, count, amount, type_)


def _correct_pairs(
    golds: Sequence[G],
    preds: Sequence[P],
    correct: Callable[[G, P], bool],
    closeness: Callable[[G, P], float],
    candidates: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    """The largest set of correct pairs, the closest ones among equally large sets."""
    return match(golds, preds, lambda g, p: (1.0, closeness(g, p)) if correct(g, p) else (0.0, 0.0), candidates)


def _correct_facts(
    golds: Sequence[G],
    preds: Sequence[P],
    facts: dict[tuple[int, int], tuple[bool, bool, bool, float]],
    correct: Callable[[bool, bool, bool], bool],
) -> list[tuple[int, int]]:
    """:func:`_correct_pairs` over facts computed once per candidate pair (overlap, same contents, right
    source, closeness): the tiers, and so the matching, are those :func:`match` computes pair by pair."""
    if not golds or not preds:
        return []
    table = {pair: (1.0, close) for pair, (ov, st, src, close) in facts.items() if correct(ov, st, src)}
    if not table:
        return []
    pairs = np.array(list(table), dtype=np.int64).reshape(len(table), 2)
    return match_values(min(len(golds), len(preds)), pairs, np.array(list(table.values()), dtype=float))


def _argument(
    tally: Tally,
    unit: Unit,
    key: str,
    golds: Sequence[Item],
    preds: Sequence[Item],
    pairs: list[tuple[int, int]],
    value: Callable[[Item], Value | None],
    equal: Callable[[Value, Value, Item, Item], bool],
    type_of: Callable[[Item], str | None] = _untyped,
) -> None:
    """An argument of matched items, ACE style: a gold value is found (TP) only on a matched item whose
    predicted value is right; every other gold value is FN and every other predicted value FP."""
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    filed: Counter[tuple[str, str, str | None]] = Counter()
    for i, j in pairs:
        g, p = golds[i], preds[j]
        gv, pv = value(g), value(p)
        right = gv is not None and pv is not None and equal(gv, pv, g, p)
        where = unit(g.start)
        if right:
            filed[where, "tp", type_of(g)] += 1
        else:
            if gv is not None:
                filed[where, "fn", type_of(g)] += 1
            if pv is not None:
                filed[where, "fp", type_of(p)] += 1
    for i, g in enumerate(golds):
        if i not in matched_g and value(g) is not None:
            filed[unit(g.start), "fn", type_of(g)] += 1
    for j, p in enumerate(preds):
        if j not in matched_p and value(p) is not None:
            filed[unit(p.start), "fp", type_of(p)] += 1
    _add_filed(tally, key, filed)


def _same_extent(a: Extent, b: Extent, *_: object) -> bool:
    return same([a], [b])


def _overlapping(a: Extent, b: Extent, *_: object) -> bool:
    return overlap(a, b) > 0


# ------------------------------------------------------------------------------------------ mentions

#: what a correct pair of mentions must share, per SemEval schema: (the same extent, the same form);
#: overlap is required of every pair
_MENTION_CORRECT: dict[str, tuple[bool, bool]] = {
    "strict": (True, True),
    "exact": (True, False),
    "partial": (True, False),
    "type": (False, True),
}


def mention_measures(
    golds: Sequence[MentionItem], preds: Sequence[MentionItem], pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair ``(i, j)`` of mentions (a ``(k, 2)`` array): the same extent, the same form, and the IoU
    of the extents, computed at once (numpy) and equal to :func:`same`, ``==`` and :func:`iou` pair by pair."""
    rows, cols = pairs[:, 0], pairs[:, 1]

    def ends(items: Sequence[MentionItem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        anchored = np.array([m.extent.anchored for m in items], dtype=bool)
        starts = np.array([m.extent.start for m in items], dtype=np.int64)
        stops = np.array([m.extent.end for m in items], dtype=np.int64)
        return anchored, starts, np.where(anchored, stops - starts, 0)

    forms: dict[str | None, int] = {}
    gold_form = np.array([forms.setdefault(m.form, len(forms)) for m in golds], dtype=np.int64)
    pred_form = np.array([forms.setdefault(m.form, len(forms)) for m in preds], dtype=np.int64)
    (ga, gs, gl), (pa, ps, pl) = ends(golds), ends(preds)
    both = ga[rows] & pa[cols]
    g_start, p_start = gs[rows], ps[cols]
    inter = np.where(
        both, np.maximum(0, np.minimum(g_start + gl[rows], p_start + pl[cols]) - np.maximum(g_start, p_start)), 0
    )
    union = gl[rows] + pl[cols] - inter
    closeness = np.divide(inter, union, out=np.zeros(len(pairs)), where=union > 0)
    same_extent = both & (g_start == p_start) & (gl[rows] == pl[cols])
    return same_extent, gold_form[rows] == pred_form[cols], closeness


def _mention_correct(schema: str, g: MentionItem, p: MentionItem) -> bool:
    extent, form = _MENTION_CORRECT[schema]
    if extent:  # same([g.extent], [p.extent]), without building lists and sets for one extent each
        a, b = g.extent, p.extent
        if not (a.anchored and b.anchored and a.start == b.start and a.end == b.end):
            return False
    return not form or g.form == p.form


def _mentions(gold: Annotations, pred: Annotations, unit: Unit, tally: Tally) -> None:
    golds, preds = gold.mentions, pred.mentions
    candidates = overlapping([[g.extent] for g in golds], [[p.extent] for p in preds])
    ordered = ordered_pairs(candidates)
    groups = candidate_groups(ordered)  # the same for the four schemas: every overlapping pair is a candidate
    same_extent, same_form, closeness = mention_measures(golds, preds, ordered)
    for schema, (extent, form) in _MENTION_CORRECT.items():
        key = f"mentions.{schema}"
        correct = np.ones(len(ordered), dtype=bool)
        if extent:
            correct &= same_extent
        if form:
            correct &= same_form
        # the tiers of every (overlapping) candidate: correct under the schema, a pair at all, IoU
        tiers = np.column_stack([correct.astype(float), np.ones(len(ordered)), closeness])
        pairs = match_values_in_groups(groups, ordered, tiers)
        filed: Counter[tuple[str, str, str | None]] = Counter()
        for i, j in pairs:
            g, p = golds[i], preds[j]
            outcome = "cor" if _mention_correct(schema, g, p) else ("par" if schema == "partial" else "inc")
            filed[unit(g.start), outcome, g.form] += 1
        matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
        for i, g in enumerate(golds):
            if i not in matched_g:
                filed[unit(g.start), "mis", g.form] += 1
        for j, p in enumerate(preds):
            if j not in matched_p:
                filed[unit(p.start), "spu", p.form] += 1
        _add_filed(tally, key, filed)


# ----------------------------------------------------------------------------------------- officials


def _ceaf(gold: Annotations, pred: Annotations, unit: Unit, tally: Tally) -> None:
    key = "officials.ceaf_e"
    golds, preds, pairs = ceaf_pairs(gold, pred)

    def start(official: OfficialItem) -> int | None:
        return min(official.mentions)[0] if official.mentions else None

    matched_g, matched_p = {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
    for i, _, phi in pairs:
        where = unit(start(golds[i]))
        tally.add(where, key, "phi4", phi)
        tally.add(where, key, "gold")
        tally.add(where, key, "pred")
    for i, g in enumerate(golds):
        if i not in matched_g:
            tally.add(unit(start(g)), key, "gold")
    for j, p in enumerate(preds):
        if j not in matched_p:
            tally.add(unit(start(p)), key, "pred")


# -------------------------------------------------------------------------------------- attributions


def source_correct(g: AttributionItem, p: AttributionItem, officials: OfficialAlignment) -> bool:
    """The predicted attribution names the gold source: the same official (through the alignment), a source
    span overlapping one of the gold source's mentions, or unresolved like the gold (any reason)."""
    if g.speaker is not None:
        return p.speaker is not None and officials.gold_of(p.speaker) == g.speaker
    if g.source:
        return overlap_all(g.source, p.source) > 0
    return g.unresolved is not None and p.unresolved is not None


def _attributions(gold: Annotations, pred: Annotations, officials: OfficialAlignment, unit: Unit, tally: Tally) -> None:
    golds, preds = gold.attributions, pred.attributions

    def source_ok(g: AttributionItem, p: AttributionItem) -> bool:
        return source_correct(g, p, officials)

    def overlaps(g: AttributionItem, p: AttributionItem) -> bool:
        return overlap_all(g.contents, p.contents) > 0

    def strict(g: AttributionItem, p: AttributionItem) -> bool:
        return same(g.contents, p.contents)

    def closeness(g: AttributionItem, p: AttributionItem) -> float:
        return iou(g.contents, p.contents)

    kind = lambda a: a.kind  # noqa: E731
    near = overlapping([g.contents for g in golds], [p.contents for p in preds])
    # what the four matchings below ask of a candidate pair, computed once for all four
    facts = {
        (i, j): (overlaps(g, p), strict(g, p), source_ok(g, p), closeness(g, p))
        for i, j in near
        for g, p in ((golds[i], preds[j]),)
    }
    attributed = _correct_facts(golds, preds, facts, lambda ov, st, src: ov and src)
    _file_pairs(tally, unit, "attributions.attributed", golds, preds, attributed, kind, kind)
    attributed_strict = _correct_facts(golds, preds, facts, lambda ov, st, src: st and src)
    _file_pairs(tally, unit, "attributions.attributed_strict", golds, preds, attributed_strict)
    _file_pairs(
        tally,
        unit,
        "attributions.content_strict",
        golds,
        preds,
        _correct_facts(golds, preds, facts, lambda ov, st, src: st),
    )
    matched = _correct_facts(golds, preds, facts, lambda ov, st, src: ov)
    _file_pairs(tally, unit, "attributions.identification", golds, preds, matched)
    for i, j in matched:
        g, p = golds[i], preds[j]
        where = unit(g.start)
        tally.add(where, "attributions.cue", "correct", float(same(g.cues, p.cues)))
        tally.add(where, "attributions.cue", "total")
        tally.add(where, "attributions.kind", "correct", float(g.kind == p.kind))
        tally.add(where, "attributions.kind", "total")
        tally.add(where, "attributions.speech_act", "correct", float(g.speech_act == p.speech_act), g.speech_act)
        tally.add(where, "attributions.speech_act", "total", type_=g.speech_act)
    _sources(golds, preds, unit, tally)


def _sources(golds: Sequence[AttributionItem], preds: Sequence[AttributionItem], unit: Unit, tally: Tally) -> None:
    """Attributions to non-official sources: the gold ones whose source is non-official against the
    predicted ones that name a non-official source; a pair is correct when the contents overlap and the
    predicted source overlaps a mention of the gold source."""
    gs = [g for g in golds if g.by_source]
    ps = [p for p in preds if p.by_source]
    near = overlapping([g.contents for g in gs], [p.contents for p in ps])
    pairs = _correct_pairs(
        gs,
        ps,
        lambda g, p: overlap_all(g.contents, p.contents) > 0 and overlap_all(g.source, p.source) > 0,
        lambda g, p: iou(g.contents, p.contents),
        near,
    )
    type_of = lambda a: a.source_type  # noqa: E731
    _file_pairs(tally, unit, "sources.attributed", gs, ps, pairs, type_of, type_of)
    for i, j in pairs:
        g, p = gs[i], ps[j]
        if p.source_type is not None:
            tally.add(unit(g.start), "sources.type", "correct", float(g.source_type == p.source_type))
            tally.add(unit(g.start), "sources.type", "total")


# ------------------------------------------------------------------------------------------ meetings


def _meetings(gold: Annotations, pred: Annotations, officials: OfficialAlignment, unit: Unit, tally: Tally) -> None:
    golds, preds = gold.meetings, pred.meetings

    def mapped(p: MeetingItem) -> frozenset[str]:
        # an unmapped predicted participant stays in the set as itself: it counts, and matches no gold official
        return frozenset(officials.gold_of(r) or f"unmapped:{r}" for r in p.participants)

    def tiers(g: MeetingItem, p: MeetingItem) -> tuple[float, float, float]:
        people = mapped(p)
        by_evidence = overlap_all(g.evidence, p.evidence) > 0
        by_people = not p.evidence and bool(people) and people == g.participants
        if not (by_evidence or by_people):
            return (0.0, 0.0, 0.0)
        return (1.0, len(people & g.participants) / len(people | g.participants), iou(g.evidence, p.evidence))

    candidates = overlapping([g.evidence for g in golds], [p.evidence for p in preds])
    candidates |= {(i, j) for j, p in enumerate(preds) if not p.evidence for i in range(len(golds))}
    pairs = match(golds, preds, tiers, candidates)
    status = lambda m: m.status  # noqa: E731
    _file_pairs(tally, unit, "meetings.identification", golds, preds, pairs, status, status)

    key = "meetings.participants"
    matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        g, p = golds[i], preds[j]
        found = len(mapped(p) & g.participants)
        tally.add(unit(g.start), key, "tp", found)
        tally.add(unit(g.start), key, "fn", len(g.participants) - found)
        tally.add(unit(g.start), key, "fp", len(p.participants) - found)  # two names for one official: one FP
    for i, g in enumerate(golds):
        if i not in matched_g:
            tally.add(unit(g.start), key, "fn", len(g.participants))
    for j, p in enumerate(preds):
        if j not in matched_p:
            tally.add(unit(p.start), key, "fp", len(p.participants))

    def participant_set(m: MeetingItem) -> frozenset[str] | None:
        return m.participants or None

    _argument(
        tally,
        unit,
        "meetings.participant_set",
        golds,
        preds,
        pairs,
        participant_set,
        lambda gv, pv, g, p: mapped(p) == gv,
    )
    mode = lambda m: m.mode  # noqa: E731
    _argument(tally, unit, "meetings.mode", golds, preds, pairs, mode, lambda gv, pv, g, p: gv == pv, mode)
    for name in ("location", "time"):
        value = lambda m, name=name: getattr(m, name)  # noqa: E731
        _argument(tally, unit, f"meetings.{name}_strict", golds, preds, pairs, value, _same_extent)
        _argument(tally, unit, f"meetings.{name}_overlap", golds, preds, pairs, value, _overlapping)


# --------------------------------------------------------------------------------------- commitments


def _acts(
    layer: str,
    golds: Sequence[CommitmentItem],
    preds: Sequence[CommitmentItem],
    officials: OfficialAlignment,
    unit: Unit,
    tally: Tally,
) -> None:
    """Commitments and stances, scored alike: matched by overlapping evidence; kind, actors (as sets of
    resolved officials), content and time (and a commitment's condition) on the matched pairs."""
    pairs = _correct_pairs(
        golds,
        preds,
        lambda g, p: overlap(g.evidence, p.evidence) > 0,
        lambda g, p: iou([g.evidence], [p.evidence]),
        overlapping([[g.evidence] for g in golds], [[p.evidence] for p in preds]),
    )
    _file_pairs(tally, unit, f"{layer}.identification", golds, preds, pairs)
    _argument(
        tally,
        unit,
        f"{layer}.kind",
        golds,
        preds,
        pairs,
        lambda c: c.kind,
        lambda gv, pv, g, p: gv == pv,
        type_of=lambda c: c.kind,
    )

    def actors(c: CommitmentItem) -> frozenset[str]:
        # an unmapped predicted actor stays in the set as itself: it counts, and matches no gold official
        return frozenset(officials.gold_of(r) or f"unmapped:{r}" for r in c.actors)

    _argument(
        tally,
        unit,
        f"{layer}.actors",
        golds,
        preds,
        pairs,
        lambda c: c.actors or None,
        lambda gv, pv, g, p: actors(p) == gv,
    )
    key = f"{layer}.actor_overlap"
    matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        g, p = golds[i], preds[j]
        # sets of resolved officials: two references to one official are one actor
        found = len(actors(p) & g.actors)
        tally.add(unit(g.start), key, "tp", found)
        tally.add(unit(g.start), key, "fn", len(g.actors) - found)
        tally.add(unit(g.start), key, "fp", len(actors(p)) - found)
    for i, g in enumerate(golds):
        if i not in matched_g:
            tally.add(unit(g.start), key, "fn", len(g.actors))
    for j, p in enumerate(preds):
        if j not in matched_p:
            tally.add(unit(p.start), key, "fp", len(actors(p)))
    for name in ("content", "time", "condition") if layer == "commitments" else ("content", "time"):
        value = lambda c, name=name: getattr(c, name)  # noqa: E731
        _argument(tally, unit, f"{layer}.{name}_strict", golds, preds, pairs, value, _same_extent)
        _argument(tally, unit, f"{layer}.{name}_overlap", golds, preds, pairs, value, _overlapping)
