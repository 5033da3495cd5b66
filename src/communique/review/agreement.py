"""Inter-annotator agreement between two annotations of the same document, layer by layer.

Items are aligned one-to-one (see :mod:`communique.bench.align`): mentions by span, officials by shared mentions,
meetings and commitments by evidence overlap, quotes by content overlap. For each layer it reports span
F1 (strict: identical spans; overlap: any shared character) and, on the aligned pairs, how often the two
passes agree on speakers, actors, participants and kinds. Speakers and actors are compared through the
official alignment, since the two passes may name the same official differently.

It also lists every difference, so each can be adjudicated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from communique.bench.align import align, iou, overlap, same_spans
from communique.schema.models import AnnotatedDocument, Official, Span


@dataclass
class Counts:
    """Items in each pass and matched pairs; F1 with 0/0 reported as None (nothing to compare)."""

    a: int
    b: int
    matched: int

    def as_dict(self) -> dict[str, Any]:
        precision = self.matched / self.b if self.b else None
        recall = self.matched / self.a if self.a else None
        f1 = 2 * self.matched / (self.a + self.b) if self.a + self.b else None
        return {"a": self.a, "b": self.b, "matched": self.matched, "precision": precision, "recall": recall, "f1": f1}


@dataclass
class Agree:
    agree: int = 0
    total: int = 0

    def add(self, same: bool) -> None:
        self.total += 1
        self.agree += bool(same)

    def as_dict(self) -> dict[str, Any]:
        return {"agree": self.agree, "total": self.total, "rate": self.agree / self.total if self.total else None}


@dataclass
class Difference:
    layer: str
    kind: str  # only-a, only-b, or the attribute that differs
    a: str | None
    b: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "kind": self.kind, "a": self.a, "b": self.b}


@dataclass
class Agreement:
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"layers": self.layers, "differences": [d.as_dict() for d in self.differences]}


def _spans(spans: Sequence[Span]) -> str:
    return " | ".join(f"[{s.start},{s.end}) {s.text!r}" for s in spans)


def _pairs_counts(a: Sequence[Any], b: Sequence[Any], pairs: list[tuple[int, int]]) -> Counts:
    return Counts(len(a), len(b), len(pairs))


def _diff_unmatched(
    layer: str,
    a: Sequence[Any],
    b: Sequence[Any],
    pairs: list[tuple[int, int]],
    show: Callable[[Any], str],
    out: list[Difference],
) -> None:
    left = {i for i, _ in pairs}
    right = {j for _, j in pairs}
    out.extend(Difference(layer, "only-a", show(x), None) for i, x in enumerate(a) if i not in left)
    out.extend(Difference(layer, "only-b", None, show(y)) for j, y in enumerate(b) if j not in right)


def compare(a: AnnotatedDocument, b: AnnotatedDocument) -> Agreement:
    """Agreement of pass ``b`` with pass ``a`` (F1 is symmetric; precision and recall take ``a`` as
    reference)."""
    result = Agreement()
    diffs = result.differences

    # --- mentions
    ma = sorted(((m, o.id) for o in a.officials for m in o.mentions), key=lambda x: (x[0].start, x[0].end))
    mb = sorted(((m, o.id) for o in b.officials for m in o.mentions), key=lambda x: (x[0].start, x[0].end))
    strict = align(ma, mb, lambda x, y: float(x[0].start == y[0].start and x[0].end == y[0].end))
    loose = align(ma, mb, lambda x, y: iou([x[0]], [y[0]]))

    # --- officials, aligned by how many mentions they share exactly
    oa, ob = _sorted_officials(a.officials), _sorted_officials(b.officials)

    def shared_count(x: Official, y: Official) -> float:
        keys_x = {(m.start, m.end) for m in x.mentions}
        return float(sum((m.start, m.end) in keys_x for m in y.mentions))

    opairs = align(oa, ob, shared_count)
    official_map = {oa[i].id: ob[j].id for i, j in opairs}
    phi = sum(2 * shared_count(oa[i], ob[j]) / (len(oa[i].mentions) + len(ob[j].mentions)) for i, j in opairs)
    ceaf = {"phi4_sum": phi, "precision": phi / len(ob) if ob else None, "recall": phi / len(oa) if oa else None}
    ceaf["f1"] = 2 * phi / (len(oa) + len(ob)) if oa or ob else None

    form, coref = Agree(), Agree()
    for i, j in strict:
        (x, xo), (y, yo) = ma[i], mb[j]
        form.add(x.form == y.form)
        coref.add(official_map.get(xo) == yo)
        if x.form != y.form:
            diffs.append(Difference("mentions", "form", f"{_spans([x])} {x.form}", f"{_spans([y])} {y.form}"))
        if official_map.get(xo) != yo:
            diffs.append(Difference("mentions", "official", f"{_spans([x])} -> {xo}", f"{_spans([y])} -> {yo}"))
    _diff_unmatched("mentions", ma, mb, strict, lambda m: f"{_spans([m[0]])} {m[0].form} -> {m[1]}", diffs)
    result.layers["mentions"] = {
        "strict": _pairs_counts(ma, mb, strict).as_dict(),
        "overlap": _pairs_counts(ma, mb, loose).as_dict(),
        "form": form.as_dict(),
        "same_official": coref.as_dict(),
    }

    attributes = {k: Agree() for k in ("name", "title", "rank", "country", "organisation", "participation")}
    for i, j in opairs:
        for key, tally in attributes.items():
            same = getattr(oa[i], key) == getattr(ob[j], key)
            tally.add(same)
            if not same:
                diffs.append(
                    Difference(
                        "officials", key, f"{oa[i].id}: {getattr(oa[i], key)!r}", f"{ob[j].id}: {getattr(ob[j], key)!r}"
                    )
                )
    _diff_unmatched("officials", oa, ob, opairs, lambda o: f"{o.id} ({o.name or o.title})", diffs)
    result.layers["officials"] = {
        "aligned": _pairs_counts(oa, ob, opairs).as_dict(),
        "ceaf_e": ceaf,
        **{key: tally.as_dict() for key, tally in attributes.items()},
    }

    def same_official(x: str | None, y: str | None) -> bool:
        return (x is None and y is None) or (x is not None and official_map.get(x) == y)

    # --- meetings
    ga, gb = _sorted(a.meetings, lambda m: m.evidence), _sorted(b.meetings, lambda m: m.evidence)
    mpairs = align(ga, gb, lambda x, y: iou(x.evidence, y.evidence) + (1.0 if overlap(x.evidence, y.evidence) else 0))
    meeting_map = {ga[i].id: gb[j].id for i, j in mpairs}
    tallies = {k: Agree() for k in ("participants", "roles", "status", "location", "time", "evidence")}
    for i, j in mpairs:
        x, y = ga[i], gb[j]
        px = {official_map.get(p.official_id) for p in x.participants}
        py = {p.official_id for p in y.participants}
        rx = {(official_map.get(p.official_id), p.role) for p in x.participants}
        ry = {(p.official_id, p.role) for p in y.participants}
        checks = {
            "participants": (px == py, sorted(p.official_id for p in x.participants), sorted(py)),
            "roles": (
                rx == ry,
                sorted((p.official_id, p.role or "") for p in x.participants),
                sorted((p or "", r or "") for p, r in ry),
            ),
            "status": (x.status == y.status, x.status, y.status),
            "location": (_same_opt(x.location, y.location), _opt(x.location), _opt(y.location)),
            "time": (_same_opt(x.time, y.time), _opt(x.time), _opt(y.time)),
            "evidence": (same_spans(x.evidence, y.evidence), _spans(x.evidence), _spans(y.evidence)),
        }
        _tally("meetings", (x.id, y.id), checks, tallies, diffs)
    _diff_unmatched("meetings", ga, gb, mpairs, lambda m: f"{m.id}: {_spans(m.evidence)}", diffs)
    result.layers["meetings"] = {
        "overlap": _pairs_counts(ga, gb, mpairs).as_dict(),
        **{k: t.as_dict() for k, t in tallies.items()},
    }

    # --- quotes
    qa, qb = _sorted(a.quotes, lambda q: q.contents), _sorted(b.quotes, lambda q: q.contents)
    qstrict = align(qa, qb, lambda x, y: float(same_spans(x.contents, y.contents)))
    qpairs = align(
        qa, qb, lambda x, y: iou(x.contents, y.contents) + (1.0 if same_spans(x.contents, y.contents) else 0)
    )
    tallies = {
        k: Agree() for k in ("speaker", "speaker_and_content", "kind", "cues", "contents", "addressee", "meeting")
    }
    for i, j in qpairs:
        x, y = qa[i], qb[j]
        checks = {
            "speaker": (same_official(x.speaker_id, y.speaker_id), x.speaker_id, y.speaker_id),
            "speaker_and_content": (
                same_official(x.speaker_id, y.speaker_id) and same_spans(x.contents, y.contents),
                None,
                None,
            ),
            "kind": (x.kind == y.kind, x.kind, y.kind),
            "cues": (same_spans(x.cues, y.cues), _spans(x.cues), _spans(y.cues)),
            "contents": (same_spans(x.contents, y.contents), _spans(x.contents), _spans(y.contents)),
            "addressee": (same_official(x.addressee_id, y.addressee_id), x.addressee_id, y.addressee_id),
            "meeting": (_same_ref(x.meeting_id, y.meeting_id, meeting_map), x.meeting_id, y.meeting_id),
        }
        _tally("quotes", (x.id, y.id), checks, tallies, diffs)
    _diff_unmatched("quotes", qa, qb, qpairs, lambda q: f"{q.id} {q.kind} {q.speaker_id}: {_spans(q.contents)}", diffs)
    result.layers["quotes"] = {
        "strict": _pairs_counts(qa, qb, qstrict).as_dict(),
        "overlap": _pairs_counts(qa, qb, qpairs).as_dict(),
        **{k: t.as_dict() for k, t in tallies.items()},
    }

    # --- commitments
    quote_map = {qa[i].id: qb[j].id for i, j in qpairs}
    ca, cb = _sorted(a.commitments, lambda c: [c.evidence]), _sorted(b.commitments, lambda c: [c.evidence])
    cstrict = align(ca, cb, lambda x, y: float(same_spans([x.content], [y.content])))
    cpairs = align(
        ca,
        cb,
        lambda x, y: (
            iou([x.evidence, x.content], [y.evidence, y.content]) + (1.0 if overlap([x.evidence], [y.evidence]) else 0)
        ),
    )
    tallies = {
        k: Agree() for k in ("kind", "actor", "country", "content", "evidence", "modality", "time", "quote", "meeting")
    }
    for i, j in cpairs:
        x, y = ca[i], cb[j]
        checks = {
            "kind": (x.kind == y.kind, x.kind, y.kind),
            "actor": (same_official(x.actor_id, y.actor_id), x.actor_id, y.actor_id),
            "country": (x.country == y.country, x.country, y.country),
            "content": (same_spans([x.content], [y.content]), _spans([x.content]), _spans([y.content])),
            "evidence": (same_spans([x.evidence], [y.evidence]), _spans([x.evidence]), _spans([y.evidence])),
            "modality": (_same_opt(x.modality, y.modality), _opt(x.modality), _opt(y.modality)),
            "time": (_same_opt(x.time, y.time), _opt(x.time), _opt(y.time)),
            "quote": (_same_ref(x.quote_id, y.quote_id, quote_map), x.quote_id, y.quote_id),
            "meeting": (_same_ref(x.meeting_id, y.meeting_id, meeting_map), x.meeting_id, y.meeting_id),
        }
        _tally("commitments", (x.id, y.id), checks, tallies, diffs)
    _diff_unmatched(
        "commitments", ca, cb, cpairs, lambda c: f"{c.id} {c.kind} {c.actor_id}: {_spans([c.evidence])}", diffs
    )
    result.layers["commitments"] = {
        "strict": _pairs_counts(ca, cb, cstrict).as_dict(),
        "overlap": _pairs_counts(ca, cb, cpairs).as_dict(),
        **{k: t.as_dict() for k, t in tallies.items()},
    }
    return result


def _tally(
    layer: str,
    ids: tuple[str, str],
    checks: dict[str, tuple[bool, Any, Any]],
    tallies: dict[str, Agree],
    diffs: list[Difference],
) -> None:
    for key, (same, x, y) in checks.items():
        tallies[key].add(same)
        if not same and (x, y) != (None, None):  # derived checks (speaker_and_content) list nothing
            diffs.append(Difference(layer, key, f"{ids[0]}: {x}", f"{ids[1]}: {y}"))


def _same_opt(x: Span | None, y: Span | None) -> bool:
    return (x is None and y is None) or (x is not None and y is not None and (x.start, x.end) == (y.start, y.end))


def _opt(x: Span | None) -> str:
    return "null" if x is None else _spans([x])


def _same_ref(x: str | None, y: str | None, mapping: dict[str, str]) -> bool:
    return (x is None and y is None) or (x is not None and mapping.get(x) == y)


def _sorted(items: Sequence[Any], spans: Callable[[Any], Sequence[Span]]) -> list[Any]:
    return sorted(items, key=lambda item: (min((s.start for s in spans(item)), default=0), item.id))


def _sorted_officials(items: Sequence[Official]) -> list[Official]:
    return sorted(items, key=lambda o: (min(m.start for m in o.mentions), o.id))


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_agreement(result: Agreement, fmt: str = "text") -> str:
    """Span F1 per layer and agreement rates on matched items, as a text or markdown table."""
    rows = [("layer", "measure", "a", "b", "matched / total", "P", "R", "F1 / rate")]
    for layer, figures in result.layers.items():
        for measure, value in figures.items():
            if "f1" in value and "matched" in value:
                rows.append(
                    (
                        layer,
                        f"{measure} span F1",
                        str(value["a"]),
                        str(value["b"]),
                        str(value["matched"]),
                        _num(value["precision"]),
                        _num(value["recall"]),
                        _num(value["f1"]),
                    )
                )
            elif "rate" in value:
                rows.append(
                    (
                        layer,
                        f"{measure} agreement",
                        "",
                        "",
                        f"{value['agree']} / {value['total']}",
                        "",
                        "",
                        _num(value["rate"]),
                    )
                )
            elif measure == "ceaf_e":
                rows.append(
                    (layer, "CEAF-e", "", "", "", _num(value["precision"]), _num(value["recall"]), _num(value["f1"]))
                )
    if fmt == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * len(rows[0]))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    diffs = "\n".join(
        f"  {d.layer:<12} {d.kind:<14} a: {d.a}\n  {'':<12} {'':<14} b: {d.b}" for d in result.differences
    )
    return text + f"\n\n{len(result.differences)} difference(s)" + (":\n" + diffs if diffs else "")
