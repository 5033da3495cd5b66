"""The bench report as one self-contained HTML page, for error analysis (``bench --format html``).

For each document the text is shown twice, side by side: on the left with the gold items, on the right
with the predicted ones, each stretch coloured by the outcome of its item (:mod:`communique.bench.outcomes`);
hovering shows the layer and outcome. Above: the settings, the headline table and the confidence sweep;
below each document: the list of outcomes that are not ``matched``. No scripts, styles or fonts are loaded
from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from itertools import pairwise
from typing import Any

from communique.bench.metrics import METRICS, main_value
from communique.bench.outcomes import OUTCOMES

__all__ = ["render_report_html"]

#: outcome -> colour; the worse outcome wins where items overlap (later in OUTCOMES is worse)
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


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _extents(item: Mapping[str, Any] | None) -> list[tuple[int, int]]:
    """The anchored stretches of one side of an outcome that are drawn: spans, contents, evidence."""
    if item is None:
        return []
    found: list[tuple[int, int]] = []
    if isinstance(item.get("start"), int):
        found.append((item["start"], item["end"]))
    for key in ("contents", "evidence"):
        value = item.get(key)
        for span in value if isinstance(value, list) else [value]:
            if isinstance(span, dict) and isinstance(span.get("start"), int):
                found.append((span["start"], span["end"]))
    return found


def _marked(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    """``text`` with each ``(start, end, outcome, title)`` drawn as a ``<mark>``, the worst outcome on top."""
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    cuts = sorted({0, len(text), *(s for s, _, _, _ in marks), *(e for _, e, _, _ in marks)})
    pending = sorted(marks, reverse=True)  # popped in start order
    active: list[tuple[int, int, str, str]] = []
    out: list[str] = []
    for lo, hi in pairwise(cuts):
        while pending and pending[-1][0] <= lo:
            active.append(pending.pop())
        active = [m for m in active if m[1] > lo]
        covering = [m for m in active if hi <= m[1]]
        piece = escape(text[lo:hi])
        if not covering:
            out.append(piece)
            continue
        worst = max(covering, key=lambda m: rank[m[2]])[2]
        title = escape("; ".join(sorted({m[3] for m in covering})), quote=True)
        out.append(f'<mark class="o-{worst}" data-outcome="{worst}" title="{title}">{piece}</mark>')
    return "".join(out)


def _headline(report: Mapping[str, Any]) -> str:
    rows = ["<tr><th>metric</th><th>P</th><th>R</th><th>F1/acc</th><th>95% CI</th></tr>"]
    for metric in METRICS:
        entry = report["metrics"][metric.key]
        value = main_value(metric)
        ci = entry.get(f"{value}_ci95")
        rows.append(
            f"<tr><td>{escape(metric.key)}{' *' if metric.headline else ''}</td><td>{_num(entry.get('precision'))}</td>"
            f"<td>{_num(entry.get('recall'))}</td><td>{_num(entry[value])}</td>"
            f"<td>{'n/a' if ci is None else f'[{ci[0]:.3f}, {ci[1]:.3f}]'}</td></tr>"
        )
    return f'<table id="headline">{"".join(rows)}</table>'


def _sweep(report: Mapping[str, Any]) -> str:
    sweep = report.get("sweep")
    if not sweep:
        return '<p id="sweep">No prediction carries a <code>confidence</code>: no threshold sweep.</p>'
    keys = [m.key for m in METRICS if m.headline]
    head = "<tr><th>threshold</th>" + "".join(f"<th>{escape(k)} P / R / F1</th>" for k in keys) + "</tr>"
    rows = [head]
    for point in sweep["points"]:
        cells = "".join(
            f"<td>{_num(point['metrics'][k].get('precision'))} / {_num(point['metrics'][k].get('recall'))} / "
            f"{_num(point['metrics'][k].get('f1'))}</td>"
            for k in keys
        )
        rows.append(f"<tr><td>{point['threshold']:.2f}</td>{cells}</tr>")
    return f'<table id="sweep">{"".join(rows)}</table>'


def _document(document_id: str, text: str, outcomes: list[Mapping[str, Any]], scores: Mapping[str, Any]) -> str:
    sides: dict[str, list[tuple[int, int, str, str]]] = {"gold": [], "pred": []}
    for entry in outcomes:
        if entry["layer"] not in DRAWN:
            continue
        for side in ("gold", "pred"):
            for start, end in _extents(entry[side]):
                if 0 <= start < end <= len(text):
                    sides[side].append((start, end, entry["outcome"], f"{entry['layer']}: {entry['outcome']}"))
    headline = ", ".join(
        f"{escape(m.key)} {_num(scores.get(m.key, {}).get(main_value(m)))}" for m in METRICS if m.headline
    )
    problems = [e for e in outcomes if e["outcome"] != "matched"]

    def brief(side: Mapping[str, Any] | None) -> str:
        if side is None:
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
        f'<tr class="o-{e["outcome"]}"><td>{escape(e["layer"])}</td><td>{escape(e["outcome"])}</td>'
        f"<td>{brief(e['gold'])}</td><td>{brief(e['pred'])}</td></tr>"
        for e in problems
    )
    return (
        f'<section class="document" id="doc-{escape(document_id, quote=True)}"><h2>{escape(document_id)}</h2>'
        f"<p>{headline}</p>"
        '<div class="cols"><div><h3>gold</h3>'
        f'<div class="text gold">{_marked(text, sides["gold"])}</div></div>'
        f'<div><h3>predicted</h3><div class="text pred">{_marked(text, sides["pred"])}</div></div></div>'
        '<h3>Not matched</h3><table class="outcomes"><tr><th>layer</th><th>outcome</th><th>gold</th>'
        f"<th>predicted</th></tr>{listing}</table></section>"
    )


def render_report_html(report: Mapping[str, Any], text_of: Callable[[str], str | None]) -> str:
    """The page for a bench ``report``; ``text_of`` gives a document's text by id (``None``: not shown)."""
    preds, gold = report["predictions"], report["gold"]
    by_document: dict[str, list[Mapping[str, Any]]] = {}
    for entry in report.get("outcomes") or []:
        by_document.setdefault(entry["document_id"], []).append(entry)
    sections = []
    for scored in report.get("per_document") or []:
        text = text_of(scored["document_id"])
        if text is not None:
            sections.append(
                _document(scored["document_id"], text, by_document.get(scored["document_id"], []), scored["scores"])
            )
    legend = "".join(f'<span class="o-{k}">{escape(k)}</span>' for k in COLOURS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>bench: {escape(str(preds['path']))}</title><style>{STYLE}</style></head><body>"
        f"<h1>bench: {escape(str(preds['path']))}</h1>"
        f"<p>gold: {escape(str(gold['path']))} ({gold['documents']} document(s)); predictions: "
        f"{preds['documents']} document(s), {preds['warnings']} warning(s); matcher: "
        f"{escape(report['settings']['matcher'])}</p>"
        f"<h2>Scores</h2>{_headline(report)}<h2>Confidence sweep</h2>{_sweep(report)}"
        f'<p class="legend">{legend}</p>{"".join(sections)}</body></html>\n'
    )
