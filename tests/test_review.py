"""Review tools: stats, the agreement record, and the HTML page (parsed, and in a real headless browser)."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from communique import load_annotations
from communique.annotate.stats import compute_stats, format_stats
from communique.bench.outcomes import OUTCOMES
from communique.cli.main import main
from communique.compare.agreement import format_agreement
from communique.formats.html import COLOURS, annotation_units, marked_outcomes, render_html, sweep
from communique.review.report import compare_sets, format_report
from communique.schema.models import StanceKind, labels

from .conftest import CORPUS, DOC_ID, GOLD, ROOT, headless_chrome, needs_browser

PASSES = ROOT / "annotations" / "passes"


def test_stats_count_every_item(gold, capsys):
    stats = compute_stats([gold, gold])
    total = stats["total"]
    assert total["mentions"]["total"] == 2 * sum(len(o.mentions) for o in gold.officials)
    assert total["attributions"]["direct"] == 2 * sum(a.kind == "direct" for a in gold.attributions)
    assert total["attributions.speech_act"]["total"] == 2 * len(gold.attributions)
    assert total["meetings.mode"]["total"] == 2 * len(gold.meetings)
    for layer, counts in total.items():
        assert counts["total"] == sum(v for k, v in counts.items() if k != "total"), layer
    assert main(["stats", str(GOLD), "--corpus", str(CORPUS), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["documents"][DOC_ID]["commitments"]["total"] == len(gold.commitments)


def test_adjudication_record_matches_the_code():
    """ADJUDICATION.md's micro table and each document's log agree with what `agree` computes from the passes."""
    passes_a = {d.document_id: d for d in load_annotations(PASSES / "a", CORPUS)}
    passes_b = {d.document_id: d for d in load_annotations(PASSES / "b", CORPUS)}
    golds = {d.document_id: d for d in load_annotations(GOLD, CORPUS)}
    assert passes_a.keys() == passes_b.keys() == golds.keys() and DOC_ID in golds
    record = (ROOT / "annotations" / "ADJUDICATION.md").read_text(encoding="utf-8")
    report = compare_sets(list(passes_a.values()), list(passes_b.values()))
    micro = format_report(report, "markdown").split(f"## micro over {len(golds)} documents\n\n")[1]
    assert micro.split("\n\n")[0] in record  # the table, as `agree --format markdown` prints it
    for doc_id, result in report.documents.items():
        log = (ROOT / "annotations" / "adjudication" / f"{doc_id}.md").read_text(encoding="utf-8")
        assert format_agreement(result, "markdown") in log, doc_id
        # the record's row of the document gives as many differences as `agree` finds
        row = re.search(rf"^\| {re.escape(doc_id)} \|.*\| (\d+) \| \d+ \|$", record, re.M)
        assert row and int(row[1]) == len(result.differences), doc_id
        # every difference has a decision row naming its layer (the log's rows start "| D")
        rows = [line for line in log.splitlines() if line.startswith("| D")]
        assert rows and all(any(d.layer in row for row in rows) for d in result.differences), doc_id
        gold = golds[doc_id]
        assert gold.guidelines_version == "2.1" and "review: draft" not in (GOLD / f"{doc_id}.yaml").read_text(
            encoding="utf-8"
        )


def test_agree_cli(capsys):
    assert main(["agree", str(PASSES / "a"), str(PASSES / "b"), "--corpus", str(CORPUS), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["report_version"] == 3 and result["only_a"] == [] and result["only_b"] == []
    documents = sorted(p.stem for p in GOLD.glob("*.yaml"))
    assert result["micro"]["documents"] == len(result["documents"]) == len(documents) > 1
    layers = result["micro"]["layers"]
    # the micro counts are the sums of the documents' counts, and those ADJUDICATION.md records
    record = (ROOT / "annotations" / "ADJUDICATION.md").read_text(encoding="utf-8")
    for layer, measure in (("mentions", "strict"), ("attributions", "strict"), ("attributions", "overlap")):
        figure = layers[layer][measure]
        for count in ("a", "b", "matched"):
            assert figure[count] == sum(d["layers"][layer][measure][count] for d in result["documents"].values())
        assert f"| {layer} | {measure} span F1 | {figure['a']} | {figure['b']} | {figure['matched']} |" in record
    assert 0 < layers["attributions"]["strict"]["f1"] < layers["attributions"]["overlap"]["f1"] <= 1.0


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[str]] = []
        self.text: dict[str, str] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "link", "img") and (attrs.get("src") or attrs.get("href")):
            self.external.append(tag)
        if tag == "span":
            self.stack.append((attrs.get("data-ann") or "").split())

    def handle_endtag(self, tag):
        if tag == "span":
            self.stack.pop()

    def handle_data(self, data):
        for ids in self.stack:
            for unit in ids:
                self.text[unit] = self.text.get(unit, "") + data


def _expected(units) -> dict[str, str]:
    return {u.id: "".join(s.text for s in sorted(u.spans, key=lambda s: s.start)) for u in units}


def test_rendered_page_holds_every_annotation_and_nothing_external(gold, corpus_doc):
    page = render_html(gold, corpus_doc)
    parser = _Collect()
    parser.feed(page)
    expected = _expected(annotation_units(gold))
    assert len(expected) == sum(len(o.mentions) for o in gold.officials) + len(gold.meetings) + sum(
        bool(m.location) + bool(m.time) for m in gold.meetings
    ) + sum(1 + bool(a.cues) + bool(a.source_span) for a in gold.attributions) + sum(
        2 + bool(c.modality) + bool(c.time) + bool(c.condition) for c in gold.commitments
    ) + sum(2 + bool(s.modality) + bool(s.time) for s in gold.stances)
    assert parser.text == expected
    assert parser.external == [] and "http://" not in page and "https://" not in page


V2 = ROOT / "tests" / "fixtures" / "v2"


def test_stats_and_page_cover_the_v2_layers():
    """Sources, the three kinds of attribution source, meeting modes, joint actors and modality types."""
    (doc,) = load_annotations(V2 / "gold", V2 / "corpus")
    counts = compute_stats([doc])["total"]
    assert counts["sources"]["total"] == len(doc.sources) > 0
    assert counts["attributions.source"] == {
        "total": len(doc.attributions),
        **{t: sum(a.source.type == t for a in doc.attributions) for t in ("official", "source", "unresolved")},
    }
    assert counts["meetings.mode"]["telephone"] == sum(m.mode == "telephone" for m in doc.meetings) > 0
    assert counts["commitments.modality_type"]["deontic"] == sum(c.modality_type == "deontic" for c in doc.commitments)
    assert counts["stances.modality_type"]["epistemic"] == sum(s.modality_type == "epistemic" for s in doc.stances) > 0
    assert counts["stances"] == {
        "total": len(doc.stances),
        **{kind: sum(s.kind == kind for s in doc.stances) for kind in labels(StanceKind)},
    }
    assert counts["commitments.condition"] == {"total": 1, "stated": 1}
    assert "attributions.speech_act" in format_stats(compute_stats([doc]))
    from communique import load_corpus_document

    corpus = load_corpus_document(V2 / "corpus" / f"{doc.document_id}.json")
    page = render_html(doc, corpus)
    parser = _Collect()
    parser.feed(page)
    expected = _expected(annotation_units(doc))
    assert parser.text == expected
    assert {f"source:{s.id}:0" for s in doc.sources} <= expected.keys()
    assert "unresolved (unnamed)" in page and "source s1" in page  # who each attribution is attributed to
    assert {"commitment:c1", "condition:c1", "stance:st5", "content:st6"} <= expected.keys()
    assert expected["condition:c1"] == "if Brazil asked for them" and "<h2>Stances (6)</h2>" in page


def test_render_cli_writes_the_page(tmp_path: Path, capsys):
    out = tmp_path / "review.html"
    assert main(["render", DOC_ID, "--out", str(out), "--gold", str(GOLD), "--corpus", str(CORPUS)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["render", "no-such-doc", "--out", str(out), "--gold", str(GOLD), "--corpus", str(CORPUS)]) == 2
    capsys.readouterr()


@needs_browser
def test_page_in_a_real_browser_shows_every_annotation(gold, corpus_doc, tmp_path: Path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "review.html"
    page.write_text(render_html(gold, corpus_doc), encoding="utf-8")
    driver = headless_chrome(tmp_path / "profile")
    try:
        driver.get(page.as_uri())
        assert driver.title.startswith(DOC_ID)
        # every unit: its pieces are laid out (non-zero size) and read back as exactly its text
        found = driver.execute_script("""
            const out = {};
            for (const el of document.querySelectorAll('[data-ann]')) {
              const r = el.getBoundingClientRect();
              for (const id of el.dataset.ann.split(' ')) {
                out[id] = out[id] || {text: '', visible: true};
                out[id].text += el.textContent;
                out[id].visible = out[id].visible && r.width > 0 && r.height > 0;
              }
            }
            return out;""")
        expected = _expected(annotation_units(gold))
        assert {k: v["text"] for k, v in found.items()} == expected
        assert all(v["visible"] for v in found.values())
        assert len(driver.find_elements(By.CSS_SELECTOR, "aside li[id^='official-']")) == len(gold.officials)
        shot = tmp_path / "review.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    finally:
        driver.quit()


# -------------------------------------------------------------------- the one renderer's way of drawing


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 40), st.integers(-3, 40), st.sampled_from("abc")), max_size=12))
def test_sweep_gives_each_piece_exactly_the_intervals_covering_it(intervals):
    """Every page (review, predictions, bench outcomes) cuts the text with :func:`sweep`: each piece between
    cut points carries, counted, the intervals that cover it; empty and reversed intervals cut but cover none."""
    length = 30
    pieces = [(lo, hi, dict(covering)) for lo, hi, covering in sweep(length, intervals)]
    cuts = sorted({0, length, *(s for s, _, _ in intervals), *(e for _, e, _ in intervals)})
    assert [(lo, hi) for lo, hi, _ in pieces] == list(itertools.pairwise(cuts))
    for lo, _, covering in pieces:
        expected = Counter(key for s, e, key in intervals if s <= lo < e)
        assert covering == dict(expected)


def test_bench_outcomes_have_colours_from_best_to_worst():
    """Where outcomes overlap the worst is drawn; the renderer ranks them in the bench's order."""
    assert tuple(COLOURS) == OUTCOMES
    page = marked_outcomes("ab", [(0, 2, "matched", "mentions: matched"), (1, 2, "missed", "mentions: missed")])
    assert page == (
        '<mark class="o-matched" data-outcome="matched" title="mentions: matched">a</mark>'
        '<mark class="o-missed" data-outcome="missed" title="mentions: matched; mentions: missed">b</mark>'
    )
