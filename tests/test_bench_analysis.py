"""Span references, whole-token anchoring, confidence, outcomes, the HTML page and comparison warnings,
on a small text written for these tests (not the seed)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.annotate.locate import MAX_ECHO, NormalisedText, normalise
from communique.bench import parse_predictions, score
from communique.bench.randomisation import MIN_UNITS, comparison_warnings
from communique.bench.scoring import compare
from communique.cli.main import main
from communique.corpus.build import sha256_text
from communique.io.parallel import Workers
from communique.schema.errors import Severity
from communique.schema.models import AnnotatedDocument

from .conftest import headless_chrome, needs_browser, write_corpus_document

DOC = "oslo-talks"
TEXT = (
    "Minister Rahimi met the envoy in Oslo on Monday.\n\n"
    "He said the countries’ ties were strong. “We will build a bridge,” he said.\n\n"
    "The envoy thanked the minister.\n"
)


def _at(text: str, occurrence: int = 1) -> dict[str, Any]:
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(text, start + 1)
    return {"start": start, "end": start + len(text), "text": text}


GOLD_DATA: dict[str, Any] = {
    "schema_version": "2.1",
    "document_id": DOC,
    "text_sha256": sha256_text(TEXT),
    "guidelines_version": "1.1",
    "annotators": ["test"],
    "officials": [
        {
            "id": "rahimi",
            "name": "Rahimi",
            "title": "Minister",
            "rank": None,
            "country": None,
            "organisation": None,
            "participation": "mentioned",
            "mentions": [
                {**_at("Minister Rahimi"), "form": "name"},
                {**_at("He"), "form": "pronoun"},
                {**_at("he", 3), "form": "pronoun"},  # after the "he" in two "the"s
            ],
        },
        {
            "id": "envoy",
            "name": None,
            "title": "envoy",
            "rank": None,
            "country": None,
            "organisation": None,
            "participation": "mentioned",
            "mentions": [{**_at("the envoy"), "form": "nominal"}, {**_at("The envoy"), "form": "nominal"}],
        },
    ],
    "attributions": [
        {
            "id": "q1",
            "source": {"type": "official", "official_id": "rahimi"},
            "cues": [_at("said")],
            "contents": [_at("the countries’ ties were strong")],
            "kind": "indirect",  # "countries’": an apostrophe, not a quotation mark
            "speech_act": "assertive",
        },
        {
            "id": "q2",
            "source": {"type": "official", "official_id": "rahimi"},
            "cues": [_at("said", 2)],
            "contents": [_at("We will build a bridge,")],
            "kind": "direct",
            "speech_act": "commissive",
        },
    ],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, AnnotatedDocument]:
    """A corpus of one document made from TEXT, and its gold as a file and as a model."""
    root = tmp_path_factory.mktemp("analysis")
    write_corpus_document(root / "corpus", DOC, TEXT)
    (root / "gold").mkdir()
    (root / "gold" / f"{DOC}.json").write_text(json.dumps(GOLD_DATA, ensure_ascii=False), encoding="utf-8")
    return root / "corpus", root / "gold", AnnotatedDocument.model_validate(GOLD_DATA)


def _score(world: Any, line: dict[str, Any], **options: Any) -> Any:
    corpus, _, gold = world
    return score([gold], [{"document_id": DOC, **line}], corpus=corpus, samples=20, **options)


def _bridge_quote(speaker: dict[str, Any]) -> dict[str, Any]:
    return {"contents": [{"text": "We will build a bridge,"}], "kind": "direct", **speaker}


# ------------------------------------------------------------------------------- span references


def test_pronoun_speaker_span_resolves_through_the_gold_mentions(world):
    result = _score(world, {"attributions": [_bridge_quote({"speaker_span": {"text": "he"}})]})
    assert result.issues == []
    attributed = result.report["metrics"]["attributions.attributed"]
    assert (attributed["tp"], attributed["fp"], attributed["fn"]) == (1, 0, 1)
    (found,) = [o for o in result.report["outcomes"] if o["layer"] == "attributions" and o["pred"]]
    assert found["outcome"] == "matched" and found["pred"]["speaker_gold"] == "rahimi"


def test_speaker_span_on_another_official_is_a_wrong_speaker(world):
    result = _score(world, {"attributions": [_bridge_quote({"speaker_span": {"text": "the envoy"}})]})
    assert result.report["metrics"]["attributions.attributed"]["tp"] == 0
    assert result.report["metrics"]["attributions.identification"]["tp"] == 1
    (found,) = [o for o in result.report["outcomes"] if o["layer"] == "attributions" and o["pred"]]
    assert found["outcome"] == "wrong_source" and found["pred"]["speaker_gold"] == "envoy"


def test_speaker_span_held_only_by_a_predicted_official_resolves_through_it(world):
    line = {
        "officials": [{"id": "r", "mentions": [{"text": "Minister Rahimi"}, {"text": "Monday"}]}],
        "attributions": [_bridge_quote({"speaker_span": {"text": "Monday"}})],
    }
    result = _score(world, line)
    assert result.issues == [] and result.report["metrics"]["attributions.attributed"]["tp"] == 1


def test_speaker_span_overlapping_no_official_is_a_located_warning(world):
    result = _score(world, {"attributions": [_bridge_quote({"speaker_span": {"text": "Oslo"}})]})
    (warning,) = result.issues
    assert (warning.code, warning.path, warning.line) == (
        "prediction-span-unresolved",
        "$.attributions[0].speaker_span",
        1,
    )
    assert warning.severity is Severity.WARNING and result.report["metrics"]["attributions.attributed"]["tp"] == 0


def test_a_reference_given_two_ways_is_an_error(world):
    corpus, _, _ = world
    line = {
        "document_id": DOC,
        "attributions": [_bridge_quote({"speaker_name": "Rahimi", "speaker_span": {"text": "he"}})],
    }
    (error,) = parse_predictions([line], corpus).errors
    assert (error.code, error.path) == ("prediction-double-reference", "$.attributions[0].speaker_span")


# --------------------------------------------------------------------------------------- anchoring


def test_text_only_spans_match_whole_tokens_only():
    found = NormalisedText.of(TEXT).find("he")
    assert found == [(TEXT.index("he said."), TEXT.index("he said.") + 2)]  # not the "he" in "the" or "The"
    assert TEXT.count("he") == 5


@given(
    st.text(alphabet="ab ’'-–\n", max_size=40),
    st.text(alphabet="ab’'-", min_size=1, max_size=4),
)
def test_every_match_is_a_whole_token_of_the_normalised_text(text: str, needle: str):
    doc = NormalisedText.of(text)
    for start, end in doc.find(needle):
        assert normalise(text[start:end]).strip() == normalise(needle).strip()
        if needle[0].isalnum():
            assert start == 0 or not text[start - 1].isalnum()
        if needle[-1].isalnum():
            assert end == len(text) or not text[end].isalnum()


def test_straight_apostrophes_find_curly_ones_and_offsets_are_the_originals(world):
    corpus, _, _ = world
    line = {"document_id": DOC, "attributions": [{"contents": [{"text": "the countries' ties   were strong"}]}]}
    predictions = parse_predictions([line], corpus)
    assert predictions.issues == []
    (quote,) = predictions.documents[DOC].attributions
    (content,) = quote.contents
    assert (content.start, content.end) == (_at("the countries’ ties")["start"], _at("were strong")["end"])
    assert content.text == "the countries’ ties were strong"


def test_text_that_does_not_occur_gets_the_closest_text_as_hint_and_is_bounded(world):
    corpus, _, _ = world
    line = {"document_id": DOC, "attributions": [{"contents": [{"text": "the countrys ties were strong"}]}]}
    (warning,) = parse_predictions([line], corpus).issues
    assert warning.code == "prediction-span-not-found"
    assert "'the countries’ ties were strong'" in (warning.hint or "")
    huge = {"document_id": DOC, "attributions": [{"contents": [{"text": "x" * 100_000}]}]}
    (warning,) = parse_predictions([huge], corpus).issues
    assert len(warning.message) < 4 * MAX_ECHO and len(warning.hint or "") < 4 * MAX_ECHO


def test_an_ambiguous_mention_is_placed_by_its_officials_other_mentions(world):
    corpus, _, _ = world
    line = {"document_id": DOC, "officials": [{"mentions": [{"text": "the minister"}, {"text": "envoy"}]}]}
    predictions = parse_predictions([line], corpus)
    assert predictions.issues == []
    assert predictions.anchoring == {"text": 1, "context": 1}
    starts = sorted(m.extent.start for m in predictions.documents[DOC].mentions)
    assert starts == [TEXT.rindex("envoy"), TEXT.index("the minister")]  # the "envoy" nearest "the minister"


# ------------------------------------------------------------------------------- confidence and meta


def test_meta_is_allowed_everywhere_and_other_unknown_fields_are_not(world):
    corpus, _, _ = world
    line = {
        "document_id": DOC,
        "meta": {"model": "m", "prompt": ["p"]},
        "officials": [{"name": "Rahimi", "meta": {"raw": 1}, "mentions": [{"text": "Oslo", "meta": {}}]}],
        "attributions": [{**_bridge_quote({"speaker_name": "Rahimi"}), "meta": {"logprob": -0.2}}],
    }
    assert parse_predictions([line], corpus).issues == []
    (error,) = parse_predictions([{**line, "score": 0.5}], corpus).errors
    assert (error.code, error.path) == ("unknown-field", "$.score")
    bad = {"document_id": DOC, "attributions": [{**_bridge_quote({}), "confidence": 1.5}]}
    assert [e.path for e in parse_predictions([bad], corpus).errors] == ["$.attributions[0].confidence"]


MENTIONS = [("Minister Rahimi", "name"), ("He", "pronoun"), ("Oslo", "name"), ("Monday", "name"), ("envoy", "nominal")]


def _mention_line(confidences: list[float]) -> dict[str, Any]:
    return {
        "officials": [
            {"mentions": [{"text": t, "form": f, "confidence": c}]} for (t, f), c in zip(MENTIONS, confidences)
        ],
        "attributions": [{**_bridge_quote({"speaker_span": {"text": "he"}}), "confidence": confidences[0]}],
    }


def test_min_confidence_drops_the_items_below_it(world):
    everything = _score(world, _mention_line([0.9, 0.2, 0.8, 0.1, 0.5]))
    assert everything.report["metrics"]["mentions.exact"]["actual"] == 5
    kept = _score(world, _mention_line([0.9, 0.2, 0.8, 0.1, 0.5]), min_confidence=0.5)
    assert kept.report["metrics"]["mentions.exact"]["actual"] == 3  # Minister Rahimi, Oslo, envoy
    assert kept.report["settings"]["min_confidence"] == 0.5
    assert kept.report["sweep"]["points"][0]["threshold"] == 0.5
    assert _score(world, {"attributions": [_bridge_quote({})]}).report["sweep"] is None  # no confidence anywhere


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=5, max_size=5))
def test_recall_never_rises_as_the_threshold_rises(world, confidences: list[float]):
    sweep = _score(world, _mention_line(confidences)).report["sweep"]
    thresholds = [p["threshold"] for p in sweep["points"]]
    assert thresholds == sorted(thresholds) and thresholds[0] == 0.0 and thresholds[-1] == 1.0
    for key in ("mentions.strict", "mentions.exact", "attributions.attributed"):
        recalls = [p["metrics"][key]["recall"] for p in sweep["points"]]
        assert all(a >= b for a, b in pairwise(recalls)), (key, recalls)
    at_zero = sweep["points"][0]["metrics"]["mentions.exact"]
    plain = _score(world, _mention_line(confidences)).report["metrics"]["mentions.exact"]
    assert (at_zero["precision"], at_zero["recall"]) == (plain["precision"], plain["recall"])


# ------------------------------------------------------------------------------------------ outcomes


def test_outcomes_list_every_gold_item_and_prediction(world):
    line = {
        "officials": [
            {"id": "r", "name": "Rahimi", "mentions": [{"text": "Minister Rahimi", "form": "nominal"}]},
            {"id": "o", "mentions": [{"text": "Oslo", "form": "name"}]},
        ],
        "attributions": [_bridge_quote({"speaker_id": "r"})],
    }
    report = _score(world, line).report
    outcomes = report["outcomes"]
    by = {(o["layer"], o["outcome"]) for o in outcomes}
    assert ("mentions", "wrong_kind") in by and ("mentions", "spurious") in by and ("mentions", "missed") in by
    assert ("attributions", "matched") in by and ("attributions", "missed") in by
    mentions = [o for o in outcomes if o["layer"] == "mentions"]
    gold_mentions = sum(len(o["mentions"]) for o in GOLD_DATA["officials"])
    assert sum(o["gold"] is not None for o in mentions) == gold_mentions
    assert sum(o["pred"] is not None for o in mentions) == 2
    (spurious,) = [o for o in mentions if o["outcome"] == "spurious"]
    assert spurious["pred"] == {**_at("Oslo"), "form": "name", "official": "id:o"}
    (missed_quote,) = [o for o in outcomes if o["layer"] == "attributions" and o["outcome"] == "missed"]
    assert missed_quote["gold"]["contents"] == [_at("the countries’ ties were strong")]
    assert all(o["document_id"] == DOC and o["unit"].startswith(DOC) for o in outcomes)
    (document,) = report["per_document"]
    assert document["document_id"] == DOC
    assert document["scores"]["attributions.attributed"]["f1"] == report["metrics"]["attributions.attributed"]["f1"]
    assert document["sections"] and all(unit.startswith(DOC) for unit in document["sections"])
    corpus, _, gold = world
    summary = score([gold], [{"document_id": DOC, **line}], corpus=corpus, samples=20, details=False).report
    assert summary["outcomes"] is None and summary["per_document"] is None
    assert summary["metrics"] == report["metrics"]


# ------------------------------------------------------------------------------------------ compare


def test_compare_adds_randomisation_and_warns_about_few_units(world, tmp_path: Path, capsys):
    corpus, gold_dir, gold = world
    good = [{"document_id": DOC, "attributions": [_bridge_quote({"speaker_span": {"text": "he"}})]}]
    bad = [{"document_id": DOC, "attributions": [_bridge_quote({"speaker_span": {"text": "the envoy"}})]}]
    comparison = compare([gold], bad, good, corpus=corpus, samples=50).report
    units = comparison["settings"]["bootstrap"]["units"]
    assert units < MIN_UNITS and comparison["cautions"] == comparison_warnings(units) != []
    p = comparison["metrics"]["attributions.attributed"]["p_value_randomisation"]
    assert 0 < p <= 1
    files = []
    for name, lines in (("a", bad), ("b", good)):
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    code = main(
        ["bench", "--compare", *map(str, files), "--gold", str(gold_dir), "--corpus", str(corpus), "--samples", "20"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "p (AR)" in out and f"only {units} resampling unit(s)" in err
    assert comparison_warnings(MIN_UNITS) == []


# ------------------------------------------------------------------------------------- the HTML page


def _html(world: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    corpus, gold_dir, _ = world
    pred = tmp_path / "p.jsonl"
    line = {
        "document_id": DOC,
        "officials": [
            {"name": "Rahimi", "mentions": [{"text": "Minister Rahimi", "form": "name", "confidence": 0.9}]},
            {"mentions": [{"text": "Oslo", "form": "name", "confidence": 0.3}]},
        ],
        "attributions": [_bridge_quote({"speaker_span": {"text": "he"}})],
    }
    pred.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    page = tmp_path / "report.html"
    args = ["bench", "--predictions", str(pred), "--gold", str(gold_dir), "--corpus", str(corpus), "--samples", "20"]
    assert main([*args, "--format", "html", "--out", str(page)]) == 0
    assert capsys.readouterr().out == ""
    return page


def test_html_page_is_self_contained(world, tmp_path: Path, capsys):
    html = _html(world, tmp_path, capsys).read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert 'data-outcome="missed"' in html and 'data-outcome="spurious"' in html and 'id="sweep"' in html
    corpus, gold_dir, _ = world
    pred = str(tmp_path / "p.jsonl")
    args = ["bench", "--compare", pred, pred, "--format", "html", "--gold", str(gold_dir), "--corpus", str(corpus)]
    assert main(args) == 2 and "--format html is for --predictions" in capsys.readouterr().err


def test_html_page_is_drawn_from_the_json_report_alone(world, tmp_path: Path, capsys):
    """The renderer (formats/html.py) reads the documented outputs, nothing of the bench: a report saved with
    ``--format json`` and its ``--outcomes`` file draw the very page ``--format html`` writes."""
    from communique.corpus.store import CorpusStore
    from communique.formats.html import render_report_html

    page = _html(world, tmp_path, capsys).read_text(encoding="utf-8")
    corpus, gold_dir, _ = world
    args = ["bench", "--predictions", str(tmp_path / "p.jsonl"), "--gold", str(gold_dir), "--corpus", str(corpus)]
    outcomes = tmp_path / "outcomes.jsonl"
    assert main([*args, "--samples", "20", "--format", "json", "--outcomes", str(outcomes)]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["outcomes"] == {"path": str(outcomes), "items": len(outcomes.read_text().splitlines())}
    assert saved["per_document"]  # the per-document scores the page draws are in the JSON
    saved["outcomes"] = [json.loads(line) for line in outcomes.read_text(encoding="utf-8").splitlines()]
    store = CorpusStore(corpus)
    assert render_report_html(saved, lambda doc_id: t.text if (t := store.text(doc_id)) else None) == page
    assert render_report_html(saved, lambda doc_id: None).count('class="document"') == 0


@needs_browser
def test_html_page_in_a_real_browser_shows_both_sides_coloured_by_outcome(world, tmp_path: Path, capsys):
    from selenium.webdriver.common.by import By

    page = _html(world, tmp_path, capsys)
    driver = headless_chrome(tmp_path / "profile")
    try:
        driver.get(page.as_uri())
        assert driver.title.startswith("bench:")
        gold_side = driver.find_element(By.CSS_SELECTOR, ".text.gold")
        pred_side = driver.find_element(By.CSS_SELECTOR, ".text.pred")
        assert gold_side.text.strip() == pred_side.text.strip() == TEXT.strip()  # the whole text, twice
        missed = [m.text for m in gold_side.find_elements(By.CSS_SELECTOR, "mark[data-outcome=missed]")]
        assert "the countries’ ties were strong" in missed and "The envoy" in missed
        spurious = pred_side.find_elements(By.CSS_SELECTOR, "mark[data-outcome=spurious]")
        assert [m.text for m in spurious] == ["Oslo"]
        matched = pred_side.find_elements(By.CSS_SELECTOR, "mark[data-outcome=matched]")
        assert "Minister Rahimi" in [m.text for m in matched]
        colour = matched[0].value_of_css_property("background-color")
        assert colour != spurious[0].value_of_css_property("background-color")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        headline = driver.find_element(By.ID, "headline").text
        assert "attributions.attributed *" in headline
        sweep_rows = driver.find_elements(By.CSS_SELECTOR, "#sweep tr")
        assert len(sweep_rows) == 1 + 21  # header + thresholds 0, 0.05, ..., 1
    finally:
        driver.quit()


# ------------------------------------------------------------------------------------- duplicate lines


def test_identical_duplicate_lines_are_reported_once_each_without_repeating_their_warnings(world, tmp_path: Path):
    from communique.bench import read_predictions
    from communique.bench.predictions import PredictionStream
    from communique.corpus.store import CorpusStore

    corpus, _, _ = world
    line = json.dumps({"document_id": DOC, "attributions": [{"contents": [{"text": "no such words"}]}]})
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join([line] * 4) + "\n", encoding="utf-8")
    stream = PredictionStream(path, CorpusStore(corpus))
    stream.read(DOC)  # the first line is validated (and warned about) when its document is scored
    for found in (read_predictions(path, corpus).issues, stream.summary.issues):
        duplicates = [i for i in found if i.code == "prediction-duplicate-document"]
        assert [(i.line, i.column, i.hint) for i in duplicates] == [
            (n, line.index(f'"{DOC}"') + 1, "first on line 1") for n in (2, 3, 4)
        ]
        assert [i.line for i in found if i.code == "prediction-span-not-found"] == [1]


def test_parallel_scoring_gives_the_same_details_and_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from communique.bench import scoring
    from communique.synth.generate import synthesise

    list(synthesise(tmp_path, 3, seed=7))
    lines = [json.loads(x) for x in (tmp_path / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    for n, line in enumerate(lines):  # confidences that differ by item, so the sweep has something to drop
        for i, quote in enumerate(line.get("attributions", [])):
            quote["confidence"] = round(((n * 7 + i * 3) % 10) / 10, 1)
    path = tmp_path / "confident.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(scoring, "CHUNK_FILES", 1)
    args: dict[str, Any] = {"corpus": tmp_path / "corpus", "samples": 20, "min_confidence": 0.2}
    serial = scoring.score(tmp_path / "annotations", path, **args).report
    parallel = scoring.score(tmp_path / "annotations", path, workers=Workers(2), **args).report
    assert serial["sweep"] is not None and serial["sweep"]["thresholds"][0] == 0.2
    assert len(serial["per_document"]) == 3 and serial["outcomes"]
    assert parallel == serial
