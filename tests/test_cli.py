"""One interface on every command: ``--format``, exit codes, where results and problems go, the JSON documents."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.cli import options
from communique.cli.common import ENVELOPE, JSON_VERSION, Reporter, format_github, format_text, run
from communique.cli.main import GC_THRESHOLD, build_parser, main
from communique.export.rows import CONFIGS
from communique.schema.errors import CommuniqueError, issue

from .conftest import DOC_ID, FIXTURES, ROOT

#: the keys each command's JSON document always has besides the envelope (docs/reference/cli.md)
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
    "init": {"config", "root", "guidelines"},
    "guidelines": {"guidelines_version", "out"},
    "add": {"id", "seed", "metadata", "corpus_document"},
}
CLI_PAGE = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
CLI_SECTION = CLI_PAGE[CLI_PAGE.index("<!-- cli:start -->") : CLI_PAGE.index("<!-- cli:end -->")]
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


def test_the_docs_list_every_commands_json_keys():
    assert set(KEYS) == set(_leaf_parsers(build_parser()))
    for key in ENVELOPE:
        assert f"\n{key} " in CLI_SECTION, key
    for command, keys in KEYS.items():
        line = re.search(rf"^{command}  +(.*(?:\n {{8,}}.*)*)$", CLI_SECTION, re.M)
        assert line, f"docs/reference/cli.md has no JSON line for {command}"
        for key in keys:
            assert re.search(rf"\b{key}\b", line[1]), (command, key)


def _visible_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The options ``--help`` shows (deprecated spellings are hidden), by each of their names."""
    return {
        name: action
        for action in parser._actions
        if action.help != argparse.SUPPRESS and not isinstance(action, argparse._HelpAction)
        for name in action.option_strings
    }


def _shared_options() -> dict[str, argparse.Action]:
    """Every option :mod:`communique.cli.options` declares, as its ``add_*`` functions add them."""
    parser = argparse.ArgumentParser()
    for add in (options.add_corpus, options.add_seeds, options.add_gold, options.add_predictions, options.add_jobs):
        add(parser)
    for add in (options.add_format, options.add_force, options.add_strict, options.add_check):
        add(parser)
    options.add_out(parser, "file")
    return _visible_options(parser)


#: names that mean something else on each command that has them: `draft --from rules|FILE` (the source of the
#: draft) and `convert --from FORMAT`; `synth --seed` (of the corpus) and `bench --seed` (of the bootstrap)
OWN_MEANING = {"--from", "--seed"}


def _out_helps() -> set[tuple[Any, ...]]:
    """What ``--out`` may look like: a file or a folder, required or not (defaults aside)."""
    made = set()
    for kind in ("file", "folder"):
        for required in (False, True):
            parser = argparse.ArgumentParser()
            options.add_out(parser, kind, required=required)  # type: ignore[arg-type]
            action = _visible_options(parser)["--out"]
            made.add((action.metavar, action.help))
    return made


def test_an_option_means_the_same_on_every_command():
    """Same name, same thing: one type, one help text, one default (``--format``'s choices and ``--out``'s
    default vary by command)."""
    shared = _shared_options()
    assert {"--gold", "--corpus", "--predictions", "--jobs", "--engine", "--out", "--format", "--force"} <= set(shared)
    seen: dict[str, tuple[Any, ...]] = {}
    where: dict[str, str] = {}
    for command, parser in _leaf_parsers(build_parser()).items():
        for name, action in _visible_options(parser).items():
            if name in OWN_MEANING:
                continue
            if name == "--out":
                text = re.sub(r" \(default: [^)]*\)$", "", action.help or "")
                assert (action.metavar, text) in _out_helps(), command
                continue
            shape = (type(action), action.type, action.nargs, action.metavar, action.help, action.default)
            if name != "--format":
                shape += (action.choices,)
            if name in shared:  # declared once, in communique.cli.options
                reference = shared[name]
                expected = (type(reference), reference.type, reference.nargs, reference.metavar, reference.help)
                assert shape[:5] == expected, (command, name)
            assert seen.setdefault(name, shape) == shape, (name, command, where.get(name))
            where.setdefault(name, command)
    assert {"--gold", "--corpus", "--predictions", "--jobs", "--strict"} <= set(seen)


def test_the_docs_describe_the_shared_options_and_the_deprecated_spellings():
    for name in _shared_options():
        assert f"`{name}" in CLI_SECTION, name
    for old, new in options.DEPRECATED.items():
        assert re.search(rf"`{old}`[^;]*`{new}`", CLI_SECTION), old  # "... `--pred` ... is now `--predictions`;"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (["export", "brat", "--annotations", "annotations/gold", "--out", "a"], ["export", "brat", "--out", "b"]),
        (
            ["render", DOC_ID, "--annotations", "annotations/gold", "--out", "a.html"],
            ["render", DOC_ID, "--out", "b.html"],
        ),
    ],
    ids=["export-brat", "render"],
)
def test_a_deprecated_spelling_still_works_and_says_so(project: Path, capsys, old: list[str], new: list[str]):
    assert main(new) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main(old) == 0
    err = capsys.readouterr().err
    assert "--annotations is deprecated" in err and "use --gold" in err
    written = sorted(p for p in project.iterdir() if p.name in ("a", "b", "a.html", "b.html"))
    assert len(written) == 2
    if written[0].is_file():  # the same page either way
        assert written[0].read_bytes() == written[1].read_bytes()
    else:
        assert sorted(f.name for f in written[0].iterdir()) == sorted(f.name for f in written[1].iterdir())


def test_deprecated_spellings_of_predictions(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "2", "--out", str(tmp_path)]) == 0
    gold, corpus = ["--gold", str(tmp_path / "annotations")], ["--corpus", str(tmp_path / "corpus")]
    predictions = str(tmp_path / "predictions.jsonl")
    capsys.readouterr()
    assert main(["bench", "--predictions", predictions, *gold, *corpus, "--samples", "5", "--format", "json"]) == 0
    new = capsys.readouterr()
    assert main(["bench", "--pred", predictions, *gold, *corpus, "--samples", "5", "--format", "json"]) == 0
    old = capsys.readouterr()
    assert old.out == new.out and "--pred is deprecated" in old.err and "use --predictions" in old.err
    with pytest.raises(SystemExit):  # still one of the two: --pred is --predictions
        main(["bench", "--pred", predictions, "--compare", predictions, predictions])
    assert "not allowed with" in capsys.readouterr().err
    # a flag on `import label-studio`, where --predictions meant "read the pre-annotations"
    ls = tmp_path / "ls"
    assert main(["export", "label-studio", *gold, *corpus, "--out", str(ls)]) == 0
    back = ["import", "label-studio", str(ls / "tasks.json"), *corpus]
    assert main([*back, "--pre-annotations", "--out", str(tmp_path / "new")]) == 0
    assert main([*back, "--predictions", "--out", str(tmp_path / "old")]) == 0
    assert "--predictions is deprecated" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == sorted(p.name for p in (tmp_path / "new").iterdir())
    assert len(list((tmp_path / "new").iterdir())) == 2


def test_deprecated_spellings_are_hidden_from_help(capsys):
    for argv in (["bench", "--help"], ["export", "hf", "--help"], ["import", "label-studio", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        shown = capsys.readouterr().out
        assert "--pred " not in shown and "--annotations" not in shown and "deprecated" not in shown, argv
        assert "--gold" in shown or "--pre-annotations" in shown, argv


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
    document = _json(capsys, 0, ["schema", "--check", "--out", str(tmp_path)], "check", "written", "drift")
    assert document["drift"] == [] and document["written"] == []  # no schema file kept: nothing can drift
    document = _json(capsys, 0, ["schema", "--out", str(tmp_path)], "written")
    assert sorted(document["written"]) == sorted(str(p) for p in tmp_path.iterdir())
    (tmp_path / "annotation.schema.json").write_text("{}", encoding="utf-8")
    document = _json(capsys, 1, ["schema", "--check", "--out", str(tmp_path)], "check", "written", "drift")
    assert document["drift"] == [str(tmp_path / "annotation.schema.json")] and document["written"] == []


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
    bench = ["bench", "--predictions", str(preds), "--gold", str(tmp_path / "annotations"), "--corpus", corpus]
    document = _json(capsys, 0, [*bench, "--samples", "20"], "report_version", "metrics", "headline")
    assert document["gold"]["documents"] == 3


def test_bench_json_to_a_file_leaves_stdout_empty(tmp_path: Path, capsys):
    assert main(["synth", "--docs", "2", "--out", str(tmp_path)]) == 0
    report = tmp_path / "report.json"
    argv = ["bench", "--predictions", str(tmp_path / "predictions.jsonl"), "--gold", str(tmp_path / "annotations")]
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
    assert document["rows"]["documents"]["full"] >= 1
    assert set(document["rows"]) == {c.name for c in CONFIGS}  # every config, one with no rows too


def _writers(root: Path) -> dict[str, tuple[list[str], str]]:
    """Every command that writes a file, with arguments that make it write one in the project ``root`` (the
    working directory), and a path it names on stderr; in order (an import reads what an export wrote)."""
    (root / "text-only.yaml").write_bytes((FIXTURES / "valid" / "text-only.yaml").read_bytes())
    (root / "v1.yaml").write_bytes((FIXTURES / "v1" / f"{DOC_ID}.yaml").read_bytes())
    (root / "corpus" / f"{DOC_ID}.json").unlink()  # for `corpus build` to write again
    (root / "new.txt").write_text("Oslo (Wire) -- The ministers met on Tuesday.\n", encoding="utf-8")
    (root / "preds.jsonl").write_bytes((FIXTURES / "predictions" / "valid" / "text-only.jsonl").read_bytes())
    gold = ["--gold", "annotations/gold"]
    return {
        "corpus build": (["corpus", "build"], f"corpus/{DOC_ID}.json"),
        "anchor": (["anchor", "text-only.yaml"], "text-only.yaml"),
        "migrate": (["migrate", "v1.yaml"], "v1.yaml"),
        "schema": (["schema", "--out", "schemas"], "schemas/annotation.schema.json"),
        "render": (["render", DOC_ID, "--out", "page.html"], "page.html"),
        "draft": (["draft", DOC_ID, "--from", "rules", "--out", "draft.yaml"], "draft.yaml"),
        "synth": (["synth", "--docs", "1", "--out", "synthetic"], "synthetic"),
        "export hf": (["export", "hf", *gold, "--out", "hf", "--passes", "", "--no-verify"], "hf"),
        "export brat": (["export", "brat", *gold, "--out", "brat"], "brat"),
        "export plover": (["export", "plover", *gold, "--out", "events.jsonl"], "events.jsonl"),
        "export label-studio": (["export", "label-studio", *gold, "--out", "ls"], "ls"),
        "import label-studio": (
            ["import", "label-studio", "ls/tasks.json", "--pre-annotations", "--out", "from-ls"],
            f"from-ls/{DOC_ID}.yaml",
        ),
        "import brat": (["import", "brat", "brat", "--out", "from-brat"], f"from-brat/{DOC_ID}.yaml"),
        "bench": (["bench", "--predictions", "preds.jsonl", "--samples", "5", "--out", "report.txt"], "report.txt"),
        "extract": (["extract", "--out", "rules.jsonl"], "rules.jsonl"),
        "convert": (["convert", "brat", "--from", "brat", "--out", "converted.jsonl"], "converted.jsonl"),
        "init": (["init", "elsewhere", "--name", "elsewhere"], "elsewhere/communique.toml"),
        "add": (["add", "new.txt", "--id", "new"], "seeds/new.txt"),
        "guidelines": (["guidelines", "--out", "guidelines.md"], "guidelines.md"),
    }


def test_messages_about_files_written_go_to_stderr_never_stdout(project: Path, capsys):
    """stdout holds results only: every command that writes a file says so on stderr (docs/reference/cli.md)."""
    writers = _writers(project)
    commands = _leaf_parsers(build_parser())
    with_out = {name for name, parser in commands.items() if any("--out" in a.option_strings for a in parser._actions)}
    assert with_out and with_out | {"corpus build", "anchor", "migrate", "init", "add"} == set(writers)
    for command, (argv, named) in writers.items():
        assert main(argv) == 0, command
        out, err = capsys.readouterr()
        assert (project / named).exists(), command
        assert "wrote" not in out and named not in out, (command, out)
        assert named in err, (command, err)


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


@pytest.mark.parametrize("setting", [None, "default"])
def test_the_program_tunes_the_garbage_collector_unless_told_not_to(setting: str | None):
    # in a real process: `entry` (the console script and `python -m communique`) tunes it, `main` leaves it
    probe = (
        "import gc, json; from communique.cli.main import entry, tune_gc; import communique.cli.main as m; "
        "m.main = lambda: 0; before = gc.get_threshold(); entry(); "
        "print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count() > 0]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "COMMUNIQUE_GC"}
    if setting is not None:
        env["COMMUNIQUE_GC"] = setting
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    before, after, frozen = json.loads(run.stdout)
    if setting is None:
        assert after == list(GC_THRESHOLD) != before and frozen
    else:
        assert after == before and not frozen


def test_a_result_cannot_hide_the_envelope():
    reporter = Reporter("agree", "json")
    with pytest.raises(ValueError, match="clash with the JSON envelope"):
        reporter.document({"version": 2})


def test_bench_github_format_annotates_prediction_problems(capsys):
    warned = FIXTURES / "predictions" / "valid" / "text-only.jsonl"
    argv = ["bench", "--predictions", str(warned), "--gold", str(ROOT / "annotations" / "gold")]
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


def test_render_all_writes_every_document_and_render_without_one_says_what_to_do(project: Path, capsys):
    from communique import load_corpus_document

    from .conftest import write_corpus_document

    write_corpus_document(project / "corpus", "memo", "The minister spoke.\n")
    sha = load_corpus_document(project / "corpus" / "memo.json").sha256
    (project / "annotations" / "gold" / "memo.yaml").write_text(
        f"schema_version: '2.1'\ndocument_id: memo\ntext_sha256: {sha}\nguidelines_version: '2.1'\nannotators: [a]\n",
        encoding="utf-8",
    )
    assert main(["render", "--out", "page.html"]) == 2  # two documents: which one?
    err = capsys.readouterr().err
    assert f"known: {DOC_ID}, memo" in err and "--all" in err
    assert not (project / "page.html").exists()

    document = _json(capsys, 0, ["render", "--all", "--out", "pages"], "pages")
    pages = sorted((project / "pages").iterdir())
    assert [p.name for p in pages] == [f"{DOC_ID}.html", "memo.html"]
    assert document["pages"] == [str(Path("pages") / p.name) for p in pages]
    assert "The minister spoke." in (project / "pages" / "memo.html").read_text(encoding="utf-8")
    # a page the user changed is refused (output-exists) before any page is written; --force keeps it
    (project / "pages" / "memo.html").write_text("my notes", encoding="utf-8")
    (project / "pages" / f"{DOC_ID}.html").unlink()
    assert main(["render", "--all", "--out", "pages"]) == 1
    assert "[output-exists]" in capsys.readouterr().err
    assert not (project / "pages" / f"{DOC_ID}.html").exists()  # checked first, nothing written
    assert main(["render", "--all", "--out", "pages", "--force"]) == 0
    assert (project / "pages" / "memo.html.~1~").read_text(encoding="utf-8") == "my notes"
    assert main(["render", "memo", "--all", "--out", "pages"]) == 2
