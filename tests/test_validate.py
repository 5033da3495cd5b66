"""`communique validate`: every problem, located and coded; exit codes; output formats."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from communique import CATALOGUE, CommuniqueError, load_annotations, validate_paths
from communique.cli.main import main

from .conftest import CORPUS, FIXTURES, GOLD, ROOT, SEED_GOLD

# JSON cannot hold the "# expect:" comment: JSON fixtures name their expectation here
JSON_EXPECTATIONS = {"trailing-comma.json": ("json-syntax", "$")}
INVALID = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.suffix in (".yaml", ".json"))
VALID = sorted(p for p in (FIXTURES / "valid").iterdir() if p.suffix in (".yaml", ".json"))


def test_fixture_folders_are_not_empty():
    assert len(INVALID) >= 25 and len(VALID) >= 3
    assert {p.name for p in INVALID if p.suffix == ".json"} == set(JSON_EXPECTATIONS)


def test_fast_parser_reads_yaml_1_2_scalars():
    from communique.io.parse import parse_yaml

    assert parse_yaml("a: no\nb: 2024-01-01\nc: true\nd: null\ne: 07") == {
        "a": "no",
        "b": "2024-01-01",
        "c": True,
        "d": None,
        "e": 7,
    }


def _expectation(path: Path) -> tuple[str, str]:
    if path.suffix == ".json":
        return JSON_EXPECTATIONS[path.name]
    head = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    match = re.fullmatch(r"# expect: (\S+) (\S+)", head)
    assert match, f"{path.name} must start with '# expect: CODE PATH'"
    return match[1], match[2]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_reports_exactly_its_fault(path: Path):
    code, json_path = _expectation(path)
    (report,) = validate_paths([path], CORPUS)
    assert [(i.code, i.path) for i in report.errors] == [(code, json_path)]
    (found,) = report.errors
    assert found.file == str(path) and found.line is not None and found.line >= 1 and found.column >= 1
    assert code in CATALOGUE


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_errors(path: Path):
    (report,) = validate_paths([path], CORPUS)
    assert report.errors == [] and report.document is not None


def test_text_only_spans_resolve_and_warn():
    (report,) = validate_paths([FIXTURES / "valid" / "text-only.yaml"], CORPUS)
    assert {i.code for i in report.issues} == {"span-unanchored"}
    mentions = report.document.officials[0].mentions
    assert [(m.start, m.end) for m in mentions] == [(3561, 3591), (3964, 3971), (6497, 6499)]


def test_gold_is_valid_and_loads():
    (gold,) = load_annotations(SEED_GOLD, CORPUS)
    assert gold.document_id == "iran-pakistan-military-talks"
    assert len(gold.officials) >= 4 and gold.attributions and gold.meetings and gold.commitments and gold.stances
    assert gold.schema_version == "2.1"


def test_every_committed_annotation_file_is_clean_and_anchored():
    reports = validate_paths([ROOT / "annotations"], CORPUS)
    assert len(reports) >= 3  # gold and two passes
    # not even an unanchored-span warning; only the drafts `communique migrate` marked, until a person checks them
    assert [i for r in reports for i in r.issues if i.code != "review-draft"] == []


def test_ambiguous_span_hint_lists_candidate_offsets():
    (report,) = validate_paths([FIXTURES / "invalid" / "ambiguous.yaml"], CORPUS)
    (found,) = report.errors
    assert "[8, 16)" in found.hint and "occurrence" in found.hint


def test_mismatch_hint_says_where_the_text_is():
    (report,) = validate_paths([FIXTURES / "invalid" / "text-mismatch.yaml"], CORPUS)
    assert "[19, 55)" in report.errors[0].hint


def test_load_annotations_raises_with_every_problem(tmp_path: Path):
    for name in ("dangling-reference.yaml", "stale-hash.yaml"):
        shutil.copy(FIXTURES / "invalid" / name, tmp_path / name)
    with pytest.raises(CommuniqueError) as caught:
        load_annotations(tmp_path, CORPUS)
    assert sorted(i.code for i in caught.value.issues) == ["dangling-reference", "stale-hash"]


def test_two_files_for_one_document_are_refused(tmp_path: Path):
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "a.yaml")
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "b.yaml")
    with pytest.raises(CommuniqueError) as caught:
        load_annotations(tmp_path, CORPUS)
    assert [i.code for i in caught.value.issues] == ["duplicate-document"]


# ------------------------------------------------------------------------------ planted faults, CLI

PLANTED = [
    # (original line fragment, faulty replacement, expected code, expected JSON path)
    ("name: Mohammad Reza Ashtiani", "name: 42", "type-error", "$.officials[1].name"),
    (
        "participation: mentioned",
        "participation: mentioned\n    nickname: Bajwa",
        "unknown-field",
        "$.officials[3].nickname",
    ),
    (
        "{type: official, official_id: bagheri}",
        "{type: official, official_id: bagheeri}",
        "dangling-reference",
        "$.attributions[23].source.official_id",
    ),
    ("{start: 225, end: 247,", "{start: 226, end: 248,", "span-text-mismatch", "$.officials[1].mentions[0].text"),
    ("kind: invite", "kind: invitation", "invalid-value", "$.stances[8].kind"),
]


def test_planted_faults_are_each_reported_with_line_and_code(tmp_path: Path, capsys):
    source = (GOLD / "iran-pakistan-military-talks.yaml").read_text(encoding="utf-8")
    faulty = source
    for old, new, _, _ in PLANTED:
        assert old in faulty
        faulty = faulty.replace(old, new, 1)
    target = tmp_path / "faulty.yaml"
    target.write_text(faulty, encoding="utf-8")
    lines = faulty.splitlines()

    status = main(["validate", str(target), "--corpus", str(CORPUS)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out.startswith("1 file(s) checked: 5 error(s)")  # the result on stdout, problems on stderr
    reported = [line for line in captured.err.splitlines() if "[review-draft]" not in line]
    assert len(reported) == len(PLANTED)
    for (_, new, code, path), line in zip(sorted(PLANTED, key=lambda p: faulty.index(p[1])), reported):
        match = re.match(rf"{re.escape(str(target))}:(\d+):(\d+): {re.escape(path)}: \[{code}\] ", line)
        assert match, line
        assert new.split("\n")[-1].strip() in lines[int(match[1]) - 1]  # the line really holds the fault


def test_exit_codes(capsys):
    assert main(["validate", str(GOLD), "--corpus", str(CORPUS)]) == 0
    assert main(["validate", str(FIXTURES / "invalid" / "stale-hash.yaml"), "--corpus", str(CORPUS)]) == 1
    assert main(["validate", "no/such/file.yaml"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["validate", "--format", "xml"])
    assert usage.value.code == 2
    capsys.readouterr()


def test_strict_fails_on_warnings(capsys):
    text_only = str(FIXTURES / "valid" / "text-only.yaml")
    assert main(["validate", text_only, "--corpus", str(CORPUS)]) == 0
    assert main(["validate", text_only, "--corpus", str(CORPUS), "--strict"]) == 1
    capsys.readouterr()


def test_json_format_is_machine_readable(capsys):
    assert main(["validate", str(FIXTURES / "invalid"), "--corpus", str(CORPUS), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1 and report["command"] == "validate"
    assert report["files"] == len(INVALID) and report["errors"] == len(INVALID)
    assert {i["code"] for i in report["problems"]} >= {"json-syntax", "yaml-syntax", "encoding-error"}
    first = report["problems"][0]
    assert set(first) == {"file", "line", "column", "path", "code", "severity", "message", "hint"}


def test_github_format_emits_workflow_commands(capsys):
    main(
        [
            "validate",
            str(FIXTURES / "invalid" / "dangling-reference.yaml"),
            "--corpus",
            str(CORPUS),
            "--format",
            "github",
        ]
    )
    first = capsys.readouterr().err.splitlines()[0]
    assert re.match(
        r"::error file=.*dangling-reference\.yaml,line=\d+,col=\d+,title=dangling-reference::\$\.attributions", first
    )


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00garbage", b"a: [1, 2", b"- just\n- a list\n", b"{}", b"document_id: 7"]
)
def test_console_script_never_shows_a_traceback(tmp_path: Path, content: bytes):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    run = subprocess.run(
        [sys.executable, "-m", "communique", "validate", str(bad), "--corpus", str(CORPUS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert re.search(r"bad\.yaml:\d+:\d+: \$\S*: \[[a-z-]+\] ", run.stderr)


def test_broken_corpus_document_is_reported_not_raised(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "iran-pakistan-military-talks.json").write_text(
        '{"id": "iran-pakistan-military-talks", "text": ', encoding="utf-8"
    )
    assert main(["validate", str(FIXTURES / "valid" / "minimal.yaml"), "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert "[corpus-invalid]" in err and "corpus build" in err


def test_one_run_reports_anchoring_and_structure_together_and_the_missing_hash(tmp_path: Path, capsys):
    """Issue 10: an unplaceable span must not hide a bad country or an unknown field, and a missing hash is
    reported with the value to write."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'schema_version: "2.1"\ndocument_id: iran-pakistan-military-talks\nguidelines_version: "2.1"\n'
        "annotators: [me]\nofficials:\n  - id: x\n    country: IN\n    participation: participant\n"
        "    speaker: yes\n    mentions:\n      - {text: Nonexistent words here, form: name}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(bad), "--corpus", str(CORPUS)]) == 1
    err = capsys.readouterr().err
    for path, code in (
        ("$.text_sha256", "missing-field"),
        ("$.officials[0].country", "invalid-value"),
        ("$.officials[0].speaker", "unknown-field"),
        ("$.officials[0].mentions[0].text", "span-not-found"),
    ):
        assert f"{path}: [{code}]" in err, (path, code)
    sha = (CORPUS / "iran-pakistan-military-talks.json").read_text(encoding="utf-8")
    assert re.search(r"hint: text_sha256: [0-9a-f]{64}", err) and json.loads(sha)["sha256"] in err


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("he called the deal “a new page” in their ties", True),
        ("he called the deal ‘a new page’ in their ties", True),  # a quote inside a quote (guidelines 6.9)
        ("he called the deal 'a new page' in their ties", True),  # the same in a text with straight marks
        ("the two countries’ navies will train together", False),  # apostrophes, not quotation marks
        ("the two countries' navies will train together", False),
        ("Côte d'Ivoire and Côte d’Ivoire's minister", False),
    ],
)
def test_single_marks_show_a_quoted_fragment_only_where_they_open_a_quotation(text: str, quoted: bool):
    from communique.annotate.checks import has_quoted_fragment

    assert has_quoted_fragment(text) is quoted


def test_summary_counts_the_files_checked_and_names_those_with_problems(tmp_path: Path, capsys):
    # two files with warnings only (an item marked draft), one clean: the old line said "0 error(s), 2
    # warning(s) in 0 file(s)"
    source = SEED_GOLD.read_text(encoding="utf-8")
    marked = source.replace(
        "    participation: participant\n", "    participation: participant\n    review: draft\n", 1
    )
    assert marked != source
    for name, text in (("a.yaml", marked), ("b.yaml", marked), ("c.yaml", source)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    main(["validate", str(tmp_path), "--corpus", str(CORPUS)])
    out = capsys.readouterr().out
    assert out.startswith("3 file(s) checked: 0 error(s), ")
    assert f"in 2 file(s): {tmp_path / 'a.yaml'}, {tmp_path / 'b.yaml'}" in out
