"""A new user's whole path on a corpus of their own: init, add, draft, correct, anchor, validate, export (loaded
back with `datasets`), the Label Studio and brat round trips, and bench. Two documents written for this test; the
bundled seed plays no part, and nothing here assumes a one-document corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from communique import load_annotations
from communique.cli.main import main

TEXTS = {
    "oslo-talks": (
        "OSLO -- Norwegian Defence Minister Lars Berg met his Swedish counterpart Anna Holm in Oslo on Monday.\n\n"
        "\u201cWe will hold a joint naval exercise next year,\u201d Berg said.\n\n"
        "Holm said that Sweden was ready to share its training grounds.\n"
    ),
    "nairobi-visit": (
        "NAIROBI -- Kenyan Foreign Minister Grace Wanjiru hosted Finnish Foreign Minister Liisa Koskinen in Nairobi "
        "on Tuesday.\n\n"
        "Koskinen said Finland would open a trade office in Mombasa.\n\n"
        "\u201cOur two countries can do much more together,\u201d Wanjiru said.\n"
    ),
}
METADATA = {
    "oslo-talks": ["--title", "Ministers meet in Oslo", "--publisher", "Nordic Wire", "--licence", "CC-BY-4.0"],
    "nairobi-visit": ["--publisher", "East Africa Desk", "--date", "2024-05-03"],
}


def _accept_drafts(path: Path) -> None:
    """What an annotator does after checking each drafted item: remove its `review: draft` mark."""
    text = path.read_text(encoding="utf-8")
    assert "review: draft" in text
    path.write_text(re.sub(r"\n\s*review: draft[^\n]*", "", text), encoding="utf-8")


@pytest.fixture
def new_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assert main(["init", str(tmp_path / "talks"), "--name", "talks", "--description", "Ministers' talks."]) == 0
    root = tmp_path / "talks"
    monkeypatch.chdir(root / "annotations")  # commands find the project from below, as git does
    for doc_id, text in TEXTS.items():
        source = tmp_path / f"{doc_id}.txt"
        source.write_text(text, encoding="utf-8")
        assert main(["add", str(source), "--id", doc_id, *METADATA[doc_id]]) == 0
    monkeypatch.chdir(root)
    return root


def test_a_new_corpus_from_text_to_dataset_and_scores(new_project: Path, capsys: pytest.CaptureFixture[str]):
    root = new_project
    assert sorted(p.name for p in (root / "corpus").iterdir()) == ["nairobi-visit.json", "oslo-talks.json"]
    for doc_id in TEXTS:
        out = root / "annotations" / "gold" / f"{doc_id}.yaml"
        assert main(["draft", doc_id, "--from", "rules", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["validate", "--strict"]) == 1  # drafts never enter the gold unreviewed
    assert "review-draft" in capsys.readouterr().err
    for doc_id in TEXTS:
        _accept_drafts(root / "annotations" / "gold" / f"{doc_id}.yaml")
    assert main(["anchor"]) == 0
    assert main(["validate", "--strict"]) == 0, capsys.readouterr().err
    gold = {d.document_id: d for d in load_annotations(root / "annotations" / "gold", root / "corpus")}
    assert set(gold) == set(TEXTS) and all(d.attributions for d in gold.values())

    # the Hugging Face export, loaded back by `datasets` (export hf verifies in a fresh cache), and its card
    assert main(["export", "hf", "--out", "dist/hf"]) == 0
    card = (root / "dist" / "hf" / "README.md").read_text(encoding="utf-8")
    assert "# talks" in card and "Ministers' talks." in card
    assert "Nordic Wire" in card and "East Africa Desk" in card and "Ministers meet in Oslo" in card
    assert "1 document(s) under CC-BY-4.0" in card and "1 document(s) give no licence" in card
    assert "No double-annotation passes" in card
    assert not re.search(r"seed|Iran|Pakistan", card), "the card describes this corpus and nothing else"

    # annotation tools, both ways: what goes out comes back identical
    assert main(["export", "label-studio", "--out", "dist/ls"]) == 0
    assert main(["import", "label-studio", "dist/ls/tasks.json", "--pre-annotations", "--out", "back-ls"]) == 0
    assert main(["export", "brat", "--out", "dist/brat"]) == 0
    assert main(["import", "brat", "dist/brat", "--out", "back-brat"]) == 0
    for folder in ("back-ls", "back-brat"):
        back = {d.document_id: d for d in load_annotations(root / folder, root / "corpus")}
        assert back == gold, folder

    # an extractor's predictions, scored per document
    assert main(["extract", "--method", "rules", "--out", "preds.jsonl"]) == 0
    capsys.readouterr()
    assert main(["bench", "--predictions", "preds.jsonl", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {d["document_id"] for d in report["per_document"]} == set(TEXTS)
    # the drafts came from these very rules, so the corrected gold scores them perfectly on what they found
    assert report["metrics"]["attributions.attributed"]["precision"] == pytest.approx(1.0)
