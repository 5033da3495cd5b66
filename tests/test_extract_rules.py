"""The rule-based baseline: valid predictions, deterministic output, and the rules it promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique import load_corpus_document
from communique.bench import parse_predictions, score
from communique.cli.main import main
from communique.extract import extract
from communique.schema.models import CorpusDocument, SeedMetadata, Span

from .conftest import CORPUS, DOC_ID, GOLD


@pytest.fixture(scope="module")
def doc() -> CorpusDocument:
    return load_corpus_document(CORPUS / f"{DOC_ID}.json")


@pytest.fixture(scope="module")
def baseline(doc: CorpusDocument) -> dict:
    return extract(doc, "rules")


def test_baseline_output_is_a_valid_prediction_with_offsets(baseline: dict):
    predictions = parse_predictions([baseline], CORPUS)
    assert predictions.issues == []
    assert set(predictions.anchoring) == {"offsets"}  # an offset-based extractor: nothing to anchor by text
    assert baseline["annotators"] == ["communique rules baseline"]


def test_baseline_finds_every_layer(baseline: dict):
    report = score(GOLD, [baseline], corpus=CORPUS, samples=20).report
    for key in (
        "mentions.strict",
        "officials.ceaf_e",
        "quotes.attributed",
        "meetings.identification",
        "commitments.identification",
    ):
        assert report["metrics"][key]["f1"] > 0.5, key
    assert report["predictions"]["warnings"] == 0


def _document(text: str, headings: tuple[str, ...] = ()) -> CorpusDocument:
    """A corpus document for ``text``: paragraphs by blank lines, one sentence per paragraph."""
    paragraphs, start = [], 0
    for block in text.split("\n\n"):
        paragraphs.append(Span(start=start, end=start + len(block), text=block))
        start += len(block) + 2
    meta = SeedMetadata(
        id="t",
        source_file="t.txt",
        source_sha256="0" * 64,
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )
    return CorpusDocument(
        id="t",
        text=text,
        sha256="0" * 64,
        normalisations=[],
        metadata=meta,
        paragraphs=paragraphs,
        headings=[p for p in paragraphs if p.text in headings],
        sections=[],
        sentences=paragraphs,
        tokens=[],
    )


def test_rules_on_a_new_text():
    text = (
        "Iranian Foreign Minister Brigadier General Hossein Karimi met with Major General Ali Rahimi in Tehran "
        "on Monday.\n\nKarimi said, “We will send a delegation to Kabul next month.\n\nThe two sides talked."
        "\n\nRahimi stated that the talks were useful."
    )
    out = extract(_document(text), "rules")
    officials = {o["id"]: o for o in out["officials"]}
    assert officials["karimi"]["name"] == "Hossein Karimi" and officials["karimi"]["country"] == "IRN"
    assert officials["karimi"]["rank"] == "Brigadier General" and officials["karimi"]["title"] == "Foreign Minister"
    assert [m["text"] for m in officials["karimi"]["mentions"]][1] == "Karimi"
    direct, indirect = out["quotes"]
    # the closing mark is missing: the quote runs to the end of its paragraph
    assert direct["contents"][0]["text"] == "We will send a delegation to Kabul next month."
    assert (direct["speaker_id"], direct["cues"][0]["text"], direct["kind"]) == ("karimi", "said", "direct")
    assert (indirect["speaker_id"], indirect["contents"][0]["text"]) == ("rahimi", "the talks were useful")
    (meeting,) = out["meetings"]
    assert [p["official_id"] for p in meeting["participants"]] == ["karimi", "rahimi"]
    assert meeting["time"]["text"] == "Monday"
    (commitment,) = out["commitments"]
    assert (commitment["kind"], commitment["actor_id"]) == ("intention", "karimi")
    assert commitment["modality"]["text"] == "will"
    for span in [*direct["contents"], *meeting["evidence"], commitment["evidence"], commitment["content"]]:
        assert text[span["start"] : span["end"]] == span["text"]  # code-point offsets, half-open


def test_headings_carry_no_quotes_or_commitments():
    text = "“We will always support our friends in the region”\n\nNothing else happened."
    out = extract(_document(text, headings=("“We will always support our friends in the region”",)), "rules")
    assert out["quotes"] == [] and out["commitments"] == []


def test_extract_command_writes_jsonl(tmp_path: Path, capsys, baseline: dict):
    out = tmp_path / "baseline.jsonl"
    assert main(["extract", "--method", "rules", "--corpus", str(CORPUS), "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [baseline]  # deterministic, one line per document
    assert main(["extract", DOC_ID, "--corpus", str(CORPUS)]) == 0
    assert json.loads(capsys.readouterr().out) == baseline


def test_extract_unknown_document_is_a_usage_error(capsys):
    assert main(["extract", "no-such-document", "--corpus", str(CORPUS)]) == 2
    assert "[unknown-document]" in capsys.readouterr().err
