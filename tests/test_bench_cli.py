"""`communique bench` as a user runs it: exit codes, formats, atomic output, and the documentation's promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from communique import load_annotations, load_corpus_document
from communique.bench import score
from communique.bench.report import score_table
from communique.cli.main import main
from communique.extract import extract
from communique.schema.predictions import gold_as_prediction

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, ROOT, SEED_GOLD

PREDICTIONS = FIXTURES / "predictions"
TEXT_ONLY = PREDICTIONS / "valid" / "text-only.jsonl"
PREDICTIONS_PAGE = (ROOT / "docs" / "guides" / "predictions.md").read_text(encoding="utf-8")
BASELINE_PAGE = (ROOT / "docs" / "explanation" / "baseline.md").read_text(encoding="utf-8")
REPORT_PAGE = (ROOT / "docs" / "reference" / "bench-report.md").read_text(encoding="utf-8")


def _bench(*args: str) -> list[str]:
    return ["bench", "--gold", str(GOLD), "--corpus", str(CORPUS), "--samples", "50", *args]


def test_scores_a_prediction_file_with_text_only_spans_and_names(capsys):
    assert main(_bench("--predictions", str(TEXT_ONLY))) == 0
    out, err = capsys.readouterr()
    assert "attributions  attributed *" in out and "TP 3 FP 1 FN 48" in out
    assert "0/0:" in out and "matcher:" in out and "versions:" in out  # the settings travel with the scores
    # the unfindable quote is a located warning on stderr, and it was counted (FP 1 above)
    assert re.search(
        r"text-only\.jsonl:1:\d+: \$\.attributions\[3\]\.contents\[0\]\.text: \[prediction-span-not-found\]", err
    )


def test_strict_turns_warnings_into_failure(capsys):
    assert main(_bench("--predictions", str(TEXT_ONLY), "--strict")) == 1
    assert "attributed" in capsys.readouterr().out  # the scores are still printed


def test_json_report_is_complete(capsys):
    assert main(_bench("--predictions", str(TEXT_ONLY), "--format", "json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["report_version"] == 4 and report["version"] == 1 and report["command"] == "bench"
    assert set(report) == {
        *("report_version", "settings", "gold", "predictions", "headline", "metrics", "issues"),
        *("per_document", "outcomes", "sweep"),
        *("version", "command", "errors", "warnings", "problems"),  # the envelope every command's JSON has
    }
    assert report["problems"] == report["issues"] and report["warnings"] == 1
    assert report["headline"]["attributions.attributed"] == pytest.approx(
        2 * 3 / (4 + 51)
    )  # 3 of the 51 gold attributions
    # 8 sections, and one more unit for the quote that could not be placed in any
    assert report["settings"]["bootstrap"] == {
        "samples": 50,
        "seed": 20130614,
        "unit": "section",
        "units": 9,
        "confidence": 0.95,
        "interval": "percentile",
    }
    assert [i["code"] for i in report["issues"]] == ["prediction-span-not-found"]


def test_invalid_predictions_exit_1_and_write_nothing(tmp_path: Path, capsys):
    out = tmp_path / "report.json"
    path = PREDICTIONS / "invalid" / "bad-label.jsonl"
    assert main(_bench("--predictions", str(path), "--out", str(out))) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and not out.exists() and list(tmp_path.iterdir()) == []
    assert re.search(r"bad-label\.jsonl:1:\d+: \$\.attributions\[0\]\.kind: \[invalid-value\]", captured.err)
    assert "nothing scored" in captured.err


def test_out_writes_the_report(tmp_path: Path, capsys):
    out = tmp_path / "sub" / "report.md"
    assert main(_bench("--predictions", str(TEXT_ONLY), "--format", "markdown", "--out", str(out))) == 0
    assert capsys.readouterr().out == ""
    assert "| attributions | attributed * |" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [["--predictions", "nowhere.jsonl"], ["--compare", str(TEXT_ONLY), "nowhere.jsonl"]])
def test_missing_files_are_usage_errors(args: list[str], capsys):
    assert main(_bench(*args)) == 2
    assert "[file-not-found]" in capsys.readouterr().err


def test_pred_and_compare_are_exclusive_and_one_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["bench"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        main(["bench", "--predictions", "a", "--compare", "a", "b"])


def test_compare_reports_the_difference(tmp_path: Path, capsys):
    gold_line = tmp_path / "gold.jsonl"
    gold_line.write_text(json.dumps(gold_as_prediction(load_annotations(GOLD, CORPUS)[0])) + "\n")
    assert main(_bench("--compare", str(TEXT_ONLY), str(gold_line), "--format", "json")) == 0
    report = json.loads(capsys.readouterr().out)
    row = report["metrics"]["attributions.attributed"]
    assert row["b"] == 1.0 and row["delta"] > 0 and row["better"] == "B"
    assert main(_bench("--compare", str(TEXT_ONLY), str(gold_line))) == 0
    assert "B - A" in capsys.readouterr().out


def test_predictions_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT_ONLY.read_bytes())))
    assert main(_bench("--predictions", "-", "--format", "json")) == 0
    assert json.loads(capsys.readouterr().out)["predictions"]["path"] == "<stdin>"


# ------------------------------------------------------------------------------- the documentation


def test_the_documented_example_line_scores_with_text_only_spans_and_names():
    block = re.search(r"```json\n(.*?)\n```", PREDICTIONS_PAGE, re.S)
    assert block, "docs/guides/predictions.md shows an example prediction line"
    line = json.loads(block[1])
    assert all("start" not in span for q in line["attributions"] for span in q["contents"])  # text only
    assert any("speaker_name" in q for q in line["attributions"])  # a speaker by name
    result = score(GOLD, [line], corpus=CORPUS, samples=20)
    assert result.issues == []
    assert result.report["metrics"]["attributions.attributed"]["tp"] == 1
    assert result.report["metrics"]["stances.actors"]["tp"] == 1


def test_the_documented_baseline_table_is_what_the_code_prints():
    published = re.search(r"<!-- baseline-table:start -->\n(.*?)\n<!-- baseline-table:end -->", BASELINE_PAGE, re.S)
    assert published, "docs/explanation/baseline.md has the baseline's table"
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    report = score(SEED_GOLD, [extract(doc, "rules")], corpus=CORPUS).report  # the CLI's default bootstrap
    assert published[1] == score_table(report, "markdown"), "regenerate the table (see its page)"


def test_outcomes_go_to_a_json_lines_file_and_the_default_report_stays_lean(tmp_path: Path, capsys):
    from communique.synth.generate import synthesise

    list(synthesise(tmp_path, 3, seed=5))
    args = ["bench", "--pred", str(tmp_path / "predictions.jsonl"), "--gold", str(tmp_path / "annotations")]
    args += ["--corpus", str(tmp_path / "corpus"), "--samples", "20", "--format", "json"]
    assert main([*args, "--out", str(tmp_path / "lean.json")]) == 0
    lean = json.loads((tmp_path / "lean.json").read_text(encoding="utf-8"))
    assert lean["outcomes"] is None and len(lean["per_document"]) == 3
    # the per-item outcomes (about 100 KB per document of 150 annotations) made the report large; what the
    # report holds per document now (its scores and its sections' scores) stays under 20 KB
    assert main([*args, "--summary-only", "--out", str(tmp_path / "summary.json")]) == 0
    per_document = (tmp_path / "lean.json").stat().st_size - (tmp_path / "summary.json").stat().st_size
    assert 0 < per_document < 3 * 20_000
    outcomes = tmp_path / "outcomes.jsonl"
    assert main([*args, "--out", str(tmp_path / "full.json"), "--outcomes", str(outcomes)]) == 0
    assert f"wrote {outcomes}" in capsys.readouterr().err
    full = json.loads((tmp_path / "full.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in outcomes.read_text(encoding="utf-8").splitlines()]
    assert full["outcomes"] == {"path": str(outcomes), "items": len(lines)} and len(lines) > 300
    expected = score(tmp_path / "annotations", tmp_path / "predictions.jsonl", corpus=tmp_path / "corpus", samples=20)
    assert lines == expected.report["outcomes"]  # the Python API's outcomes, one per line, in the same order
    assert {k: v for k, v in full.items() if k != "outcomes"} == {k: v for k, v in lean.items() if k != "outcomes"}
    # outcomes need one system, and a place of their own when the report goes to stdout
    assert main([*args, "--outcomes", "-"]) == 2
    assert main(["bench", "--compare", str(TEXT_ONLY), str(TEXT_ONLY), "--outcomes", str(outcomes)]) == 2


def test_the_docs_document_every_report_key():
    report = score(GOLD, [], corpus=CORPUS, samples=5).report
    for key in (*report, *report["settings"], *report["predictions"]):
        assert key in REPORT_PAGE, key


def test_several_documents_resample_by_document_and_the_baseline_reads_new_text(tmp_path: Path, capsys):
    from communique.synth.generate import synthesise

    list(synthesise(tmp_path, 3, seed=5))
    gold, corpus = tmp_path / "annotations", tmp_path / "corpus"
    lines = (tmp_path / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    gold_lines = [gold_as_prediction(d) for d in load_annotations(gold, corpus)]
    assert len(gold_lines) == 3
    perfect = score(gold, gold_lines, corpus=corpus, samples=50).report
    assert perfect["settings"]["bootstrap"]["unit"] == "document" and perfect["settings"]["bootstrap"]["units"] == 3
    assert all(value == 1.0 for value in perfect["headline"].values())
    # a prediction file missing one document: that document's gold is all missed, with a warning
    partial = score(gold, [json.loads(line) for line in lines[:2]], corpus=corpus, samples=50)
    assert [i.code for i in partial.issues] == ["prediction-missing-document"]
    assert partial.report["metrics"]["mentions.strict"]["mis"] > 0
    baseline = tmp_path / "baseline.jsonl"
    assert main(["extract", "--corpus", str(corpus), "--out", str(baseline)]) == 0
    assert (
        main(
            [
                "bench",
                "--predictions",
                str(baseline),
                "--gold",
                str(gold),
                "--corpus",
                str(corpus),
                "--samples",
                "50",
                "--strict",
            ]
        )
        == 0
    )  # non-ASCII names and curly quotes: read without a warning
    assert "mentions      strict *" in capsys.readouterr().out


def test_a_split_with_no_unit_says_so_and_exits_1(tmp_path: Path, monkeypatch, capsys):
    # one document of one section: two of the three splits hold nothing; the old bench printed an all-n/a table
    from communique.corpus.splits import SPLITS, Splitter

    from .conftest import write_corpus_document

    monkeypatch.chdir(tmp_path)  # no communique.toml: the default split policy
    write_corpus_document(tmp_path / "corpus", "memo", "The minister spoke.\n")
    (tmp_path / "gold").mkdir()
    document = load_corpus_document(tmp_path / "corpus" / "memo.json")
    header = f"schema_version: '2.1'\ndocument_id: memo\ntext_sha256: {document.sha256}\nguidelines_version: '2.1'\n"
    (tmp_path / "gold" / "memo.yaml").write_text(header + "annotators: [a]\n", encoding="utf-8")
    (tmp_path / "memo.jsonl").write_text('{"document_id": "memo"}\n', encoding="utf-8")
    splitter = Splitter()
    used = {splitter.split_of(u) for u in splitter.units(document)}
    empty = next(s for s in SPLITS if s not in used)
    bench = ["bench", "--gold", "gold", "--corpus", "corpus", "--predictions", "memo.jsonl", "--samples", "20"]

    assert main([*bench, "--split", empty]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # no table of n/a that could pass for a score
    assert f"[split-empty] the {empty} split holds none of the 1 document(s)" in err and "--split" in err
    assert main([*bench, "--split", empty, "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["code"] == "split-empty"
    compare = ["bench", "--gold", "gold", "--corpus", "corpus", "--compare", "memo.jsonl", "memo.jsonl"]
    assert main([*compare, "--samples", "20", "--split", empty]) == 1
    assert "[split-empty]" in capsys.readouterr().err
    assert main([*bench, "--split", used.pop()]) == 0  # the split that holds the section is scored


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_report_ends_with_the_headline_scores_and_their_intervals(capsys, fmt: str):
    # what `make run` leaves on the terminal: the starred scores, last, in a few lines
    from communique.bench.metrics import METRICS, main_value

    assert main(_bench("--predictions", str(TEXT_ONLY), "--format", fmt, "--seed", "3")) == 0
    out = capsys.readouterr().out
    main(_bench("--predictions", str(TEXT_ONLY), "--format", "json", "--seed", "3"))
    report = json.loads(capsys.readouterr().out)
    starred = [m for m in METRICS if m.headline]
    lines = out.rstrip("\n").splitlines()[-len(starred) :]
    assert (
        len(starred) >= 3
        and "headline *" in out.rstrip("\n").splitlines()[-len(starred) - (2 if fmt == "markdown" else 1)]
    )
    for metric, line in zip(starred, lines):
        entry = report["metrics"][metric.key]
        low, high = entry[f"{main_value(metric)}_ci95"]
        assert metric.key in line and f"{entry[main_value(metric)]:.3f}" in line and f"[{low:.3f}, {high:.3f}]" in line
