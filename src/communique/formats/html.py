"""The one HTML renderer: gold annotations, predictions and benchmark outcomes drawn on the document text.

Every page is self-contained: no network, styles (and the review page's few lines of script) inline, fonts
the system's. One way of drawing serves them all: the text is cut at every boundary of what is drawn on it
and each piece is drawn with what covers it (:func:`sweep`, one pass over the cut points, O(n log n)
however many items overlap).

* **Review page** (``communique render``; :func:`render_html`): every annotation is an *annotation unit* with
  a stable id (``mention:babar:3``, ``attribution:a7``, ``cue:a7`` ...); each piece of text lists the units
  covering it in ``data-ann``, so overlapping annotations all stay visible and a test can check that every
  unit is on the page.
* **Predictions** (``communique render --pred``; :func:`render_prediction_html`): predictions drafted into a
  document are drawn as gold is, beside the gold when there is one.
* **Benchmark report** (``communique bench --format html``; :func:`render_report_html`): drawn from the JSON
  report alone (its documented keys: settings, metrics, headline, sweep, per-document scores, outcomes). Per
  document the text is shown twice, side by side, gold items on the left and predicted ones on the right,
  each stretch coloured by the outcome of its item (the worst where items overlap); hovering shows the layer
  and outcome; below, the outcomes that are not ``matched``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeVar

from communique.schema.jsontypes import JsonValue, json_at, json_object
from communique.schema.models import (
    AnnotatedDocument,
    Attribution,
    Commitment,
    CorpusDocument,
    Official,
    Span,
    Stance,
)

__all__ = [
    "COLOURS",
    "Unit",
    "annotation_units",
    "marked_outcomes",
    "marked_text",
    "render_html",
    "render_prediction_html",
    "render_report_html",
    "sweep",
]

K = TypeVar("K", bound=Hashable)


def sweep(length: int, intervals: Iterable[tuple[int, int, K]]) -> Iterator[tuple[int, int, Counter[K]]]:
    """The pieces ``[lo, hi)`` between consecutive cut points (0, ``length`` and both ends of every
    interval), each with the keys of the intervals ``(start, end, key)`` covering it, counted.

    An interval covers the pieces from its start up to its end (an empty or reversed one covers none, but
    still cuts). The counter is one and the same, updated from piece to piece (read it before the next):
    the intervals that start at a cut point join it and those that end there leave it, so each piece costs
    only what starts and ends there, not a scan of every interval.
    """
    cuts = {0, length}
    opening: dict[int, list[K]] = {}  # cut point -> keys of the intervals starting there
    closing: dict[int, list[K]] = {}
    for start, end, key in intervals:
        cuts.update((start, end))
        if start < end:
            opening.setdefault(start, []).append(key)
            closing.setdefault(end, []).append(key)
    covering: Counter[K] = Counter()
    for lo, hi in itertools.pairwise(sorted(cuts)):
        for key in closing.get(lo, ()):
            covering[key] -= 1
            if not covering[key]:
                del covering[key]
        for key in opening.get(lo, ()):
            covering[key] += 1
        yield lo, hi, covering


# ------------------------------------------------------------------------------ gold and predictions

PALETTE = ["#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6", "#a0c4ff", "#ffadad"]
HEADING = -1  # the key of a heading among the units (by index) drawn on the review page


@dataclass(frozen=True)
class Unit:
    """One annotation as drawn: a stable id, a CSS class, its spans and a tooltip line."""

    id: str
    css: str
    spans: tuple[Span, ...]
    label: str
    official: str | None = None  # for colouring mentions and attributions by official


def source_label(attribution: Attribution, names: dict[str, str]) -> str:
    """Who an attribution is attributed to, for people: an official's name, a source's id, or why unresolved."""
    source = attribution.source
    if source.type == "official":
        return names[source.official_id]
    if source.type == "source":
        return f"source {source.source_id}"
    return f"unresolved ({source.reason})"


def annotation_units(doc: AnnotatedDocument) -> list[Unit]:
    """Every annotation of ``doc`` as a unit, in layer order."""
    names = {o.id: o.name or o.title or o.id for o in doc.officials}
    units: list[Unit] = []
    for o in doc.officials:
        for j, m in enumerate(o.mentions):
            units.append(Unit(f"mention:{o.id}:{j}", "mention", (m,), f"mention of {names[o.id]} ({m.form})", o.id))
    for src in doc.sources:
        for j, span in enumerate(src.mentions):
            label = f"source {src.id} ({src.type}{f', {src.country}' if src.country else ''})"
            units.append(Unit(f"source:{src.id}:{j}", "source", (span,), label))
    for meeting in doc.meetings:
        who = ", ".join(f"{names[p.official_id]}{f' ({p.role})' if p.role else ''}" for p in meeting.participants)
        label = f"meeting {meeting.id} ({meeting.status}, {meeting.mode}): {who}"
        units.append(Unit(f"meeting:{meeting.id}", "meeting", tuple(meeting.evidence), label))
        if meeting.location:
            units.append(
                Unit(f"location:{meeting.id}", "place", (meeting.location,), f"location of meeting {meeting.id}")
            )
        if meeting.time:
            units.append(Unit(f"time:{meeting.id}", "place", (meeting.time,), f"time of meeting {meeting.id}"))
    for a in doc.attributions:
        official = a.source.official_id if a.source.type == "official" else None
        said = f"{a.kind} {a.speech_act} attribution {a.id} to {source_label(a, names)}"
        units.append(Unit(f"attribution:{a.id}", f"attribution {a.kind}", tuple(a.contents), said, official))
        if a.cues:
            units.append(Unit(f"cue:{a.id}", "cue", tuple(a.cues), f"cue of {a.id}", official))
        if a.source_span is not None:
            units.append(Unit(f"source-span:{a.id}", "source-span", (a.source_span,), f"source of {a.id}", official))
    acts: list[tuple[str, Commitment | Stance]] = [
        *(("commitment", c) for c in doc.commitments),
        *(("stance", s) for s in doc.stances),
    ]
    for what, c in acts:
        actors = ", ".join(names[x.official_id] + (f" for {x.country}" if x.country else "") for x in c.actors)
        first = c.actors[0].official_id
        units.append(Unit(f"{what}:{c.id}", what, (c.evidence,), f"{c.kind} {c.id} by {actors}", first))
        units.append(Unit(f"content:{c.id}", f"{what}-content", (c.content,), f"content of {c.id}", first))
        if c.modality:
            kind = f" ({c.modality_type})" if c.modality_type else ""
            units.append(Unit(f"modality:{c.id}", "modality", (c.modality,), f"modality of {c.id}{kind}"))
        if c.time:
            units.append(Unit(f"ctime:{c.id}", "place", (c.time,), f"time of {c.id}"))
        if isinstance(c, Commitment) and c.condition:
            units.append(Unit(f"condition:{c.id}", "condition", (c.condition,), f"condition of {c.id}"))
    return units


CSS = """
body{font:15px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;display:flex;color:#222}
main{flex:3;padding:1.5em 2em;max-width:60em}
aside{flex:2;padding:1em 1.5em;background:#f6f6f6;border-left:1px solid #ddd;height:100vh;overflow:auto;position:sticky;top:0}
#text{white-space:pre-wrap}
.heading{font-weight:700;font-size:1.1em}
.mention{border-radius:3px;padding:0 1px}
.attribution{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:3px}
.attribution.direct{text-decoration-style:solid}.attribution.indirect{text-decoration-style:wavy}
.attribution.mixed{text-decoration-style:double}
.source{border-radius:3px;padding:0 1px;background:#e9e4f0}
.source-span{border-bottom:2px solid #6a1b9a}
.cue{font-weight:700;color:#6a1b9a}
.meeting{box-shadow:inset 0 -4px 0 rgba(42,157,143,.45)}
.commitment{border-top:2px dashed #e76f51}
.commitment-content{background-image:linear-gradient(rgba(231,111,81,.12),rgba(231,111,81,.12))}
.stance{border-top:2px dotted #3a6ea5}
.stance-content{background-image:linear-gradient(rgba(58,110,165,.12),rgba(58,110,165,.12))}
.condition{border-bottom:2px dotted #e76f51}
.modality{font-style:italic;color:#b23a1b}
.place{outline:1px dotted #2a9d8f}
.hl{outline:2px solid #d00 !important}
h2{font-size:1em;margin:1.2em 0 .4em;text-transform:uppercase;letter-spacing:.05em;color:#555}
ul{padding-left:1.1em;margin:.2em 0}li{margin:.15em 0}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:middle;margin-right:.3em}
.legend span{margin-right:.8em;white-space:nowrap}
a{color:#1d4e89}
small{color:#666}
"""

SCRIPT = """
for (const link of document.querySelectorAll('[data-target]')) {
  link.addEventListener('mouseenter', () => document.querySelectorAll(`[data-ann~="${link.dataset.target}"]`).forEach(e => e.classList.add('hl')));
  link.addEventListener('mouseleave', () => document.querySelectorAll('.hl').forEach(e => e.classList.remove('hl')));
}
"""


def render_html(doc: AnnotatedDocument, corpus: CorpusDocument) -> str:
    """The review page for one annotated document."""
    units = annotation_units(doc)
    colours = {o.id: PALETTE[i % len(PALETTE)] for i, o in enumerate(doc.officials)}
    headings = [(h.start, h.end) for h in corpus.headings]
    return _page(doc, corpus, marked_text(corpus.text, units, colours, headings), colours)


def marked_text(text: str, units: list[Unit], colours: dict[str, str], headings: list[tuple[int, int]]) -> str:
    """``text`` cut at every unit and heading boundary, each piece in a ``<span>`` listing the units that
    cover it (in ``units`` order)."""
    spans = ((span.start, span.end, k) for k, unit in enumerate(units) for span in unit.spans)
    pieces: list[str] = []
    for start, end, covered in sweep(len(text), itertools.chain(spans, ((h, e, HEADING) for h, e in headings))):
        covering = [units[k] for k in sorted(covered) if k != HEADING]
        piece = escape(text[start:end])
        classes = sorted({c for u in covering for c in u.css.split()})
        if HEADING in covered:
            classes.append("heading")
        if not classes:
            pieces.append(piece)
            continue
        style = ""
        mention = next((u for u in reversed(covering) if u.css == "mention"), None)
        if mention is not None and mention.official is not None:
            style = f' style="background:{colours[mention.official]}"'
        said = next((u for u in covering if u.css.startswith("attribution") and u.official), None)
        if said is not None and said.official is not None:
            colour = _darker(colours[said.official])
            style = (
                style[:-1] + f';text-decoration-color:{colour}"'
                if style
                else f' style="text-decoration-color:{colour}"'
            )
        attrs = ""
        if covering:
            title = escape("\n".join(u.label for u in covering), quote=True)
            attrs = f' data-ann="{" ".join(u.id for u in covering)}" title="{title}"'
        pieces.append(f'<span class="{" ".join(classes)}"{attrs}{style}>{piece}</span>')
    return "".join(pieces)


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) // 2 for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def _page(doc: AnnotatedDocument, corpus: CorpusDocument, body: str, colours: dict[str, str]) -> str:
    esc = escape
    names = {o.id: o.name or o.title or o.id for o in doc.officials}

    def who(official_id: str) -> str:
        return f'<a href="#official-{esc(official_id)}">{esc(names[official_id])}</a>'

    def mention_items(o: Official) -> str:
        return "".join(
            f'<li data-target="mention:{esc(o.id)}:{j}">{esc(m.text)} <small>{m.form} [{m.start}, {m.end})</small></li>'
            for j, m in enumerate(o.mentions)
        )

    def facts(o: Official) -> str:
        return esc(" · ".join(x for x in (o.rank, o.title, o.organisation, o.country, o.participation) if x))

    officials = "".join(
        f'<li id="official-{esc(o.id)}"><span class="swatch" style="background:{colours[o.id]}"></span>'
        f"<b>{esc(o.name or '(unnamed)')}</b> <small>{facts(o)}</small><ul>{mention_items(o)}</ul></li>"
        for o in doc.officials
    )
    meetings = "".join(
        f'<li data-target="meeting:{esc(m.id)}"><b>{esc(m.id)}</b> <small>{m.status} · {m.mode}</small>: '
        + ", ".join(who(p.official_id) + (f" <small>({p.role})</small>" if p.role else "") for p in m.participants)
        + (f" · at {esc(m.location.text)}" if m.location else "")
        + (f" · {esc(m.time.text)}" if m.time else "")
        + "</li>"
        for m in doc.meetings
    )
    sources = "".join(
        f'<li data-target="source:{esc(src.id)}:0"><b>{esc(src.id)}</b> <small>{src.type}'
        f"{f' · {esc(src.country)}' if src.country else ''}</small>: "
        + esc(" / ".join(m.text for m in src.mentions))
        + "</li>"
        for src in doc.sources
    )

    def said_by(a: Attribution) -> str:
        if a.source.type == "official":
            return who(a.source.official_id)
        return esc(source_label(a, names))

    attributions = "".join(
        f'<li data-target="attribution:{esc(a.id)}"><b>{esc(a.id)}</b> <small>{a.kind} {a.speech_act}</small> '
        f"{said_by(a)} <small>{esc(' / '.join(c.text for c in a.cues))}</small>: "
        f"“{esc(_excerpt(' … '.join(c.text for c in a.contents)))}”</li>"
        for a in doc.attributions
    )

    def acts(what: str, items: Sequence[Commitment | Stance]) -> str:
        return "".join(
            f'<li data-target="{what}:{esc(c.id)}"><b>{esc(c.id)}</b> <small>{c.kind}</small> '
            + ", ".join(
                who(x.official_id) + (f" <small>for {esc(x.country)}</small>" if x.country else "") for x in c.actors
            )
            + f": {esc(_excerpt(c.content.text))}</li>"
            for c in items
        )

    commitments, stances = acts("commitment", doc.commitments), acts("stance", doc.stances)
    legend = (
        '<p class="legend"><span class="mention" style="background:#caffbf">mention</span>'
        '<span class="source">source</span><span class="source-span">attribution source</span>'
        '<span class="attribution direct">direct attribution</span>'
        '<span class="attribution indirect">indirect attribution</span>'
        '<span class="cue">cue</span><span class="meeting">meeting evidence</span>'
        '<span class="place">place / time</span><span class="commitment">commitment</span>'
        '<span class="commitment-content">commitment content</span><span class="condition">condition</span>'
        '<span class="stance">stance</span><span class="stance-content">stance content</span>'
        '<span class="modality">modality</span></p>'
    )
    return f"""<!DOCTYPE html>
<html lang="{esc(corpus.metadata.language)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(doc.document_id)} — communique review</title>
<style>{CSS}</style></head>
<body><main><h1 style="font-size:1.2em">{esc(doc.document_id)}</h1>
<p><small>guidelines {esc(doc.guidelines_version)} · annotators: {esc(", ".join(doc.annotators))} ·
text sha256 {esc(doc.text_sha256[:12])}…</small></p>{legend}
<div id="text">{body}</div></main>
<aside><h2>Officials ({len(doc.officials)})</h2><ul>{officials}</ul>
<h2>Sources ({len(doc.sources)})</h2><ul>{sources}</ul>
<h2>Meetings ({len(doc.meetings)})</h2><ul>{meetings}</ul>
<h2>Attributions ({len(doc.attributions)})</h2><ul>{attributions}</ul>
<h2>Commitments ({len(doc.commitments)})</h2><ul>{commitments}</ul>
<h2>Stances ({len(doc.stances)})</h2><ul>{stances}</ul></aside>
<script>{SCRIPT}</script></body></html>
"""


def _excerpt(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_prediction_html(
    prediction: AnnotatedDocument, corpus: CorpusDocument, gold: AnnotatedDocument | None = None
) -> str:
    """A page showing predictions (drafted into a document, see :func:`communique.annotate.draft.drafted_document`)
    as :func:`render_html` shows gold; with ``gold``, the two side by side, each in its own frame so that
    both keep their own highlighting. Self-contained: the frames' pages are inlined (``srcdoc``)."""
    predicted = render_html(prediction, corpus)
    if gold is None:
        return predicted
    esc = escape
    frames = "".join(
        f'<section><h2>{title}</h2><iframe title="{title}" srcdoc="{esc(page, quote=True)}"></iframe></section>'
        for title, page in (("gold", render_html(gold, corpus)), ("predictions", predicted))
    )
    return f"""<!DOCTYPE html>
<html lang="{esc(corpus.metadata.language)}"><head><meta charset="utf-8">
<title>{esc(corpus.id)} — gold and predictions</title>
<style>body{{margin:0;font-family:system-ui,sans-serif}}h2{{font-size:1em;margin:.3em .6em}}
.pair{{display:grid;grid-template-columns:1fr 1fr;gap:.5em;height:100vh}}
section{{display:flex;flex-direction:column}}iframe{{flex:1;border:1px solid #ccc;width:100%}}</style></head>
<body><div class="pair">{frames}</div></body></html>
"""


# ---------------------------------------------------------------------------------- benchmark outcomes

#: outcome -> colour, from best to worst (the order of :data:`communique.bench.outcomes.OUTCOMES`); the worse
#: outcome wins where items overlap
COLOURS = {
    "matched": "#b7e4c7",
    "partial": "#ffe8a3",
    "wrong_kind": "#ffd199",
    "wrong_source": "#ffb38a",
    "wrong_actors": "#ffb38a",
    "wrong_participants": "#ffb38a",
    "missed": "#ff9b9b",
    "spurious": "#d7b5ff",
}
RANK = {outcome: i for i, outcome in enumerate(COLOURS)}
#: the layers drawn in the text (officials are drawn through their mentions)
DRAWN = ("mentions", "attributions", "meetings", "commitments", "stances")

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5em;max-width:110em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.cols{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}"
    ".text{white-space:pre-wrap;line-height:1.6;border:1px solid #ddd;padding:.8em}"
    "mark{padding:0 1px;border-radius:2px}.legend span{padding:0 .4em;margin-right:.4em}"
    + "".join(f".o-{k}{{background:{v}}}" for k, v in COLOURS.items())
)


def _num(value: JsonValue) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "n/a"


def _main_value(entry: Mapping[str, JsonValue]) -> str:
    """The score a metric of the report is summarised by (and has an interval for), from its family."""
    return "accuracy" if entry["family"] == "accuracy" else "f1"


def _extent(span: JsonValue) -> tuple[int, int] | None:
    start, end = (span.get("start"), span.get("end")) if isinstance(span, Mapping) else (None, None)
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def _extents(item: JsonValue) -> list[tuple[int, int]]:
    """The anchored stretches of one side of an outcome that are drawn: spans, contents, evidence."""
    if not isinstance(item, Mapping):
        return []
    found = [extent] if (extent := _extent(item)) is not None else []
    for key in ("contents", "evidence"):
        value = item.get(key)
        for span in value if isinstance(value, list) else [value]:
            if (extent := _extent(span)) is not None:
                found.append(extent)
    return found


def marked_outcomes(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    """``text`` with each ``(start, end, outcome, title)`` drawn as a ``<mark>``, the worst outcome on top.

    The marks covering a piece are counted by (outcome, title), of which there are few, so a piece costs
    those, not a scan of every mark over it, however many marks overlap."""
    out: list[str] = []
    for lo, hi, covering in sweep(len(text), ((s, e, (outcome, title)) for s, e, outcome, title in marks)):
        piece = escape(text[lo:hi])
        if not covering:
            out.append(piece)
            continue
        worst = max((outcome for outcome, _ in covering), key=lambda o: RANK[o])
        title = escape("; ".join(sorted({t for _, t in covering})), quote=True)
        out.append(f'<mark class="o-{worst}" data-outcome="{worst}" title="{title}">{piece}</mark>')
    return "".join(out)


def _ci(value: JsonValue) -> str:
    if not isinstance(value, list):
        return "n/a"
    return f"[{_num(value[0])}, {_num(value[1])}]"


def _headline(report: Mapping[str, JsonValue]) -> str:
    rows = ["<tr><th>metric</th><th>P</th><th>R</th><th>F1/acc</th><th>95% CI</th></tr>"]
    headline = json_object(report["headline"])
    for key, found in json_object(report["metrics"]).items():
        entry = json_object(found)
        value = _main_value(entry)
        star = " *" if key in headline else ""
        rows.append(
            f"<tr><td>{escape(key)}{star}</td><td>{_num(entry.get('precision'))}</td>"
            f"<td>{_num(entry.get('recall'))}</td><td>{_num(entry[value])}</td>"
            f"<td>{_ci(entry.get(f'{value}_ci95'))}</td></tr>"
        )
    return f'<table id="headline">{"".join(rows)}</table>'


def _sweep(report: Mapping[str, JsonValue]) -> str:
    sweep = report.get("sweep")
    if not sweep:
        return '<p id="sweep">No prediction carries a <code>confidence</code>: no threshold sweep.</p>'
    keys = list(json_object(report["headline"]))
    head = "<tr><th>threshold</th>" + "".join(f"<th>{escape(k)} P / R / F1</th>" for k in keys) + "</tr>"
    rows = [head]
    points = json_at(sweep, "points")
    for point in points if isinstance(points, list) else []:
        scores = {k: json_object(json_at(point, "metrics", k)) for k in keys}
        cells = "".join(
            f"<td>{_num(scores[k].get('precision'))} / {_num(scores[k].get('recall'))} / "
            f"{_num(scores[k].get('f1'))}</td>"
            for k in keys
        )
        rows.append(f"<tr><td>{_threshold(json_at(point, 'threshold'))}</td>{cells}</tr>")
    return f'<table id="sweep">{"".join(rows)}</table>'


def _threshold(value: JsonValue) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


def _document(
    document_id: str,
    text: str,
    outcomes: list[Mapping[str, JsonValue]],
    scores: Mapping[str, JsonValue],
    headline: Mapping[str, str],
) -> str:
    """One document's section; ``headline`` maps each headline metric to the score it is summarised by."""
    sides: dict[str, list[tuple[int, int, str, str]]] = {"gold": [], "pred": []}
    for entry in outcomes:
        layer, outcome = str(entry["layer"]), str(entry["outcome"])
        if layer not in DRAWN:
            continue
        for side in ("gold", "pred"):
            for start, end in _extents(entry[side]):
                if 0 <= start < end <= len(text):
                    sides[side].append((start, end, outcome, f"{layer}: {outcome}"))
    summary = ", ".join(
        f"{escape(key)} {_num(json_object(scores.get(key, {})).get(value))}" for key, value in headline.items()
    )
    problems = [e for e in outcomes if e["outcome"] != "matched"]

    def brief(side: JsonValue) -> str:
        if not isinstance(side, Mapping):
            return ""
        texts: list[str] = []
        if "text" in side:
            texts.append(str(side["text"]))
        for key in ("contents", "evidence"):
            value = side.get(key)
            for span in value if isinstance(value, list) else [value]:
                if isinstance(span, dict):
                    texts.append(str(span.get("text")))
        if side.get("name"):
            texts.append(str(side["name"]))
        return escape(" … ".join(texts))

    listing = "".join(
        f'<tr class="o-{e["outcome"]}"><td>{escape(str(e["layer"]))}</td><td>{escape(str(e["outcome"]))}</td>'
        f"<td>{brief(e['gold'])}</td><td>{brief(e['pred'])}</td></tr>"
        for e in problems
    )
    return (
        f'<section class="document" id="doc-{escape(document_id, quote=True)}"><h2>{escape(document_id)}</h2>'
        f"<p>{summary}</p>"
        '<div class="cols"><div><h3>gold</h3>'
        f'<div class="text gold">{marked_outcomes(text, sides["gold"])}</div></div>'
        f'<div><h3>predicted</h3><div class="text pred">{marked_outcomes(text, sides["pred"])}</div></div></div>'
        '<h3>Not matched</h3><table class="outcomes"><tr><th>layer</th><th>outcome</th><th>gold</th>'
        f"<th>predicted</th></tr>{listing}</table></section>"
    )


def render_report_html(report: Mapping[str, JsonValue], text_of: Callable[[str], str | None]) -> str:
    """The page for a bench ``report`` (its JSON form); ``text_of`` gives a document's text by id (``None``:
    the document is not shown)."""
    preds, gold = json_object(report["predictions"]), json_object(report["gold"])
    metrics = json_object(report["metrics"])
    headline = {key: _main_value(json_object(metrics[key])) for key in json_object(report["headline"])}
    by_document: dict[str, list[Mapping[str, JsonValue]]] = {}
    outcomes, documents = report.get("outcomes"), report.get("per_document")
    for found in outcomes if isinstance(outcomes, list) else []:
        entry = json_object(found)
        by_document.setdefault(str(entry["document_id"]), []).append(entry)
    sections = []
    for found in documents if isinstance(documents, list) else []:
        scored = json_object(found)
        document_id = str(scored["document_id"])
        text = text_of(document_id)
        if text is not None:
            sections.append(
                _document(document_id, text, by_document.get(document_id, []), json_object(scored["scores"]), headline)
            )
    legend = "".join(f'<span class="o-{k}">{escape(k)}</span>' for k in COLOURS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>bench: {escape(str(preds['path']))}</title><style>{STYLE}</style></head><body>"
        f"<h1>bench: {escape(str(preds['path']))}</h1>"
        f"<p>gold: {escape(str(gold['path']))} ({gold['documents']} document(s)); predictions: "
        f"{preds['documents']} document(s), {preds['warnings']} warning(s); matcher: "
        f"{escape(str(json_at(report, 'settings', 'matcher')))}</p>"
        f"<h2>Scores</h2>{_headline(report)}<h2>Confidence sweep</h2>{_sweep(report)}"
        f'<p class="legend">{legend}</p>{"".join(sections)}</body></html>\n'
    )
