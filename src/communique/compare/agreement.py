"""Inter-annotator agreement between two annotation passes of one document, layer by layer.

Agreement is computed with the benchmark's machinery, so the two never disagree: spans become
:class:`~communique.compare.annotations.Extent`\\ s and are compared with its overlap, IoU and equality; items
are aligned one-to-one by :func:`~communique.compare.matching.match` with priorities ("tiers"); officials are
aligned by :func:`~communique.compare.officials.align_officials` (shared mentions, then overlapping mentions,
then names); CEAF-e is :func:`~communique.compare.officials.ceaf_e`; and every score is a formula of
:func:`~communique.compare.scores.family_scores` over counts, so the figures of many documents add up (micro,
:func:`sum_figures`).

Per layer it reports span F1 (*strict*: identical spans; *overlap*: at least one shared character) and, on
the aligned pairs, how often the passes agree on each field: sources, actors (as sets), participants,
kinds, speech acts, cues, modality and the rest. Sources, actors and participants are compared through the
official and source alignments, since the passes may name the same official differently; links to meetings
and attributions through those layers' alignments; actors as sets (joint actors in any order). Pass ``a``
is the reference: precision is over ``b``'s items, recall over ``a``'s.

Every difference is listed, so that each can be adjudicated. The report over many documents (``communique
agree``) and its JSON are :mod:`communique.review.report`'s; the dataset card shows this module's
per-document tables.

``LAYERS`` maps a layer (``mentions``, ``officials``, ``sources``, ``meetings``, ``attributions``,
``commitments``, ``stances``) to its measures, each one of:

* span F1: ``{"a", "b", "matched", "precision", "recall", "f1"}`` (items in each pass, aligned pairs);
* agreement on aligned pairs: ``{"agree", "total", "rate"}``;
* CEAF-e (``officials.ceaf_e``): ``{"a", "b", "phi4_sum", "precision", "recall", "f1"}`` (clusters per pass).

A ratio with a zero denominator is ``null`` (:data:`communique.compare.scores.ZERO_DIVISION`). A difference's
``kind`` is ``only-a``, ``only-b`` or the attribute that differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, TypeVar

from communique.compare.annotations import (
    Annotations,
    Extent,
    MentionItem,
    extent,
    iou,
    official_item,
    same,
)
from communique.compare.matching import match, overlapping
from communique.compare.officials import align_officials, ceaf_e, clusters
from communique.compare.scores import Number, family_scores
from communique.schema.jsontypes import JsonObject
from communique.schema.models import (
    AnnotatedDocument,
    AttributionSource,
    Commitment,
    Official,
    OfficialSource,
    SourceReference,
    Span,
    Stance,
    UnresolvedSource,
)

__all__ = [
    "Agreement",
    "CeafCounts",
    "Counts",
    "Difference",
    "Figure",
    "Rate",
    "compare",
    "format_agreement",
    "layers_dict",
    "layers_table",
    "sum_figures",
]

T = TypeVar("T")


#: one figure as JSON: counts and scores (None where a score is undefined)
FigureData: TypeAlias = dict[str, int | float | None]


def _ratio(value: Number) -> float | None:
    """A score from :func:`family_scores` as JSON-ready: a float, or None where it is undefined (NaN)."""
    number = float(value)
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class Counts:
    """Span F1 of a layer: items in each pass and aligned pairs (TP = matched, FP = b - matched, FN = a - matched)."""

    a: int
    b: int
    matched: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.a + other.a, self.b + other.b, self.matched + other.matched)

    def as_dict(self) -> FigureData:
        scores = family_scores("prf", {"tp": self.matched, "fp": self.b - self.matched, "fn": self.a - self.matched})
        return {
            "a": self.a,
            "b": self.b,
            "matched": self.matched,
            **{k: _ratio(scores[k]) for k in ("precision", "recall", "f1")},
        }


@dataclass(frozen=True)
class Rate:
    """How many aligned pairs agree on one attribute."""

    agree: int = 0
    total: int = 0

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.agree + other.agree, self.total + other.total)

    def as_dict(self) -> FigureData:
        rate = family_scores("accuracy", {"correct": self.agree, "total": self.total})["accuracy"]
        return {"agree": self.agree, "total": self.total, "rate": _ratio(rate)}


@dataclass(frozen=True)
class CeafCounts:
    """CEAF-e counts: phi4 summed over the aligned clusters, and the clusters in each pass."""

    phi4: float
    a: int
    b: int

    def __add__(self, other: CeafCounts) -> CeafCounts:
        return CeafCounts(self.phi4 + other.phi4, self.a + other.a, self.b + other.b)

    def as_dict(self) -> FigureData:
        scores = family_scores("ceaf", {"phi4": self.phi4, "gold": self.a, "pred": self.b})
        return {
            "a": self.a,
            "b": self.b,
            "phi4_sum": self.phi4,
            **{k: _ratio(scores[k]) for k in ("precision", "recall", "f1")},
        }


Figure = Counts | Rate | CeafCounts


@dataclass(frozen=True)
class Difference:
    layer: str
    kind: str  # only-a, only-b, or the attribute that differs
    a: str | None
    b: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"layer": self.layer, "kind": self.kind, "a": self.a, "b": self.b}


@dataclass
class Agreement:
    """The agreement of two passes over one document: figures per layer and measure, and the differences."""

    figures: dict[str, dict[str, Figure]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def layers(self) -> dict[str, dict[str, FigureData]]:
        return layers_dict(self.figures)

    def as_dict(self) -> JsonObject:
        return {"layers": self.layers, "differences": [d.as_dict() for d in self.differences]}


def layers_dict(figures: Mapping[str, Mapping[str, Figure]]) -> dict[str, dict[str, FigureData]]:
    """Figures as JSON-ready dictionaries, per layer and measure."""
    return {layer: {name: f.as_dict() for name, f in measures.items()} for layer, measures in figures.items()}


def sum_figures(many: Iterable[Mapping[str, Mapping[str, Figure]]]) -> dict[str, dict[str, Figure]]:
    """Figures of several documents added measure by measure (every document has the same measures)."""
    total: dict[str, dict[str, Figure]] = {}
    for figures in many:
        for layer, measures in figures.items():
            into = total.setdefault(layer, {})
            for name, figure in measures.items():
                into[name] = _add(into[name], figure) if name in into else figure
    return total


def _add(x: Figure, y: Figure) -> Figure:
    """Two figures of one measure added (a measure's figures are of one type in every document)."""
    if isinstance(x, Counts) and isinstance(y, Counts):
        return x + y
    if isinstance(x, Rate) and isinstance(y, Rate):
        return x + y
    if isinstance(x, CeafCounts) and isinstance(y, CeafCounts):
        return x + y
    raise TypeError(f"cannot add {type(y).__name__} to {type(x).__name__}")


# ------------------------------------------------------------------------------------------ one document


@dataclass
class _Maps:
    """Ids of pass a -> ids of pass b, per layer, from the alignments made so far."""

    officials: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    meetings: dict[str, str] = field(default_factory=dict)
    attributions: dict[str, str] = field(default_factory=dict)

    def same_official(self, x: str | None, y: str | None) -> bool:
        return _same_ref(x, y, self.officials)

    def same_source(self, x: AttributionSource, y: AttributionSource) -> bool:
        """Same source: the same aligned official, the same aligned source, or unresolved for the same reason."""
        if isinstance(x, OfficialSource) and isinstance(y, OfficialSource):
            return self.same_official(x.official_id, y.official_id)
        if isinstance(x, SourceReference) and isinstance(y, SourceReference):
            return _same_ref(x.source_id, y.source_id, self.sources)
        if isinstance(x, UnresolvedSource) and isinstance(y, UnresolvedSource):
            return x.reason == y.reason
        return False


def compare(a: AnnotatedDocument, b: AnnotatedDocument) -> Agreement:
    """Agreement of pass ``b`` with pass ``a`` on one document (F1 is symmetric; precision and recall take
    ``a`` as reference)."""
    result = Agreement()
    oa, ob = _sorted_officials(a.officials), _sorted_officials(b.officials)
    maps = _Maps(officials=_align_officials(a.document_id, oa, ob))
    _mentions(a, b, maps, result)
    _officials(oa, ob, maps, result)
    _sources(a, b, maps, result)
    _meetings(a, b, maps, result)
    _attributions(a, b, maps, result)
    _acts("commitments", a.commitments, b.commitments, maps, result)
    _acts("stances", a.stances, b.stances, maps, result)
    return result


def _align_officials(document_id: str, oa: Sequence[Official], ob: Sequence[Official]) -> dict[str, str]:
    """The bench's official alignment (shared mentions, then overlapping mentions, then names), a -> b."""
    side_a = Annotations(document_id, officials=[official_item(o) for o in oa])
    side_b = Annotations(document_id, officials=[official_item(o) for o in ob])
    return {a_id: b_id for b_id, a_id in align_officials(side_a, side_b).mapping.items()}


def _mentions(a: AnnotatedDocument, b: AnnotatedDocument, maps: _Maps, result: Agreement) -> None:
    ma, mb = _mention_items(a), _mention_items(b)
    near = overlapping([[m.extent] for m in ma], [[m.extent] for m in mb])
    strict = match(ma, mb, lambda x, y: (float(same([x.extent], [y.extent])),), near)
    loose = match(ma, mb, lambda x, y: (1.0, iou([x.extent], [y.extent])), near)
    form, coref = Rate(), Rate()
    diffs = result.differences
    for i, j in strict:
        x, y = ma[i], mb[j]
        form += Rate(x.form == y.form, 1)
        coref += Rate(maps.officials.get(x.official) == y.official, 1)
        if x.form != y.form:
            diffs.append(
                Difference("mentions", "form", f"{_show([x.extent])} {x.form}", f"{_show([y.extent])} {y.form}")
            )
        if maps.officials.get(x.official) != y.official:
            diffs.append(
                Difference(
                    "mentions",
                    "official",
                    f"{_show([x.extent])} -> {x.official}",
                    f"{_show([y.extent])} -> {y.official}",
                )
            )
    _unmatched("mentions", ma, mb, strict, lambda m: f"{_show([m.extent])} {m.form} -> {m.official}", diffs)
    result.figures["mentions"] = {
        "strict": _counts(ma, mb, strict),
        "overlap": _counts(ma, mb, loose),
        "form": form,
        "same_official": coref,
    }


_OFFICIAL_ATTRIBUTES = ("name", "title", "rank", "country", "organisation", "participation")


def _officials(oa: Sequence[Official], ob: Sequence[Official], maps: _Maps, result: Agreement) -> None:
    index_b = {o.id: j for j, o in enumerate(ob)}
    pairs = sorted((i, index_b[maps.officials[o.id]]) for i, o in enumerate(oa) if o.id in maps.officials)
    tallies = {key: Rate() for key in _OFFICIAL_ATTRIBUTES}
    for i, j in pairs:
        x, y = oa[i], ob[j]
        checks = {
            key: (getattr(x, key) == getattr(y, key), repr(getattr(x, key)), repr(getattr(y, key)))
            for key in _OFFICIAL_ATTRIBUTES
        }
        _tally("officials", (x.id, y.id), checks, tallies, result.differences)
    _unmatched("officials", oa, ob, pairs, lambda o: f"{o.id} ({o.name or o.title})", result.differences)
    ceaf = ceaf_e(clusters(_items(oa)), clusters(_items(ob)))
    result.figures["officials"] = {
        "aligned": _counts(oa, ob, pairs),
        "ceaf_e": CeafCounts(ceaf.phi4, ceaf.gold, ceaf.pred),
        **tallies,
    }


def _sources(a: AnnotatedDocument, b: AnnotatedDocument, maps: _Maps, result: Agreement) -> None:
    # sources are clusters of mentions like officials; aligned by their mentions, the most overlapping first
    sa, sb = _sorted(a.sources, lambda s: s.mentions), _sorted(b.sources, lambda s: s.mentions)
    ea, eb = [_extents(s.mentions) for s in sa], [_extents(s.mentions) for s in sb]
    pairs = match(range(len(sa)), range(len(sb)), lambda i, j: (1.0, iou(ea[i], eb[j])), overlapping(ea, eb))
    maps.sources = {sa[i].id: sb[j].id for i, j in pairs}
    tallies = {k: Rate() for k in ("type", "country", "mentions")}
    for i, j in pairs:
        x, y = sa[i], sb[j]
        checks = {
            "type": (x.type == y.type, x.type, y.type),
            "country": (x.country == y.country, repr(x.country), repr(y.country)),
            "mentions": (same(ea[i], eb[j]), _show(ea[i]), _show(eb[j])),
        }
        _tally("sources", (x.id, y.id), checks, tallies, result.differences)
    _unmatched(
        "sources", sa, sb, pairs, lambda s: f"{s.id} {s.type}: {_show(_extents(s.mentions))}", result.differences
    )
    result.figures["sources"] = {"overlap": _counts(sa, sb, pairs), **tallies}


def _meetings(a: AnnotatedDocument, b: AnnotatedDocument, maps: _Maps, result: Agreement) -> None:
    ga, gb = _sorted(a.meetings, lambda m: m.evidence), _sorted(b.meetings, lambda m: m.evidence)
    ea, eb = [_extents(m.evidence) for m in ga], [_extents(m.evidence) for m in gb]
    pairs = match(range(len(ga)), range(len(gb)), lambda i, j: (1.0, iou(ea[i], eb[j])), overlapping(ea, eb))
    maps.meetings = {ga[i].id: gb[j].id for i, j in pairs}
    tallies = {k: Rate() for k in ("participants", "roles", "status", "mode", "location", "time", "evidence")}
    for i, j in pairs:
        x, y = ga[i], gb[j]
        px = {maps.officials.get(p.official_id) for p in x.participants}
        py = {p.official_id for p in y.participants}
        rx = {(maps.officials.get(p.official_id), p.role) for p in x.participants}
        ry = {(p.official_id, p.role) for p in y.participants}
        checks = {
            "participants": (px == py, sorted(p.official_id for p in x.participants), sorted(py)),
            "roles": (
                rx == ry,
                sorted((p.official_id, p.role or "") for p in x.participants),
                sorted((p, r or "") for p, r in ry),
            ),
            "status": (x.status == y.status, x.status, y.status),
            "mode": (x.mode == y.mode, x.mode, y.mode),
            "location": (_same_opt(x.location, y.location), _opt(x.location), _opt(y.location)),
            "time": (_same_opt(x.time, y.time), _opt(x.time), _opt(y.time)),
            "evidence": (same(ea[i], eb[j]), _show(ea[i]), _show(eb[j])),
        }
        _tally("meetings", (x.id, y.id), checks, tallies, result.differences)
    _unmatched("meetings", ga, gb, pairs, lambda m: f"{m.id}: {_show(_extents(m.evidence))}", result.differences)
    result.figures["meetings"] = {"overlap": _counts(ga, gb, pairs), **tallies}


def _attributions(a: AnnotatedDocument, b: AnnotatedDocument, maps: _Maps, result: Agreement) -> None:
    qa, qb = _sorted(a.attributions, lambda q: q.contents), _sorted(b.attributions, lambda q: q.contents)
    ca, cb = [_extents(q.contents) for q in qa], [_extents(q.contents) for q in qb]
    near = overlapping(ca, cb)
    strict = match(range(len(qa)), range(len(qb)), lambda i, j: (float(same(ca[i], cb[j])),), near)
    # the most overlapping pairs, among them the most identical ones, then the closest
    pairs = match(
        range(len(qa)), range(len(qb)), lambda i, j: (1.0, float(same(ca[i], cb[j])), iou(ca[i], cb[j])), near
    )
    maps.attributions = {qa[i].id: qb[j].id for i, j in pairs}
    keys = (
        "source",
        "source_and_content",
        "source_span",
        "cues",
        "contents",
        "kind",
        "speech_act",
        "addressee",
        "meeting",
    )
    tallies = {k: Rate() for k in keys}
    for i, j in pairs:
        x, y = qa[i], qb[j]
        same_source, same_contents = maps.same_source(x.source, y.source), same(ca[i], cb[j])
        checks = {
            "source": (same_source, _source(x.source), _source(y.source)),
            "source_and_content": (same_source and same_contents, None, None),
            "source_span": (_same_opt(x.source_span, y.source_span), _opt(x.source_span), _opt(y.source_span)),
            "cues": (same(_extents(x.cues), _extents(y.cues)), _show(_extents(x.cues)), _show(_extents(y.cues))),
            "contents": (same_contents, _show(ca[i]), _show(cb[j])),
            "kind": (x.kind == y.kind, x.kind, y.kind),
            "speech_act": (x.speech_act == y.speech_act, x.speech_act, y.speech_act),
            "addressee": (maps.same_official(x.addressee_id, y.addressee_id), x.addressee_id, y.addressee_id),
            "meeting": (_same_ref(x.meeting_id, y.meeting_id, maps.meetings), x.meeting_id, y.meeting_id),
        }
        _tally("attributions", (x.id, y.id), checks, tallies, result.differences)
    _unmatched(
        "attributions",
        qa,
        qb,
        pairs,
        lambda q: f"{q.id} {q.kind} {q.speech_act} {_source(q.source)}: {_show(_extents(q.contents))}",
        result.differences,
    )
    result.figures["attributions"] = {"strict": _counts(qa, qb, strict), "overlap": _counts(qa, qb, pairs), **tallies}


def _acts(
    layer: str,
    acts_a: Sequence[Commitment | Stance],
    acts_b: Sequence[Commitment | Stance],
    maps: _Maps,
    result: Agreement,
) -> None:
    """Commitments or stances (``layer``), compared alike; a commitment's condition too."""
    ca, cb = _sorted(acts_a, lambda c: [c.evidence]), _sorted(acts_b, lambda c: [c.evidence])
    ea, eb = [[extent(c.evidence)] for c in ca], [[extent(c.evidence)] for c in cb]
    ta, tb = [[extent(c.content)] for c in ca], [[extent(c.content)] for c in cb]
    strict = match(range(len(ca)), range(len(cb)), lambda i, j: (float(same(ta[i], tb[j])),), overlapping(ta, tb))
    # aligned by evidence overlap; among overlapping pairs, the closest in evidence and content
    pairs = match(
        range(len(ca)),
        range(len(cb)),
        lambda i, j: (1.0, iou(ea[i], eb[j]) + iou(ta[i], tb[j])),
        overlapping(ea, eb),
    )
    keys = (
        "kind",
        "actors",
        "actor_countries",
        "content",
        "evidence",
        "modality",
        "modality_type",
        "time",
        *(("condition",) if layer == "commitments" else ()),
        "attribution",
        "meeting",
    )
    tallies = {k: Rate() for k in keys}
    for i, j in pairs:
        x, y = ca[i], cb[j]
        # actors are a set: joint actors in any order; compared through the official alignment
        ax = {maps.officials.get(p.official_id) for p in x.actors}
        ay = {p.official_id for p in y.actors}
        cx = {(maps.officials.get(p.official_id), p.country) for p in x.actors}
        cy = {(p.official_id, p.country) for p in y.actors}
        checks = {
            "kind": (x.kind == y.kind, x.kind, y.kind),
            "actors": (ax == ay, sorted(p.official_id for p in x.actors), sorted(ay)),
            "actor_countries": (
                cx == cy,
                sorted((p.official_id, p.country or "") for p in x.actors),
                sorted((p or "", c or "") for p, c in cy),
            ),
            "content": (same(ta[i], tb[j]), _show(ta[i]), _show(tb[j])),
            "evidence": (same(ea[i], eb[j]), _show(ea[i]), _show(eb[j])),
            "modality": (_same_opt(x.modality, y.modality), _opt(x.modality), _opt(y.modality)),
            "modality_type": (x.modality_type == y.modality_type, repr(x.modality_type), repr(y.modality_type)),
            "time": (_same_opt(x.time, y.time), _opt(x.time), _opt(y.time)),
            "attribution": (
                _same_ref(x.attribution_id, y.attribution_id, maps.attributions),
                x.attribution_id,
                y.attribution_id,
            ),
            "meeting": (_same_ref(x.meeting_id, y.meeting_id, maps.meetings), x.meeting_id, y.meeting_id),
        }
        if isinstance(x, Commitment) and isinstance(y, Commitment):
            checks["condition"] = (_same_opt(x.condition, y.condition), _opt(x.condition), _opt(y.condition))
        _tally(layer, (x.id, y.id), checks, tallies, result.differences)
    _unmatched(
        layer,
        ca,
        cb,
        pairs,
        lambda c: f"{c.id} {c.kind} {sorted(p.official_id for p in c.actors)}: {_show([extent(c.evidence)])}",
        result.differences,
    )
    result.figures[layer] = {"strict": _counts(ca, cb, strict), "overlap": _counts(ca, cb, pairs), **tallies}


# ------------------------------------------------------------------------------------------------ helpers


def _counts(a: Sequence[object], b: Sequence[object], pairs: Sequence[tuple[int, int]]) -> Counts:
    return Counts(len(a), len(b), len(pairs))


def _tally(
    layer: str,
    ids: tuple[str, str],
    checks: Mapping[str, tuple[bool, object, object]],
    tallies: dict[str, Rate],
    diffs: list[Difference],
) -> None:
    """Count each check of an aligned pair and list the ones that fail."""
    for key, (agree, x, y) in checks.items():
        tallies[key] += Rate(bool(agree), 1)
        if not agree and (x, y) != (None, None):  # derived checks (speaker_and_content) list nothing
            diffs.append(Difference(layer, key, f"{ids[0]}: {x}", f"{ids[1]}: {y}"))


def _unmatched(
    layer: str,
    a: Sequence[T],
    b: Sequence[T],
    pairs: Sequence[tuple[int, int]],
    show: Callable[[T], str],
    diffs: list[Difference],
) -> None:
    """List the items of either pass that have no partner."""
    left, right = {i for i, _ in pairs}, {j for _, j in pairs}
    diffs.extend(Difference(layer, "only-a", show(x), None) for i, x in enumerate(a) if i not in left)
    diffs.extend(Difference(layer, "only-b", None, show(y)) for j, y in enumerate(b) if j not in right)


def _extents(spans: Sequence[Span]) -> list[Extent]:
    return [extent(s) for s in spans]


def _show(extents: Sequence[Extent]) -> str:
    return " | ".join(f"[{e.start},{e.end}) {e.text!r}" for e in extents)


def _same_opt(x: Span | None, y: Span | None) -> bool:
    return (x is None and y is None) or (x is not None and y is not None and same([extent(x)], [extent(y)]))


def _opt(x: Span | None) -> str:
    return "null" if x is None else _show([extent(x)])


def _same_ref(x: str | None, y: str | None, mapping: Mapping[str, str]) -> bool:
    return (x is None and y is None) or (x is not None and mapping.get(x) == y)


def _source(source: AttributionSource) -> str:
    """An attribution's source in one word: the official's or source's id, or ``unresolved:<reason>``."""
    if isinstance(source, OfficialSource):
        return source.official_id
    if isinstance(source, SourceReference):
        return f"source:{source.source_id}"
    return f"unresolved:{source.reason}"


def _mention_items(doc: AnnotatedDocument) -> list[MentionItem]:
    items = [MentionItem(extent(m), m.form, o.id) for o in doc.officials for m in o.mentions]
    return sorted(items, key=lambda m: m.sort_key())


def _items(officials: Sequence[Official]) -> Annotations:
    return Annotations("", officials=[official_item(o) for o in officials])


def _sorted(items: Sequence[T], spans: Callable[[T], Sequence[Span]]) -> list[T]:
    return sorted(items, key=lambda item: (min((s.start for s in spans(item)), default=0), getattr(item, "id", "")))


def _sorted_officials(items: Sequence[Official]) -> list[Official]:
    return sorted(items, key=lambda o: (min(m.start for m in o.mentions), o.id))


# ------------------------------------------------------------------------------------------------- output


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _rows(layers: Mapping[str, Mapping[str, FigureData]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("layer", "measure", "a", "b", "matched / total", "P", "R", "F1 / rate")]
    for layer, figures in layers.items():
        for measure, v in figures.items():
            if measure == "ceaf_e":
                rows.append((layer, "CEAF-e", "", "", "", _num(v["precision"]), _num(v["recall"]), _num(v["f1"])))
            elif "matched" in v:
                rows.append(
                    (
                        layer,
                        f"{measure} span F1",
                        str(v["a"]),
                        str(v["b"]),
                        str(v["matched"]),
                        _num(v["precision"]),
                        _num(v["recall"]),
                        _num(v["f1"]),
                    )
                )
            else:
                rows.append(
                    (layer, f"{measure} agreement", "", "", f"{v['agree']} / {v['total']}", "", "", _num(v["rate"]))
                )
    return rows


def layers_table(layers: Mapping[str, Mapping[str, FigureData]], fmt: str) -> str:
    """Figures (as :func:`layers_dict` gives them) as a table: aligned text, or markdown."""
    rows = _rows(layers)
    if fmt == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * len(rows[0]))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def format_agreement(result: Agreement, fmt: str = "text") -> str:
    """One document's table (span F1 per layer, agreement rates on aligned pairs) as text with the list of
    differences, or as a markdown table."""
    table = layers_table(result.layers, fmt)
    if fmt == "markdown":
        return table
    diffs = "\n".join(
        f"  {d.layer:<12} {d.kind:<14} a: {d.a}\n  {'':<12} {'':<14} b: {d.b}" for d in result.differences
    )
    return table + f"\n\n{len(result.differences)} difference(s)" + (":\n" + diffs if diffs else "")
