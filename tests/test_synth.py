"""`communique synth`: deterministic, realistic, valid synthetic corpora."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from communique import load_corpus_document, validate_paths
from communique.api import build_corpus
from communique.cli.main import main
from communique.schema.models import AnnotatedDocument
from communique.schema.predictions import PredictedDocument
from communique.synth.generate import generate_document


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
            + len(doc.stances)
        )
        assert 7_500 <= len(text) <= 9_000 and 120 <= items <= 240
        assert len(text.encode("utf-8")) > len(text)  # non-ASCII
        assert {a.kind for a in doc.attributions} == {"direct", "indirect"} and doc.meetings
        # the generator states what a migration could only guess: the meetings are face to face
        assert {m.mode for m in doc.meetings} == {"in_person"}
        assert "commissive" in {a.speech_act for a in doc.attributions}
        assert all(a.review is None for a in doc.attributions)  # nobody is asked to check synthetic gold
        # format 2.1: the acts that bind are commitments, the others stances, each layer numbered on its own
        assert {c.kind for c in doc.commitments} <= {"promise", "intend", "offer"} and doc.commitments
        assert {s.kind for s in doc.stances} <= {"propose", "support", "invite"} and doc.stances
        assert [c.id for c in doc.commitments] == [f"c{i}" for i in range(1, len(doc.commitments) + 1)]
        assert [s.id for s in doc.stances] == [f"st{i}" for i in range(1, len(doc.stances) + 1)]
    lines = [json.loads(line) for line in (root / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["document_id"] for line in lines] == [r.document.document_id for r in reports]
    for line, report in zip(lines, reports, strict=True):
        # prediction format 2.1: attributions name their source by speaker_id, no quotes layer, no review
        assert "quotes" not in line and line.get("schema_version") == "2.1" and line["attributions"]
        officials = {o.id for o in report.document.officials}
        assert all(a["speaker_id"] in officials and "source" not in a for a in line["attributions"])
        acts = [*line["commitments"], *line["stances"]]
        assert all(c["actors"] and "actor_id" not in c for c in acts) and line["stances"]
        kept = {a["id"] for a in line["attributions"]}
        assert all(c["attribution_id"] in kept for c in acts if "attribution_id" in c)
        PredictedDocument.model_validate(line)
    capsys.readouterr()


def test_the_gold_is_built_in_format_2_and_written_as_the_generator_states_it(tmp_path: Path, capsys):
    text, gold = generate_document(5, 2)
    assert isinstance(gold, AnnotatedDocument) and gold.schema_version == "2.1"
    assert main(["synth", "--docs", "3", "--seed", "5", "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "annotations" / f"{gold.document_id}.json").read_text(encoding="utf-8"))
    assert AnnotatedDocument.model_validate(written) == gold
    assert (tmp_path / "seeds" / f"{gold.document_id}.txt").read_text(encoding="utf-8") == text
    # nulls the generator states are written (an unnamed official, a commitment with no time), and nothing
    # it does not set: no review mark, no source span, no anchoring hints
    assert any(o["name"] is None for o in written["officials"])
    assert any("time" in c and c["time"] is None for c in [*written["commitments"], *written["stances"]])
    assert written["commitments"] and all("condition" in c and c["condition"] is None for c in written["commitments"])
    flat = json.dumps(written)
    assert all(f'"{key}"' not in flat for key in ("review", "source_span", "occurrence", "prefix", "suffix"))
    capsys.readouterr()


def test_synth_rejects_bad_arguments(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "0", "--out", str(tmp_path)]) == 2
    assert main(["synth", "--docs", "1", "--error-rate", "2", "--out", str(tmp_path)]) == 2
    capsys.readouterr()
