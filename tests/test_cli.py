"""One interface on every command: ``--format``, exit codes, where results and problems go, the JSON documents."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.cli.common import ENVELOPE, JSON_VERSION, Reporter, format_github, format_text, run
from communique.cli.main import build_parser, main
from communique.schema.errors import CommuniqueError, issue

from .conftest import DOC_ID, FIXTURES, ROOT

#: the keys each command's JSON document always has besides the envelope (README: "One interface")
KEYS = {
    "corpus build": {"check", "documents", "written", "stale"},
    "validate": {"files", "schemas"},
    "anchor": {"check", "files", "anchored"},
    "draft": {"document_id", "out", "items"},
    "migrate": {"check", "files", "migrated"},
    "schema": {"check", "written", "drift"},
    "agree": {"report_version", "documents", "micro", "only_a", "only_b"},
    "stats": {"documents", "total"},
    "render": {"document_id", "out"},
    "synth": {"out", "documents", "seed", "error_rate", "predictions"},
    "export hf": {"out", "parquet_files", "verified", "rows"},
    "export brat": {"out", "documents"},
    "export plover": {"out", "events", "left_out"},
    "export label-studio": {"out", "tasks", "pre_annotations", "left_out"},
    "import label-studio": {"out", "written"},
    "import brat": {"out", "written"},
    "bench": {"report_version", "settings", "gold", "predictions", "headline", "metrics", "issues"},
    "extract": {"method", "documents"},
    "convert": {"from", "documents"},
    "init": {"config", "root"},
    "add": {"id", "seed", "metadata", "corpus_document"},
}
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_SECTION = README[README.index("<!-- cli:start -->") : README.index("<!-- cli:end -->")]
PROBLEM_KEYS = {"file", "line", "column", "path", "code", "severity", "message", "hint"}


def _leaf_parsers(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> dict[str, argparse.ArgumentParser]:
    """Every runnable command (``validate``, ``corpus build``, ``export hf``) and its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {" ".join(words): parser}
    found: dict[str, argparse.ArgumentParser] = {}
    for name, child in subs[0].choices.items():
        found.update(_leaf_parsers(child, (*words, name)))
    return found


def _json(
    capsys: pytest.CaptureFixture[str], status: int, argv: list[str], *keys: str, stopped: bool = False
) -> dict[str, Any]:
    """Run ``argv`` with ``--format json``; stdout must be exactly one JSON document with the envelope, the
    command's keys (unless it ``stopped`` on problems before it had a result) and ``keys``."""
    assert main([*argv, "--format", "json"]) == status
    out = capsys.readouterr().out
    document = json.loads(out)
    assert isinstance(document, dict)
    assert document["version"] == JSON_VERSION
    words = document["command"].split()
    assert argv[: len(words)] == words and document["command"] in _leaf_parsers(build_parser())
    expected = ENVELOPE | (set() if stopped else KEYS[document["command"]]) | set(keys)
    assert set(document) >= expected, expected - set(document)
    assert document["errors"] + document["warnings"] == len(document["problems"])
    for problem in document["problems"]:
        assert set(problem) == PROBLEM_KEYS
    return document


def test_readme_documents_every_commands_json_keys():
    assert set(KEYS) == set(_leaf_parsers(build_parser()))
    for key in ENVELOPE:
        assert f"\n{key} " in CLI_SECTION, key
    for command, keys in KEYS.items():
        line = re.search(rf"^{command}  +(.*(?:\n {{8,}}.*)*)$", CLI_SECTION, re.M)
        assert line, f"the README's JSON section has no line for {command}"
        for key in keys:
            assert re.search(rf"\b{key}\b", line[1]), (command, key)


def _format_choices(parser: argparse.ArgumentParser) -> set[str]:
    options = [a for a in parser._actions if "--format" in a.option_strings]
    return set(options[0].choices or ()) if options and options[0].default == "text" else set()


def test_every_command_offers_text_and_json():
    commands = _leaf_parsers(build_parser())
    assert {"corpus build", "validate", "anchor", "schema", "agree", "stats", "render", "synth"} <= set(commands)
    assert {"export hf", "export brat", "bench", "extract"} <= set(commands)
    lacking = sorted(name for name, parser in commands.items() if not {"text", "json"} <= _format_choices(parser))
    assert lacking == [], f"commands without --format text|json (default text); see CONTRIBUTING.md: {lacking}"


@pytest.mark.parametrize(
    "command",
    [
        *("validate", "anchor", "bench", "corpus build", "export hf", "export brat"),
        *("export label-studio", "import label-studio", "import brat"),
    ],
)
def test_commands_reporting_problems_in_files_offer_github(command: str):
    assert "github" in _format_choices(_leaf_parsers(build_parser())[command])


def test_usage_errors_exit_2(capsys):
    for argv in (["validate", "--format", "xml"], ["no-such-command"], ["export"], ["bench", "--samples", "0"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2, argv
    assert main(["synth", "--docs", "0", "--out", "x", "--format", "json"]) == 2
    assert "communique synth: error: --docs" in capsys.readouterr().err


def test_validate_json_carries_the_problems_stderr_shows(capsys):
    bad = FIXTURES / "invalid" / "dangling-reference.yaml"
    assert main(["validate", str(bad), "--format", "json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["files"] == 1 and document["errors"] >= 1
    assert {p["code"] for p in document["problems"]} == {"dangling-reference"}
    assert captured.err.count("[dangling-reference]") == len(document["problems"])


def test_missing_input_is_reported_in_json_too(capsys):
    document = _json(capsys, 2, ["validate", "no/such/file.yaml"], "files")
    assert [p["code"] for p in document["problems"]] == ["file-not-found"]
    assert document["problems"][0]["file"] == "no/such/file.yaml"


def test_corpus_build_json(project: Path, capsys):
    document = _json(capsys, 0, ["corpus", "build", "--check"], "check", "documents", "written", "stale")
    assert document["command"] == "corpus build"
    assert document["check"] is True and document["documents"] >= 1 and document["stale"] == []
    committed = project / "corpus" / f"{DOC_ID}.json"
    committed.write_text(committed.read_text(encoding="utf-8").replace('"', "'", 1), encoding="utf-8")
    document = _json(capsys, 1, ["corpus", "build", "--check"], "stale")
    assert document["stale"] == [str(Path("corpus") / f"{DOC_ID}.json")]
    assert [p["code"] for p in document["problems"]] == ["corpus-stale"]
    document = _json(capsys, 0, ["corpus", "build"], "written")
    assert document["written"] == [str(Path("corpus") / f"{DOC_ID}.json")]


def test_validate_and_anchor_json(project: Path, capsys):
    document = _json(capsys, 0, ["validate", "annotations/gold"], "files", "schemas")
    # the gold's only problems are the drafts `communique migrate` marked, until a person checks them
    assert document["files"] >= 1 and {p["code"] for p in document["problems"]} <= {"review-draft"}
    assert set(document["schemas"].values()) == {"2.1"}
    document = _json(capsys, 0, ["anchor", "annotations/gold", "--check"], "check", "files", "anchored")
    assert document["anchored"] == [] and document["files"] >= 1


def test_anchor_json_lists_what_it_anchored(project: Path, capsys):
    target = project / "text-only.yaml"
    target.write_bytes((FIXTURES / "valid" / "text-only.yaml").read_bytes())
    document = _json(capsys, 1, ["anchor", str(target), "--check"], "anchored")
    assert [a["file"] for a in document["anchored"]] == [str(target)] and document["anchored"][0]["spans"] > 0
    document = _json(capsys, 0, ["anchor", str(target)], "anchored")
    assert document["check"] is False and document["anchored"][0]["spans"] > 0


def test_schema_json(tmp_path: Path, capsys):
    document = _json(capsys, 1, ["schema", "--check", "--out", str(tmp_path)], "check", "written", "drift")
    assert document["drift"] and document["written"] == []
    document = _json(capsys, 0, ["schema", "--out", str(tmp_path)], "written")
    assert sorted(document["written"]) == sorted(str(p) for p in tmp_path.iterdir())


def test_review_commands_json(project: Path, capsys):
    passes = project / "annotations" / "passes"
    document = _json(capsys, 0, ["agree", str(passes / "a"), str(passes / "b")])
    assert DOC_ID in document["documents"] and document["micro"]["documents"] == len(document["documents"])
    assert document["report_version"] == 3 and document["version"] == JSON_VERSION
    document = _json(capsys, 0, ["stats", "annotations/gold"], "documents", "total")
    assert DOC_ID in document["documents"]
    out = project / "page.html"
    document = _json(capsys, 0, ["render", DOC_ID, "--out", str(out)], "document_id", "out")
    assert document["out"] == str(out) and out.read_text(encoding="utf-8").startswith("<!")


def test_invalid_annotations_are_problems_not_tracebacks_in_json(tmp_path: Path, capsys):
    shutil_copy = tmp_path / "bad.yaml"
    shutil_copy.write_bytes((FIXTURES / "invalid" / "missing-field.yaml").read_bytes())
    document = _json(capsys, 1, ["stats", str(shutil_copy), "--corpus", str(ROOT / "corpus")], stopped=True)
    assert document["problems"] and all(p["file"] == str(shutil_copy) for p in document["problems"])


def test_synth_extract_bench_json(tmp_path: Path, capsys):
    keys = ("out", "documents", "seed", "error_rate", "predictions")
    document = _json(capsys, 0, ["synth", "--docs", "3", "--seed", "2", "--out", str(tmp_path)], *keys)
    assert document["documents"] == 3 and Path(document["predictions"]).is_file()
    corpus = str(tmp_path / "corpus")
    document = _json(capsys, 0, ["extract", "--corpus", corpus], "method", "documents", "predictions")
    assert document["documents"] == 3 == len(document["predictions"])
    preds = tmp_path / "rules.jsonl"
    document = _json(capsys, 0, ["extract", "--corpus", corpus, "--out", str(preds)], "out")
    assert len(preds.read_text(encoding="utf-8").splitlines()) == 3
    bench = ["bench", "--pred", str(preds), "--gold", str(tmp_path / "annotations"), "--corpus", corpus]
    document = _json(capsys, 0, [*bench, "--samples", "20"], "report_version", "metrics", "headline")
    assert document["gold"]["documents"] == 3


def test_bench_json_to_a_file_leaves_stdout_empty(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "2", "--out", str(tmp_path)]) == 0
    report = tmp_path / "report.json"
    argv = ["bench", "--pred", str(tmp_path / "predictions.jsonl"), "--gold", str(tmp_path / "annotations")]
    argv += ["--corpus", str(tmp_path / "corpus"), "--samples", "20", "--format", "json", "--out", str(report)]
    capsys.readouterr()
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["version"] == JSON_VERSION and document["command"] == "bench"


def test_export_json(project: Path, capsys):
    document = _json(capsys, 0, ["export", "brat", "--out", "brat"], "out", "documents")
    assert document["command"] == "export brat" and document["documents"] >= 1
    document = _json(capsys, 0, ["export", "plover", "--out", "events.jsonl"], "out", "events", "left_out")
    lines = (project / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert document["events"] == len(lines) >= 1
    document = _json(capsys, 0, ["export", "hf", "--out", "hf", "--no-verify"], "out", "parquet_files", "rows")
    assert document["verified"] is False and document["parquet_files"] >= 1
    assert all(sum(splits.values()) >= 1 for splits in document["rows"].values())


def test_an_unwritable_output_is_a_located_problem(tmp_path: Path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    status = main(["synth", "--docs", "1", "--out", str(blocker / "inside"), "--format", "json"])
    captured = capsys.readouterr()
    assert status == 1
    (problem,) = json.loads(captured.out)["problems"]
    # the safe writer (communique.io.write) names what is wrong: a file where a folder should be
    assert problem["code"] == "output-not-folder" and problem["file"].startswith(str(blocker))
    assert "Traceback" not in captured.err and "[output-not-folder]" in captured.err


def test_text_results_go_to_stdout_and_problems_to_stderr(capsys):
    assert main(["validate", str(FIXTURES / "invalid" / "stale-hash.yaml")]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("1 file(s) checked: 1 error(s)")
    assert "[stale-hash]" in captured.err and "[stale-hash]" not in captured.out


def test_reporter_prints_the_json_document_once(capsys):
    reporter = Reporter("validate", "json")
    reporter.problems([issue("file-not-found", "gone", file="x.yaml")])
    reporter.text("a text result is left out of the JSON format")
    assert reporter.finish(1, {"files": 0}) == 1
    assert reporter.finish(1, {"files": 0}) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert (document["errors"], document["warnings"], document["files"]) == (1, 0, 0)
    assert "x.yaml:1:1: $: [file-not-found] gone" in captured.err


def test_console_script_exit_codes_in_a_real_process(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: [1, 2")
    for argv, status in (([str(bad)], 1), (["--format", "xml"], 2), ([str(tmp_path / "missing.yaml")], 2)):
        run = subprocess.run(
            [sys.executable, "-m", "communique", "validate", *argv], capture_output=True, text=True, cwd=ROOT
        )
        assert run.returncode == status, (argv, run.stderr)
        assert "Traceback" not in run.stderr


def test_a_result_cannot_hide_the_envelope():
    reporter = Reporter("agree", "json")
    with pytest.raises(ValueError, match="clash with the JSON envelope"):
        reporter.document({"version": 2})


def test_bench_github_format_annotates_prediction_problems(capsys):
    warned = FIXTURES / "predictions" / "valid" / "text-only.jsonl"
    argv = ["bench", "--pred", str(warned), "--gold", str(ROOT / "annotations" / "gold")]
    argv += ["--corpus", str(ROOT / "corpus"), "--samples", "20", "--format", "github"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    annotations = captured.err.splitlines()
    assert annotations and all(line.startswith("::warning file=") for line in annotations)
    assert "title=prediction-span-not-found::" in annotations[0]
    assert "attributions  attributed *" in captured.out  # the table, as with text


def test_a_command_written_before_the_reporter_still_runs_and_its_errors_are_reported(capsys):
    def legacy(args: argparse.Namespace) -> int:
        if args.fail:
            raise CommuniqueError([issue("file-not-found", "gone", file="x.yaml")])
        return 0

    assert run(argparse.Namespace(command="legacy", func=legacy, fail=False)) == 0
    assert run(argparse.Namespace(command="legacy", func=legacy, fail=True)) == 1
    assert "x.yaml:1:1: $: [file-not-found] gone" in capsys.readouterr().err


@given(
    message=st.text(max_size=40),
    file=st.text(min_size=1, max_size=20),
    hint=st.none() | st.text(max_size=20),
    warning=st.booleans(),
)
def test_every_problem_prints_as_one_line(message: str, file: str, hint: str | None, warning: bool):
    found = issue("prediction-span-not-found" if warning else "span-not-found", message, file=file, hint=hint)
    for line in (format_text(found), format_github(found)):
        assert "\n" not in line and "\r" not in line
    assert format_github(found).startswith("::warning " if warning else "::error ")
    if "\n" not in message and "\r" not in message:
        assert message in format_text(found)  # nothing else is rewritten
