"""A self-contained HTML page for reviewing a document's annotations by eye.

No network: styles and the few lines of script are inline, fonts are the system's. Every annotation is an
*annotation unit* with a stable id (``mention:babar:3``, ``quote:q7``, ``cue:q7`` ...); the text is cut
at every unit boundary and each piece lists the units covering it in ``data-ann``, so overlapping
annotations all stay visible and a test can check that every unit is on the page.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass

from communique.schema.models import (
    AnnotatedDocument,
    Attribution,
    CorpusDocument,
    Official,
    OfficialSource,
    Span,
    UnresolvedSource,
)

PALETTE = ["#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6", "#a0c4ff", "#ffadad"]


@dataclass(frozen=True)
class Unit:
    """One annotation as drawn: a stable id, a CSS class, its spans and a tooltip line."""

    id: str
    css: str
    spans: tuple[Span, ...]
    label: str
    official: str | None = None  # for colouring mentions and quotes by official


def annotation_units(doc: AnnotatedDocument) -> list[Unit]:
    """Every annotation of ``doc`` as a unit, in layer order."""
    names = {o.id: o.name or o.title or o.id for o in doc.officials}
    units: list[Unit] = []
    for o in doc.officials:
        for j, m in enumerate(o.mentions):
            units.append(Unit(f"mention:{o.id}:{j}", "mention", (m,), f"mention of {names[o.id]} ({m.form})", o.id))
    for m in doc.meetings:
        who = ", ".join(f"{names[p.official_id]}{f' ({p.role})' if p.role else ''}" for p in m.participants)
        units.append(Unit(f"meeting:{m.id}", "meeting", tuple(m.evidence), f"meeting {m.id} ({m.status}): {who}"))
        if m.location:
            units.append(Unit(f"location:{m.id}", "place", (m.location,), f"location of meeting {m.id}"))
        if m.time:
            units.append(Unit(f"time:{m.id}", "place", (m.time,), f"time of meeting {m.id}"))
    for q in doc.attributions:
        speaker = _official_of(q)
        said = f"{q.kind} {q.speech_act} attribution {q.id} by {_source_name(q, names)}"
        units.append(Unit(f"quote:{q.id}", f"quote {q.kind}", tuple(q.contents), said, speaker))
        if q.cues:
            units.append(Unit(f"cue:{q.id}", "cue", tuple(q.cues), f"cue of {q.id}", speaker))
    for c in doc.commitments:
        actor = c.actors[0].official_id
        label = f"{c.kind} {c.id} by " + ", ".join(
            names[a.official_id] + (f" for {a.country}" if a.country else "") for a in c.actors
        )
        units.append(Unit(f"commitment:{c.id}", "commitment", (c.evidence,), label, actor))
        units.append(Unit(f"content:{c.id}", "commitment-content", (c.content,), f"content of {c.id}", actor))
        if c.modality:
            units.append(Unit(f"modality:{c.id}", "modality", (c.modality,), f"modality of {c.id}"))
        if c.time:
            units.append(Unit(f"ctime:{c.id}", "place", (c.time,), f"time of {c.id}"))
    return units


CSS = """
body{font:15px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;display:flex;color:#222}
main{flex:3;padding:1.5em 2em;max-width:60em}
aside{flex:2;padding:1em 1.5em;background:#f6f6f6;border-left:1px solid #ddd;height:100vh;overflow:auto;position:sticky;top:0}
#text{white-space:pre-wrap}
.heading{font-weight:700;font-size:1.1em}
.mention{border-radius:3px;padding:0 1px}
.quote{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:3px}
.quote.direct{text-decoration-style:solid}.quote.indirect{text-decoration-style:wavy}.quote.mixed{text-decoration-style:double}
.cue{font-weight:700;color:#6a1b9a}
.meeting{box-shadow:inset 0 -4px 0 rgba(42,157,143,.45)}
.commitment{border-top:2px dashed #e76f51}
.commitment-content{background-image:linear-gradient(rgba(231,111,81,.12),rgba(231,111,81,.12))}
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
    text = corpus.text
    units = annotation_units(doc)
    colours = {o.id: PALETTE[i % len(PALETTE)] for i, o in enumerate(doc.officials)}
    headings = [(h.start, h.end) for h in corpus.headings]
    cuts = {0, len(text)} | {p for u in units for s in u.spans for p in (s.start, s.end)}
    cuts |= {p for h in headings for p in h}
    points = sorted(cuts)
    pieces: list[str] = []
    for start, end in itertools.pairwise(points):
        covering = [u for u in units if any(s.start <= start and end <= s.end for s in u.spans)]
        piece = html.escape(text[start:end])
        classes = sorted({c for u in covering for c in u.css.split()})
        if any(h[0] <= start and end <= h[1] for h in headings):
            classes.append("heading")
        if not classes:
            pieces.append(piece)
            continue
        style = ""
        mention = next((u for u in reversed(covering) if u.css == "mention"), None)
        if mention is not None:
            style = f' style="background:{colours[mention.official]}"'
        quote = next((u for u in covering if u.css.startswith("quote")), None)
        if quote is not None and quote.official is not None:  # a non-official or unresolved source: no colour
            style = (
                style[:-1] + f';text-decoration-color:{_darker(colours[quote.official])}"'
                if style
                else f' style="text-decoration-color:{_darker(colours[quote.official])}"'
            )
        attrs = ""
        if covering:
            title = html.escape("\n".join(u.label for u in covering), quote=True)
            attrs = f' data-ann="{" ".join(u.id for u in covering)}" title="{title}"'
        pieces.append(f'<span class="{" ".join(classes)}"{attrs}{style}>{piece}</span>')
    return _page(doc, corpus, "".join(pieces), colours)


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) // 2 for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def _page(doc: AnnotatedDocument, corpus: CorpusDocument, body: str, colours: dict[str, str]) -> str:
    esc = html.escape
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
        f'<li data-target="meeting:{esc(m.id)}"><b>{esc(m.id)}</b> <small>{m.status}</small>: '
        + ", ".join(who(p.official_id) + (f" <small>({p.role})</small>" if p.role else "") for p in m.participants)
        + (f" · at {esc(m.location.text)}" if m.location else "")
        + (f" · {esc(m.time.text)}" if m.time else "")
        + "</li>"
        for m in doc.meetings
    )
    quotes = "".join(
        f'<li data-target="quote:{esc(q.id)}"><b>{esc(q.id)}</b> <small>{q.kind} {q.speech_act}</small> '
        + (who(o) if (o := _official_of(q)) is not None else esc(_source_name(q, names)))
        + f" <small>{esc(' / '.join(c.text for c in q.cues))}</small>: "
        f"“{esc(_excerpt(' … '.join(c.text for c in q.contents)))}”</li>"
        for q in doc.attributions
    )
    commitments = "".join(
        f'<li data-target="commitment:{esc(c.id)}"><b>{esc(c.id)}</b> <small>{c.kind}</small> '
        + ", ".join(
            who(a.official_id) + (f" <small>for {esc(a.country)}</small>" if a.country else "") for a in c.actors
        )
        + f": {esc(_excerpt(c.content.text))}</li>"
        for c in doc.commitments
    )
    legend = (
        '<p class="legend"><span class="mention" style="background:#caffbf">mention</span>'
        '<span class="quote direct">direct quote</span><span class="quote indirect">indirect quote</span>'
        '<span class="cue">cue</span><span class="meeting">meeting evidence</span>'
        '<span class="place">place / time</span><span class="commitment">commitment</span>'
        '<span class="commitment-content">commitment content</span><span class="modality">modality</span></p>'
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
<h2>Meetings ({len(doc.meetings)})</h2><ul>{meetings}</ul>
<h2>Attributions ({len(doc.attributions)})</h2><ul>{quotes}</ul>
<h2>Commitments ({len(doc.commitments)})</h2><ul>{commitments}</ul></aside>
<script>{SCRIPT}</script></body></html>
"""


def _official_of(attribution: Attribution) -> str | None:
    source = attribution.source
    return source.official_id if isinstance(source, OfficialSource) else None


def _source_name(attribution: Attribution, names: dict[str, str]) -> str:
    source = attribution.source
    if isinstance(source, OfficialSource):
        return names[source.official_id]
    if isinstance(source, UnresolvedSource):
        return f"an unresolved source ({source.reason})"
    return f"source {source.source_id}"


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
    esc = html.escape
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
