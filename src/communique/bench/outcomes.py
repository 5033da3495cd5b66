"""Error analysis: what happened to every gold item and every prediction of a document.

Each layer is aligned one-to-one and optimally as the metrics align it (:func:`communique.compare.matching.match`):
mentions by overlap, then exact offsets and form; attributions by overlapping contents; meetings by overlapping
evidence (or the same participants); commitments and stances by overlapping evidence; officials by the alignment of
:mod:`communique.compare.officials`. A pair is then judged on what the layer's attribution depends on:

``matched``             the pair agrees on everything judged below;
``partial``             (mentions) the extents overlap but differ;
``wrong_kind``          the label differs (mention form, attribution kind, meeting status, commitment or stance kind;
                        speech act and meeting mode when predicted);
``wrong_source``        (attributions) the source is not the gold source (official, non-official, unresolved);
``wrong_actors``        (commitments, stances) the set of actors is not the gold set;
``wrong_participants``  (meetings) the participants are not the gold participants;
``missed``              a gold item no prediction was aligned with;
``spurious``            a prediction aligned with no gold item.

A wrong official is reported before a wrong label. Every outcome carries the text and offsets of both
sides (texts cut to :data:`~communique.annotate.locate.MAX_ECHO` characters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypedDict, TypeVar

import numpy as np

from communique.annotate.locate import shorten
from communique.bench.counting import mention_measures, source_correct
from communique.compare.annotations import (
    Annotations,
    AttributionItem,
    Extent,
    MeetingItem,
    MentionItem,
    OfficialItem,
    iou,
    overlap,
    overlap_all,
    same,
)
from communique.compare.matching import match, match_values, ordered_pairs, overlapping
from communique.compare.officials import OfficialAlignment
from communique.schema.jsontypes import JsonObject, JsonValue

__all__ = ["OUTCOMES", "Outcome", "document_outcomes"]

OUTCOMES = (
    "matched",
    "partial",
    "wrong_kind",
    "wrong_source",
    "wrong_actors",
    "wrong_participants",
    "missed",
    "spurious",
)


class Outcome(TypedDict):
    """What happened to one gold item or prediction: its layer, its outcome, and each side described (JSON)."""

    layer: str
    outcome: str
    gold: JsonObject | None
    pred: JsonObject | None


Item = TypeVar("Item")


def _span(extent: Extent | None) -> JsonObject | None:
    if extent is None:
        return None
    if not extent.anchored:
        return {"start": None, "end": None, "text": shorten(extent.text)}
    return {"start": extent.start, "end": extent.end, "text": shorten(extent.text)}


def _spans(extents: Sequence[Extent]) -> list[JsonValue]:
    return [s for e in extents if (s := _span(e)) is not None]


def _differs(gold: str | None, pred: str | None) -> bool:
    """A label added in format 2.0 (speech act, meeting mode) is judged only when it is predicted."""
    return pred is not None and gold != pred


def _pairs(
    golds: Sequence[Item],
    preds: Sequence[Item],
    tiers: Callable[[Item, Item], Sequence[float]],
    candidates: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    return match(golds, preds, tiers, candidates)


def _file(
    out: list[Outcome],
    layer: str,
    golds: Sequence[Item],
    preds: Sequence[Item],
    pairs: list[tuple[int, int]],
    judge: Callable[[Item, Item], str],
    describe: Callable[[Item], JsonObject],
) -> None:
    matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        out.append(
            {
                "layer": layer,
                "outcome": judge(golds[i], preds[j]),
                "gold": describe(golds[i]),
                "pred": describe(preds[j]),
            }
        )
    out.extend(
        {"layer": layer, "outcome": "missed", "gold": describe(g), "pred": None}
        for i, g in enumerate(golds)
        if i not in matched_g
    )
    out.extend(
        {"layer": layer, "outcome": "spurious", "gold": None, "pred": describe(p)}
        for j, p in enumerate(preds)
        if j not in matched_p
    )


def document_outcomes(gold: Annotations, pred: Annotations, officials: OfficialAlignment) -> list[Outcome]:
    """The outcome of every gold item and every prediction of one document, layer by layer."""
    out: list[Outcome] = []

    # officials: clusters aligned as speakers and actors are compared
    def describe_official(o: OfficialItem) -> JsonObject:
        return {"ref": o.ref, "name": o.name, "mentions": [list(m) for m in sorted(o.mentions)]}

    golds_o = sorted(gold.officials, key=lambda o: o.sort_key())
    preds_o = sorted((o for o in pred.officials if not o.by_name), key=lambda o: o.sort_key())  # declared ones
    where = {g.ref: i for i, g in enumerate(golds_o)}
    pairs = sorted(
        (where[officials.mapping[p.ref]], j) for j, p in enumerate(preds_o) if officials.mapping.get(p.ref) in where
    )
    _file(out, "officials", golds_o, preds_o, pairs, lambda g, p: "matched", describe_official)

    # mentions
    # tiers (the same extent and form, overlap, IoU) of every overlapping pair at once: there may be many
    ordered = ordered_pairs(overlapping([[g.extent] for g in gold.mentions], [[p.extent] for p in pred.mentions]))
    same_extent, same_form, closeness = mention_measures(gold.mentions, pred.mentions, ordered)
    tiers = np.column_stack([(same_extent & same_form).astype(float), np.ones(len(ordered)), closeness])
    pairs = match_values(min(len(gold.mentions), len(pred.mentions)), ordered, tiers)

    def judge_mention(g: MentionItem, p: MentionItem) -> str:
        if not same([g.extent], [p.extent]):
            return "partial"
        return "matched" if g.form == p.form else "wrong_kind"

    _file(
        out,
        "mentions",
        gold.mentions,
        pred.mentions,
        pairs,
        judge_mention,
        lambda m: {**(_span(m.extent) or {}), "form": m.form, "official": m.official},
    )

    # attributions
    cand = overlapping([g.contents for g in gold.attributions], [p.contents for p in pred.attributions])

    def source_ok(g: AttributionItem, p: AttributionItem) -> bool:
        return source_correct(g, p, officials)

    pairs = _pairs(
        gold.attributions,
        pred.attributions,
        lambda g, p: (
            (float(source_ok(g, p)), float(overlap_all(g.contents, p.contents) > 0), iou(g.contents, p.contents))
            if overlap_all(g.contents, p.contents)
            else (0.0, 0.0, 0.0)
        ),
        cand,
    )
    _file(
        out,
        "attributions",
        gold.attributions,
        pred.attributions,
        pairs,
        lambda g, p: (
            "wrong_source"
            if not source_ok(g, p)
            else ("wrong_kind" if g.kind != p.kind or _differs(g.speech_act, p.speech_act) else "matched")
        ),
        lambda a: {
            "contents": _spans(a.contents),
            "cues": _spans(a.cues),
            "kind": a.kind,
            "speech_act": a.speech_act,
            "speaker": a.speaker,
            "source": _spans(a.source),
            "source_type": a.source_type,
            "unresolved": a.unresolved,
        },
    )

    # meetings
    def mapped(p: MeetingItem) -> frozenset[str]:
        return frozenset(officials.gold_of(r) or f"unmapped:{r}" for r in p.participants)

    cand = overlapping([g.evidence for g in gold.meetings], [p.evidence for p in pred.meetings])
    cand |= {(i, j) for j, p in enumerate(pred.meetings) if not p.evidence for i in range(len(gold.meetings))}

    def meeting_tiers(g: MeetingItem, p: MeetingItem) -> tuple[float, float, float]:
        people = mapped(p)
        if not (overlap_all(g.evidence, p.evidence) > 0 or (not p.evidence and people and people == g.participants)):
            return (0.0, 0.0, 0.0)
        return (
            1.0,
            len(people & g.participants) / len(people | g.participants) if people | g.participants else 0.0,
            iou(g.evidence, p.evidence),
        )

    pairs = _pairs(gold.meetings, pred.meetings, meeting_tiers, cand)
    _file(
        out,
        "meetings",
        gold.meetings,
        pred.meetings,
        pairs,
        lambda g, p: (
            "wrong_participants"
            if mapped(p) != g.participants
            else ("wrong_kind" if g.status != p.status or _differs(g.mode, p.mode) else "matched")
        ),
        lambda m: {
            "evidence": _spans(m.evidence),
            "participants": sorted(m.participants),
            "status": m.status,
            "mode": m.mode,
        },
    )

    # commitments and stances, alike
    for layer in ("commitments", "stances"):
        golds_c, preds_c = getattr(gold, layer), getattr(pred, layer)
        cand = overlapping([[g.evidence] for g in golds_c], [[p.evidence] for p in preds_c])
        pairs = _pairs(
            golds_c,
            preds_c,
            lambda g, p: (1.0, iou([g.evidence], [p.evidence])) if overlap(g.evidence, p.evidence) else (0.0, 0.0),
            cand,
        )
        _file(
            out,
            layer,
            golds_c,
            preds_c,
            pairs,
            lambda g, p: (
                "wrong_actors"
                if frozenset(officials.gold_of(r) for r in p.actors) != g.actors
                else ("wrong_kind" if g.kind != p.kind else "matched")
            ),
            lambda c: {
                "evidence": _span(c.evidence),
                "content": _span(c.content),
                "kind": c.kind,
                "actors": sorted(c.actors),
            },
        )
    for entry in out:  # a predicted speaker or actor also names the gold official it stands for
        pred_side = entry["pred"]
        if pred_side is None:
            continue
        speaker, actors = pred_side.get("speaker"), pred_side.get("actors")
        if isinstance(speaker, str):
            pred_side["speaker_gold"] = officials.gold_of(speaker)
        if isinstance(actors, list) and actors:
            pred_side["actors_gold"] = [officials.gold_of(str(r)) for r in actors]
    return out
