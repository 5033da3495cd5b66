"""Review tools: stats, the agreement record, and the HTML page (parsed, and in a real headless browser)."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from communique import load_annotations
from communique.cli.main import main
from communique.review.agreement import compare, format_agreement
from communique.review.render import annotation_units, render_html
from communique.review.stats import compute_stats, format_stats

from .conftest import CORPUS, DOC_ID, GOLD, ROOT, SEED_GOLD

PASSES = ROOT / "annotations" / "passes"


def test_stats_count_every_item(gold, capsys):
    stats = compute_stats([gold, gold])
    total = stats["total"]
    assert total["mentions"]["total"] == 2 * sum(len(o.mentions) for o in gold.officials)
    assert total["quotes"]["direct"] == 2 * sum(q.kind == "direct" for q in gold.quotes)
    for layer, counts in total.items():
        assert counts["total"] == sum(v for k, v in counts.items() if k != "total"), layer
    assert main(["stats", str(GOLD), "--corpus", str(CORPUS), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["documents"][DOC_ID]["commitments"]["total"] == len(gold.commitments)


def test_adjudication_record_matches_the_code():
    a = load_annotations(PASSES / "a", CORPUS)[0]
    b = load_annotations(PASSES / "b", CORPUS)[0]
    record = (ROOT / "annotations" / "ADJUDICATION.md").read_text(encoding="utf-8")
    assert format_agreement(compare(a, b), "markdown") in record
    assert format_stats(compute_stats(load_annotations(SEED_GOLD, CORPUS)), "markdown") in record
    assert f"differ in {len(compare(a, b).differences)} places" in record


def test_agree_cli(capsys):
    assert main(["agree", str(PASSES / "a"), str(PASSES / "b"), "--corpus", str(CORPUS), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == 1 and result["only_a"] == [] and result["only_b"] == []
    assert result["micro"]["documents"] == len(result["documents"]) >= 1
    assert result["micro"]["layers"]["quotes"]["strict"]["f1"] == 1.0


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
    ) + 2 * len(gold.quotes) + sum(2 + bool(c.modality) + bool(c.time) for c in gold.commitments)
    assert parser.text == expected
    assert parser.external == [] and "http://" not in page and "https://" not in page


def test_render_cli_writes_the_page(tmp_path: Path, capsys):
    out = tmp_path / "review.html"
    assert main(["render", DOC_ID, "--out", str(out), "--annotations", str(GOLD), "--corpus", str(CORPUS)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["render", "no-such-doc", "--out", str(out), "--annotations", str(GOLD), "--corpus", str(CORPUS)]) == 2
    capsys.readouterr()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no headless browser: install Debian's chromium and chromium-driver (see README)",
)
def test_page_in_a_real_browser_shows_every_annotation(gold, corpus_doc, tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    page = tmp_path / "review.html"
    page.write_text(render_html(gold, corpus_doc), encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,2000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
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
