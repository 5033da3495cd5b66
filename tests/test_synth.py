"""`communique synth`: deterministic, realistic, valid synthetic corpora."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from communique import load_corpus_document, validate_paths
from communique.api import build_corpus
from communique.cli.main import main
from communique.schema.predictions import PredictedDocument


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_synth_is_deterministic_valid_and_realistic(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "4", "--seed", "3", "--out", str(tmp_path / "a")]) == 0
    assert main(["synth", "--docs", "4", "--seed", "3", "--out", str(tmp_path / "b"), "--jobs", "2"]) == 0
    assert _tree(tmp_path / "a") and _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert main(["synth", "--docs", "4", "--seed", "4", "--out", str(tmp_path / "c")]) == 0
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")
    root = tmp_path / "a"
    reports = validate_paths([root / "annotations"], root / "corpus")
    assert len(reports) == 4 and all(r.issues == [] for r in reports)
    assert build_corpus(root / "seeds", root / "corpus", check=True) == []  # corpus is what the seeds build
    for report in reports:
        doc = report.document
        text = load_corpus_document(root / "corpus" / f"{doc.document_id}.json").text
        items = (
            sum(len(o.mentions) for o in doc.officials)
            + len(doc.attributions)
            + len(doc.meetings)
            + len(doc.commitments)
        )
        assert 7_500 <= len(text) <= 9_000 and 120 <= items <= 240
        assert len(text.encode("utf-8")) > len(text)  # non-ASCII
        assert {a.kind for a in doc.attributions} == {"direct", "indirect"} and doc.meetings
        # the generator knows what the migration could only guess: the meetings are face to face
        assert {m.mode for m in doc.meetings} == {"in_person"}
        assert "commissive" in {a.speech_act for a in doc.attributions}
        assert all(a.review is None for a in doc.attributions)  # nobody is asked to check synthetic gold
    lines = [json.loads(line) for line in (root / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["document_id"] for line in lines] == [r.document.document_id for r in reports]
    for line, report in zip(lines, reports, strict=True):
        # prediction format 2.1: attributions name their source by speaker_id, no quotes layer, no review
        assert "quotes" not in line and line.get("schema_version") == "2.1" and line["attributions"]
        officials = {o.id for o in report.document.officials}
        assert all(a["speaker_id"] in officials and "source" not in a for a in line["attributions"])
        assert all(c["actors"] and "actor_id" not in c for c in line["commitments"])
        kept = {a["id"] for a in line["attributions"]}
        assert all(c["attribution_id"] in kept for c in line["commitments"] if "attribution_id" in c)
        PredictedDocument.model_validate(line)
    capsys.readouterr()


def test_synth_rejects_bad_arguments(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "0", "--out", str(tmp_path)]) == 2
    assert main(["synth", "--docs", "1", "--error-rate", "2", "--out", str(tmp_path)]) == 2
    capsys.readouterr()
