"""Nothing of the user's is lost (issue 17, part A): files they may have edited are never replaced without
``--force`` (and then kept as ``FILE.~N~``), ``[paths]`` stay inside the project, a hostile ``communique.toml``
is a located error, ``init`` refuses what later commands refuse and leaves nothing half-made, the dataset
card escapes every free-text value, and the exports say when they export drafts."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from communique.annotate.stats import compute_stats
from communique.cli.main import main
from communique.corpus.add import add_text
from communique.export.card import CardFacts, markdown_code, markdown_text, render_card
from communique.export.hf import ExportResult
from communique.io.project import Dataset, dataset_value_problem, find_project, init_project, load_project
from communique.io.write import numbered_backup, write_new_or_forced
from communique.schema.errors import CommuniqueError

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "OSLO -- Norwegian Defence Minister Lars Berg met his Swedish counterpart Anna Holm in Oslo on Monday.\n\n"
    "\u201cWe will hold a joint naval exercise next year,\u201d Berg said.\n"
)
HAND_EDIT = "# corrected by hand: Berg is the host\n"


def _codes(err: str) -> list[str]:
    return re.findall(r"\[([a-z0-9-]+)\]", err)


# --- the mechanism: write_new_or_forced and numbered backups ------------------------------------------------


def test_a_new_file_is_written_and_the_same_bytes_are_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "out.txt"
    assert write_new_or_forced(out, "one\n") is None
    assert out.read_text() == "one\n"
    before = out.stat().st_mtime_ns, out.stat().st_ino
    assert write_new_or_forced(out, "one\n") is None  # a rerun: nothing to replace, nothing refused
    assert (out.stat().st_mtime_ns, out.stat().st_ino) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.txt"]


def test_a_different_file_is_refused_unless_forced_and_then_kept(tmp_path: Path) -> None:
    out = tmp_path / "gold.yaml"
    out.write_text(HAND_EDIT)
    with pytest.raises(CommuniqueError) as exc:
        write_new_or_forced(out, "drafted\n")
    assert [i.code for i in exc.value.issues] == ["output-exists"] and exc.value.issues[0].file == str(out)
    assert out.read_text() == HAND_EDIT and sorted(p.name for p in tmp_path.iterdir()) == ["gold.yaml"]
    backup = write_new_or_forced(out, "drafted\n", force=True)
    assert backup == tmp_path / "gold.yaml.~1~" and backup.read_text() == HAND_EDIT
    assert out.read_text() == "drafted\n"


def test_standard_output_is_never_refused(capfd: pytest.CaptureFixture[str]) -> None:
    assert write_new_or_forced("-", "to stdout\n") is None
    assert capfd.readouterr().out == "to stdout\n"


def test_backups_are_numbered_after_the_highest_and_never_replace_one(tmp_path: Path) -> None:
    out = tmp_path / "f.txt"
    out.write_text("now")
    (tmp_path / "f.txt.~1~").write_text("first")
    (tmp_path / "f.txt.~3~").write_text("third")
    (tmp_path / "f.txt.~x~").write_text("not a number")
    (tmp_path / "f.txtx.~9~").write_text("another file's backup")
    assert numbered_backup(out) == tmp_path / "f.txt.~4~"
    assert (tmp_path / "f.txt.~4~").read_text() == "now"
    assert (tmp_path / "f.txt.~1~").read_text() == "first" and (tmp_path / "f.txt.~3~").read_text() == "third"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.lists(st.binary(max_size=30), min_size=1, max_size=6))
def test_forced_writes_keep_every_previous_version_in_order(contents: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out.bin"
        kept: list[bytes] = []
        current: bytes | None = None
        for data in contents:
            backup = write_new_or_forced(out, data, force=True)
            if current is not None and current != data:
                assert backup == out.with_name(f"out.bin.~{len(kept) + 1}~")
                kept.append(current)
            else:
                assert backup is None
            current = data
            assert out.read_bytes() == data
        assert [out.with_name(f"out.bin.~{n}~").read_bytes() for n in range(1, len(kept) + 1)] == kept
        assert len(list(Path(scratch).iterdir())) == len(kept) + 1  # no temporary file left


def test_a_symlinked_output_keeps_its_link_and_its_target_gets_the_backup(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(HAND_EDIT)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    with pytest.raises(CommuniqueError):
        write_new_or_forced(link, "new\n")
    backup = write_new_or_forced(link, "new\n", force=True)
    assert backup == tmp_path / "real.yaml.~1~" and backup.read_text() == HAND_EDIT
    assert link.is_symlink() and real.read_text() == "new\n"


# --- the tutorial's own path: draft over a hand-corrected gold file ----------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project with one document, drafted from the rules, reviewed (marks removed) and anchored: valid gold."""
    root = tmp_path / "talks"
    assert main(["init", str(root), "--name", "talks"]) == 0
    monkeypatch.chdir(root)
    (tmp_path / "oslo.txt").write_text(TEXT, encoding="utf-8")
    assert main(["add", str(tmp_path / "oslo.txt"), "--id", "oslo-talks"]) == 0
    gold = root / "annotations" / "gold" / "oslo-talks.yaml"
    assert main(["draft", "oslo-talks", "--from", "rules", "--out", str(gold)]) == 0
    gold.write_text(re.sub(r"\n\s*review: draft[^\n]*", "", gold.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["anchor"]) == 0
    assert main(["validate", "--strict"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return root


def test_rerunning_the_readme_draft_command_keeps_the_review(project: Path, capsys: pytest.CaptureFixture[str]):
    gold = project / "annotations" / "gold" / "oslo-talks.yaml"
    gold.write_text(HAND_EDIT + gold.read_text(encoding="utf-8"), encoding="utf-8")
    reviewed = gold.read_bytes()
    command = ["draft", "oslo-talks", "--from", "rules", "--out", "annotations/gold/oslo-talks.yaml"]  # as the tutorial
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "[output-exists]" in err and "annotations/gold/oslo-talks.yaml" in err and "--force" in err
    assert gold.read_bytes() == reviewed
    assert sorted(p.name for p in gold.parent.iterdir()) == ["oslo-talks.yaml"]
    assert main([*command, "--force"]) == 0
    err = capsys.readouterr().err
    backup = gold.with_name("oslo-talks.yaml.~1~")
    assert f"kept the previous annotations/gold/oslo-talks.yaml as {backup}" in err
    assert backup.read_bytes() == reviewed and "review: draft" in gold.read_text(encoding="utf-8")
    assert main(["validate"]) == 0  # the backup is not taken for an annotation file of its own
    assert "1 file(s) checked" in capsys.readouterr().out


def _out_commands(root: Path) -> dict[str, list[str]]:
    """Every command that writes one file with --out (without the --out itself)."""
    predictions, pipeline = root / "pred.jsonl", root / "hf.jsonl"
    return {
        "draft": ["draft", "oslo-talks", "--from", "rules"],
        "extract": ["extract"],
        "convert": ["convert", str(pipeline), "--from", "hf"],
        "bench": ["bench", "--predictions", str(predictions), "--samples", "5"],
        "bench-json": ["bench", "--predictions", str(predictions), "--samples", "5", "--format", "json"],
        "render": ["render"],
        "export-plover": ["export", "plover"],
    }


def test_every_out_file_command_refuses_an_edited_file(project: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["extract", "--out", str(project / "pred.jsonl")]) == 0
    entities = [{"entity_group": "PER", "start": 35, "end": 44, "word": "Lars Berg"}]
    (project / "hf.jsonl").write_text(json.dumps({"document_id": "oslo-talks", "entities": entities}) + "\n")
    commands = _out_commands(project)
    assert len(commands) == 7
    for name, command in commands.items():
        out = project / f"{name}.out"
        out.write_text(HAND_EDIT)
        capsys.readouterr()
        assert main([*command, "--out", str(out)]) == 1, name
        assert "[output-exists]" in capsys.readouterr().err, name
        assert out.read_text() == HAND_EDIT, name
        assert main([*command, "--out", str(out), "--force"]) == 0, (name, capsys.readouterr().err)
        assert f"kept the previous {out} as {out}.~1~" in capsys.readouterr().err, name
        assert Path(f"{out}.~1~").read_text() == HAND_EDIT and out.read_text() != HAND_EDIT, name
        written = out.read_bytes()
        assert main([*command, "--out", str(out)]) == 0, name  # the same output again: nothing refused
        assert out.read_bytes() == written and not Path(f"{out}.~2~").exists(), name


def test_import_into_the_gold_folder_refuses_every_edited_file_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = project / "annotations" / "gold" / "oslo-talks.yaml"
    assert main(["export", "brat", "--out", str(project / "dist" / "brat")]) == 0
    reviewed = gold.read_bytes()
    capsys.readouterr()
    assert main(["import", "brat", str(project / "dist" / "brat"), "--out", str(gold.parent)]) == 1
    err = capsys.readouterr().err
    assert "[output-exists]" in err and str(gold) in err and "nothing was imported" in err
    assert gold.read_bytes() == reviewed
    assert main(["import", "brat", str(project / "dist" / "brat"), "--out", str(gold.parent), "--force"]) == 0
    assert f"kept the previous {gold} as {gold}.~1~" in capsys.readouterr().err
    assert Path(f"{gold}.~1~").read_bytes() == reviewed


def test_schema_regenerates_its_own_files_but_not_a_foreign_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "schema"
    assert main(["schema", "--out", str(out)]) == 0
    ours = out / "annotation.schema.json"
    ours.write_text(ours.read_text().replace('"description"', '"description_old"', 1))  # an older generation
    assert main(["schema", "--out", str(out)]) == 0  # regenerating is what `schema` is for
    assert not Path(f"{ours}.~1~").exists()
    foreign = out / "prediction.schema.json"
    foreign.write_text('{"title": "my own schema"}\n')
    capsys.readouterr()
    assert main(["schema", "--out", str(out)]) == 1
    assert "[output-exists]" in capsys.readouterr().err and foreign.read_text() == '{"title": "my own schema"}\n'
    assert main(["schema", "--out", str(out), "--force"]) == 0
    assert Path(f"{foreign}.~1~").read_text() == '{"title": "my own schema"}\n'


def test_synth_into_a_folder_with_other_files_refuses_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "synthetic"
    assert main(["synth", "--docs", "2", "--seed", "1", "--out", str(out)]) == 0
    assert main(["synth", "--docs", "2", "--seed", "1", "--out", str(out)]) == 0  # the same bytes: harmless
    predictions = out / "predictions.jsonl"
    predictions.write_text(HAND_EDIT)
    capsys.readouterr()
    assert main(["synth", "--docs", "2", "--seed", "1", "--out", str(out)]) == 1
    assert "[output-exists]" in capsys.readouterr().err and predictions.read_text() == HAND_EDIT
    assert main(["synth", "--docs", "2", "--seed", "1", "--out", str(out), "--force"]) == 0
    assert "kept 1 previous file(s)" in capsys.readouterr().err
    assert Path(f"{predictions}.~1~").read_text() == HAND_EDIT


# --- [paths] stay inside the project --------------------------------------------------------------------------


def _project_with(tmp_path: Path, paths: str) -> Path:
    root = tmp_path / "proj"
    init_project(root, name="proj")
    config = root / "communique.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"\[paths\][^\[]*", "[paths]\n" + paths + "\n\n", text), encoding="utf-8")
    (root / "seeds" / "oslo.txt").write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    meta = f"id: oslo\nsource_file: oslo.txt\nsource_sha256: {digest}\n"
    (root / "seeds" / "oslo.meta.yaml").write_text(meta, encoding="utf-8")
    return root


def test_a_config_path_leading_outside_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project_with(tmp_path, 'corpus = "../elsewhere"')
    monkeypatch.chdir(root)
    assert main(["corpus", "build"]) == 1
    err = capsys.readouterr().err
    assert "[path-outside-project]" in err and f"{root / 'communique.toml'}:" in err and "elsewhere" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # nothing written beside the project
    assert sorted(p.name for p in (root / "corpus").iterdir()) == []
    # on the command line a path may point anywhere: the user asked for it there (with a valid config)
    (root / "communique.toml").write_text('[dataset]\nname = "proj"\n', encoding="utf-8")
    assert main(["corpus", "build", "--corpus", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "oslo.json").is_file()


@pytest.mark.parametrize(
    "paths",
    [
        'seeds = "seeds"\ncorpus = "/tmp/corpus"',  # absolute
        'gold = "annotations/../../gold"',  # `..` past the root
        'annotations = "link"',  # a symlink out of the project
    ],
)
def test_absolute_dotdot_and_symlinked_paths_are_located_errors(tmp_path: Path, paths: str) -> None:
    root = _project_with(tmp_path, paths)
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(CommuniqueError) as exc:
        find_project(root)
    [found] = exc.value.issues
    lines = (root / "communique.toml").read_text(encoding="utf-8").splitlines()
    assert found.code == "path-outside-project" and found.line is not None
    assert (
        lines[found.line - 1] == paths.splitlines()[-1]
        and found.path == "$.paths." + lines[found.line - 1].split(" = ")[0]
    )


def test_paths_inside_the_project_are_fine_however_written(tmp_path: Path) -> None:
    root = _project_with(tmp_path, 'corpus = "seeds/../corpus"\ngold = "./annotations/gold"')
    (root / "inner").mkdir()
    (root / "alias").symlink_to(root / "inner")
    project = load_project(root / "communique.toml")
    assert project.path("corpus") == root / "seeds/../corpus"
    config = root / "communique.toml"
    config.write_text(config.read_text().replace('corpus = "seeds/../corpus"', 'corpus = "alias"'))
    assert load_project(config).path("corpus") == root / "alias"  # a symlink that stays inside


# --- a hostile communique.toml ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("[splits]\nmin_documents = " + "9" * 5000 + "\n", "number-too-large", 2),
        ("[dataset]\nname = 'x'\nextra = " + "[" * 100_000 + "]" * 100_000 + "\n", "too-deep", 3),
        ("[dataset]\nextra = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n", "too-deep", 2),
        ('[dataset]\nname = "' + "x" * (1024 * 1024) + '"\n', "input-too-large", None),  # read as every input
    ],
    ids=["huge-integer", "deep-array", "deep-inline-table", "over-1-MiB"],
)
def test_a_hostile_config_is_a_located_coded_error_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str, code: str, line: int
) -> None:
    (tmp_path / "communique.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        find_project(tmp_path)
    [found] = exc.value.issues
    assert found.code == code and found.line == line and found.file == str(tmp_path / "communique.toml")
    monkeypatch.chdir(tmp_path)
    for command in (["validate"], ["corpus", "build"], ["stats"]):
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"[{code}]" in err and "Traceback" not in err and len(err) < 2000, command


def test_brackets_inside_strings_and_comments_do_not_count_as_nesting(tmp_path: Path) -> None:
    deep = "[" * 200
    config = tmp_path / "communique.toml"
    config.write_text(
        f'[dataset]\nname = "{deep}"  # {deep}\ndescription = \'{deep}\'\ncitation = """\n{deep}\n"""\n',
        encoding="utf-8",
    )
    assert load_project(config).dataset.name == deep


INNERS = ['"]]"', "'{{'", '"""\n[[\n"""', "'''\n]\n'''", '"\\"["', "1"]


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(min_value=1, max_value=40), inner=st.sampled_from(INNERS), table=st.booleans())
def test_the_depth_scan_counts_what_toml_nests(depth: int, inner: str, table: bool) -> None:
    """Brackets in strings do not count, arrays and inline tables do: refused exactly beyond 32 levels."""
    opening, closing = ("{a = ", "}") if table else ("[", "]")
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "communique.toml"
        text = f"[dataset]\nname = 'x'\nextra = {opening * depth}{inner}{closing * depth}\n"
        config.write_text(text, encoding="utf-8")
        with pytest.raises(CommuniqueError) as exc:
            load_project(config)
    [found] = exc.value.issues
    if depth > 32:
        assert found.code == "too-deep" and found.line == 3
    else:  # parsed: then refused only for its unknown key
        assert found.code == "config-invalid" and "unknown key 'extra'" in found.message


# --- init -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [["--name", "two\nlines"], ["--name", "  "], ["--description", "a\nb"], ["--name", "bell\x07"]],
    ids=["name-newline", "name-blank", "description-newline", "name-control"],
)
def test_init_refuses_what_later_commands_would_refuse_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    assert main(["init", str(tmp_path / "proj"), *option]) == 1
    err = capsys.readouterr().err
    assert "[config-invalid]" in err and option[0] in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=12), description=st.text(max_size=12))
def test_init_and_the_config_loader_apply_one_rule(name: str, description: str) -> None:
    """Whatever init accepts, every later command reads back unchanged; whatever it refuses, the loader would."""
    accepted = dataset_value_problem("name", name) is None and dataset_value_problem("description", description) is None
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "proj"
        try:
            config = init_project(folder, name=name, description=description)
        except CommuniqueError as exc:
            assert not accepted and {i.code for i in exc.issues} == {"config-invalid"}
            assert not folder.exists()
            return
        assert accepted
        assert load_project(config).dataset == Dataset(name=name, description=description, licence="CC-BY-4.0")


def test_a_refused_init_leaves_nothing_half_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)  # root could write here anyway: communique respects the protection
    try:
        assert main(["init", str(locked)]) == 1
        assert "[output-read-only]" in capsys.readouterr().err and list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)
    # a failure midway: seeds/ and corpus/ are made, then annotations/ (read-only) refuses gold/
    half = tmp_path / "half"
    (half / "annotations").mkdir(parents=True)
    (half / "annotations").chmod(0o555)
    try:
        assert main(["init", str(half)]) == 1
        assert "[output-read-only]" in capsys.readouterr().err
        assert sorted(p.name for p in half.iterdir()) == ["annotations"]  # only what was there before
    finally:
        (half / "annotations").chmod(0o755)
    # a folder that does not exist yet, under a file: nothing at all is created
    (tmp_path / "file").write_text("x")
    assert main(["init", str(tmp_path / "file" / "proj")]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "half", "locked"]


def test_init_writes_every_key_the_documentation_lists(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "reference" / "project.md").read_text(encoding="utf-8")
    block = re.search(r"`communique.toml` \(written by `init`[^\n]*\n\n```toml\n(.*?)```", page, re.S)
    assert block, "docs/reference/project.md documents communique.toml in a toml block"
    documented = tomllib.loads(block[1])
    written = tomllib.loads(init_project(tmp_path / "p", name="p").read_text(encoding="utf-8"))
    assert {t: sorted(v) for t, v in written.items()} == {t: sorted(v) for t, v in documented.items()}
    assert sum(len(v) for v in documented.values()) >= 13


# --- the dataset card -------------------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "a | b",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` $x$",
    "# heading",
    "- item",
    "&lt;script&gt;",
]


def _card(annotators: list[str], dataset: Dataset, title: str) -> str:
    facts = CardFacts(stats=compute_stats([]), dataset=dataset, documents=1, passes=["a<b>", "b`c"])
    facts.add_document({"id": "doc-1", "language": "en", "title": title, "publisher": "x|y", "licence": "<i>"}, [])
    facts.annotators.update(Counter(annotators))
    facts.guidelines_versions.add("2.0")
    facts.agreement_markdown = "(the agreement tables)"
    return render_card(ExportResult(Path("out")), facts)


def test_every_free_text_value_in_the_card_stays_text() -> None:
    # built without validation: a line break in the description is refused in communique.toml, yet the card
    # must stay text whatever reaches it
    dataset = Dataset.model_construct(
        name="<script>alert('name')</script>",
        description="line one <b>bold</b>\n- not a list | not a cell",
        licence="CC|BY <u>",
        citation="```\n<script>alert('citation')</script>\n```",
        annotation_notes="Notes <iframe src=x></iframe>\n\n# not a heading\n    not code",
    )
    card = _card(HOSTILE, dataset, title="Title | <script>alert('title')</script>")
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(card.split("\n---\n", 1)[1])
    for tag in ("<script", "<img", "<iframe", "<b>", "<u>", "<i>", "<a "):
        assert tag not in html, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text it is
    assert "<h1>&lt;script&gt;alert('name')&lt;/script&gt;</h1>" in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert html.count("<h1>") == 1 and "<li>not a list" not in html and "<h1>not a heading" not in html
    # the documents table keeps its six columns: | in a title or publisher opens no cell
    table = re.search(r"<thead>\s*<tr>\s*<th>id</th>.*?</table>", html, re.S)
    assert table
    rows = re.findall(r"<tr>(.*?)</tr>", table[0], re.S)
    assert len(rows) == 2 and [len(re.findall(r"<t[hd][ >]", r)) for r in rows] == [6, 6]
    assert "alert('citation')" in card and re.search(r"<pre><code>.*alert\(.*citation", html, re.S)
    assert "<code>a&lt;b&gt;</code>" in html  # pass folder names are code spans


@given(value=st.text(max_size=40))
def test_markdown_text_never_leaves_markup(value: str) -> None:
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(f"| x |\n|---|\n| {markdown_text(value)} |")
    assert "<" not in re.sub(r"</?(table|thead|tbody|tr|th|td)>", "", html)
    assert html.count("<td>") == 1
    assert markdown_code(value).startswith("`")


# --- drafts in the exports --------------------------------------------------------------------------------------


def _mark_draft(gold: Path) -> None:
    text = gold.read_text(encoding="utf-8")
    marked, n = re.subn(r"(\n(\s*)- id: berg\n)", r"\1\2  review: draft\n", text, count=1)
    assert n == 1, "the gold has the official berg"
    gold.write_text(marked, encoding="utf-8")


@pytest.mark.parametrize(
    "target",
    [["hf", "--no-verify"], ["brat"], ["plover"], ["label-studio"]],
    ids=["hf", "brat", "plover", "label-studio"],
)
def test_exports_say_they_export_drafts_and_strict_refuses(
    project: Path, capsys: pytest.CaptureFixture[str], target: list[str]
) -> None:
    gold = project / "annotations" / "gold" / "oslo-talks.yaml"
    _mark_draft(gold)
    out = project / "dist" / target[0]
    out_args = ["--out", str(out) + (".jsonl" if target[0] == "plover" else "")]
    assert main(["export", *target, *out_args, "--strict"]) == 1
    err = capsys.readouterr().err
    shown = "annotations/gold/oslo-talks.yaml"  # as the project gives it, relative to the working folder
    assert "[review-draft]" in err and shown in err and "1 item(s)" in err
    assert not os.path.exists(out_args[1])  # nothing written
    assert main(["export", *target, *out_args, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert f"{shown}:1:1: $: [review-draft] warning: 1 item(s)" in captured.err
    document = json.loads(captured.out)
    assert document["warnings"] == 1 and document["problems"][0]["file"] == shown
    assert os.path.exists(out_args[1])
    gold.write_text(gold.read_text(encoding="utf-8").replace("review: draft", ""), encoding="utf-8")
    assert main(["export", *target, *out_args, "--strict"]) == 0
    assert "review-draft" not in capsys.readouterr().err


def test_read_only_protection_still_wins_over_force(tmp_path: Path) -> None:
    out = tmp_path / "locked.yaml"
    out.write_text(HAND_EDIT)
    out.chmod(stat.S_IRUSR)
    try:
        with pytest.raises(CommuniqueError) as exc:
            write_new_or_forced(out, "x", force=True)
        assert [i.code for i in exc.value.issues] == ["output-read-only"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.yaml"]
    finally:
        out.chmod(0o644)


def test_add_does_not_replace_a_metadata_file_written_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    init_project(root, name="proj")
    meta = root / "seeds" / "oslo.meta.yaml"
    meta.write_text("id: oslo\ntitle: written by hand first\n", encoding="utf-8")
    (tmp_path / "oslo.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        add_text(tmp_path / "oslo.txt", root / "seeds", root / "corpus")
    assert [i.code for i in exc.value.issues] == ["output-exists"] and str(meta) in exc.value.issues[0].message
    assert meta.read_text(encoding="utf-8") == "id: oslo\ntitle: written by hand first\n"
    assert sorted(p.name for p in (root / "seeds").iterdir()) == ["oslo.meta.yaml"]
