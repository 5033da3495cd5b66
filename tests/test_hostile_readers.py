"""Hostile input to the readers of outside data (issue 17, part C), at small sizes; the large sizes are cases
of ``benchmarks/hostile.py``. Each case checks the exit status, the code and where the problem is located,
and that no traceback is printed.

* inputs that are no regular file (FIFOs, folders, devices) or larger than their cap, for every command that
  reads a file the user gives; FIFOs go through a child process, so that a regression blocks that process
  (stopped after minutes) rather than the test run;
* JSON Lines split on ``\\n`` only: a valid line holding a raw U+2028 or U+0085 goes through ``draft``,
  ``render --predictions`` and ``bench``;
* ``convert`` on every hostile input of the issue (hf, Label Studio, spaCy DocBins);
* DocBins that decompress or unpack far beyond their size;
* a prediction file whose name holds a line break, drafted.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from communique.annotate.validate import find_annotation_files, validate_file
from communique.cli.main import main
from communique.corpus.store import CorpusStore
from communique.formats.spacy import DOCBIN_FLOOR, check_docbin, inflate_docbin, msgpack_objects
from communique.io.parse import MAX_JSON_DEPTH, ParseFailure, parse_json
from communique.io.read import InputRefused, json_lines, read_input
from communique.schema.errors import CommuniqueError

from .conftest import write_corpus_document

DOC = "talks"
TEXT = (
    "Defence Minister Anna Berg met Jan Kowal in Oslo.\n\n"
    "Berg said the talks went well\u2028and\u0085calm. Kowal left.\n"
)
COMMUNIQUE = [sys.executable, "-m", "communique"]
HANG_GUARD = 300  # seconds: only a regression (a blocking read) comes near it


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with one corpus document made from TEXT, as the working directory."""
    (tmp_path / "communique.toml").write_text('[dataset]\nname = "hostile"\n', encoding="utf-8")
    for folder in ("seeds", "annotations/gold"):
        (tmp_path / folder).mkdir(parents=True)
    write_corpus_document(tmp_path / "corpus", DOC, TEXT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``communique ARGS`` in this process: exit status and stderr (which never holds a traceback)."""
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def run_child(args: list[str], cwd: Path) -> tuple[int, str]:
    """``communique ARGS`` in a child process (for inputs that could block a reader)."""
    proc = subprocess.run(
        [*COMMUNIQUE, *args], cwd=cwd, capture_output=True, text=True, timeout=HANG_GUARD, stdin=subprocess.DEVNULL
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stderr


def problems(err: str) -> list[str]:
    """The ``FILE:LINE:COL: PATH: [code] ...`` lines of stderr."""
    return [line for line in err.splitlines() if ": [" in line]


def the_problem(err: str, code: str) -> str:
    """The one reported problem with ``code``."""
    found = [line for line in problems(err) if f"[{code}]" in line]
    assert len(found) == 1, err
    return found[0]


# ------------------------------------------------------------------------------------ the one reader


def test_a_fifo_a_folder_and_a_device_are_refused_before_any_read(tmp_path: Path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)  # nothing ever writes to it: a blocking open or read would never return
    for path, kind in ((fifo, "FIFO"), (tmp_path, "folder"), (Path("/dev/zero"), "device")):
        with pytest.raises(InputRefused) as refused:
            read_input(path)
        assert refused.value.issue.code == "input-not-regular"
        assert refused.value.issue.file == str(path) and kind in refused.value.issue.message
    with pytest.raises(InputRefused) as refused:
        read_input(tmp_path / "missing.txt")
    assert refused.value.issue.code == "file-not-found"


def test_a_file_over_its_cap_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"x" * 1000)
    assert read_input(path, 1000) == b"x" * 1000
    with pytest.raises(InputRefused) as refused:
        read_input(path, 999)
    assert refused.value.issue.code == "input-too-large" and "1,000 bytes" in refused.value.issue.message
    # a sparse file of 2 GB costs nothing to refuse: its size is known before a byte is read
    sparse = tmp_path / "sparse.jsonl"
    with sparse.open("wb") as handle:
        handle.truncate(2 << 30)
    with pytest.raises(InputRefused) as refused:
        read_input(sparse)
    assert refused.value.issue.code == "input-too-large" and "COMMUNIQUE_MAX_INPUT_MB" in (
        refused.value.issue.hint or ""
    )
    # the default cap is the user's to change
    monkeypatch.setenv("COMMUNIQUE_MAX_INPUT_MB", "0.0005")  # 524 bytes
    with pytest.raises(InputRefused):
        read_input(path)
    monkeypatch.setenv("COMMUNIQUE_MAX_INPUT_MB", "lots")
    with pytest.raises(CommuniqueError) as bad:
        read_input(path)
    assert bad.value.issues[0].code == "invalid-value"


def test_standard_input_is_read_within_the_cap(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"y" * 50)))
    assert read_input("-", 50, stdin=True) == b"y" * 50
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"y" * 51)))
    with pytest.raises(InputRefused) as refused:
        read_input("-", 50, stdin=True)
    assert refused.value.issue.code == "input-too-large" and refused.value.issue.file == "<stdin>"


def _prediction(**extra: Any) -> dict[str, Any]:
    start = TEXT.index("the talks")
    end = TEXT.index(". Kowal")
    return {
        "document_id": DOC,
        "officials": [{"id": "berg", "name": "Anna Berg", "mentions": [{"text": "Anna Berg"}]}],
        "attributions": [
            {"speaker_id": "berg", "contents": [{"start": start, "end": end, "text": TEXT[start:end]}]},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    "command",
    [
        ["add", "{fifo}"],
        ["validate", "{fifo}"],
        ["bench", "--predictions", "{fifo}"],
        ["draft", DOC, "--from", "{fifo}"],
        ["render", "--predictions", "{fifo}", "--out", "page.html"],
        ["convert", "--from", "hf", "{fifo}"],
        ["convert", "--from", "labelstudio", "{fifo}"],
        ["convert", "--from", "conll", "{fifo}"],
        ["convert", "--from", "spacy", "{fifo}"],
        ["import", "label-studio", "{fifo}", "--out", "imported"],
        ["agree", "{fifo}", "{fifo}"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_every_command_refuses_a_fifo_at_once(world: Path, command: list[str]):
    fifo = world / "input.yaml"
    os.mkfifo(fifo)
    code, err = run_child([part.replace("{fifo}", str(fifo)) for part in command], world)
    assert code == 1, err
    assert str(fifo) in the_problem(err, "input-not-regular")


def test_a_fifo_among_annotation_or_brat_files_is_reported_not_waited_for(world: Path, capsys):
    gold = world / "annotations" / "gold"
    os.mkfifo(gold / "stuck.yaml")
    (gold / "folder.yaml").mkdir()  # a folder with an annotation suffix is walked, not read
    listed = list(find_annotation_files([gold]))
    assert listed == [gold / "stuck.yaml"]
    assert validate_file(listed[0], CorpusStore(world / "corpus")).issues[0].code == "input-not-regular"
    code, err = run_child(["validate"], world)
    assert code == 1 and "stuck.yaml" in the_problem(err, "input-not-regular")
    # a brat folder, for import and convert: the .ann (and then the .txt) is a FIFO
    brat = world / "brat"
    brat.mkdir()
    os.mkfifo(brat / f"{DOC}.ann")
    (brat / f"{DOC}.txt").write_text(TEXT, encoding="utf-8")
    (brat / "communique.json").write_text(
        json.dumps({DOC: {"annotators": ["t"], "guidelines_version": "2.1"}}), encoding="utf-8"
    )
    for command in (["import", "brat", str(brat), "--out", "imported"], ["convert", "--from", "brat", str(brat)]):
        code, err = run_child(command, world)
        assert code == 1 and f"{DOC}.ann" in the_problem(err, "input-not-regular"), err
    (brat / f"{DOC}.ann").unlink()
    (brat / f"{DOC}.ann").write_text("", encoding="utf-8")
    (brat / f"{DOC}.txt").unlink()
    os.mkfifo(brat / f"{DOC}.txt")
    code, err = run_child(["import", "brat", str(brat), "--out", "imported"], world)
    assert code == 1 and f"{DOC}.txt" in the_problem(err, "input-not-regular"), err


def test_a_folder_or_device_given_as_a_file_is_refused(world: Path, capsys):
    code, err = run(["add", str(world / "seeds")], capsys)
    assert code == 1 and "a folder" in the_problem(err, "input-not-regular")
    code, err = run(["bench", "--predictions", "/dev/null"], capsys)
    assert code == 1 and "a device" in the_problem(err, "input-not-regular")


def test_a_prediction_file_over_the_cap_is_refused_by_bench(world: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    pred = world / "pred.jsonl"
    pred.write_text(json.dumps(_prediction()) + "\n", encoding="utf-8")
    monkeypatch.setenv("COMMUNIQUE_MAX_INPUT_MB", str(100 / 2**20))  # 100 bytes
    code, err = run(["bench", "--predictions", str(pred)], capsys)
    assert code == 1 and "pred.jsonl" in the_problem(err, "input-too-large")


# ------------------------------------------------------------------------------------ JSON Lines


def test_json_lines_split_on_line_feeds_only_and_locate_every_problem():
    lines = [
        json.dumps({"note": "a\u2028b\u0085c\u2029d\x1ce\x0cf"}, ensure_ascii=False),  # raw separators
        "",
        '{"score": NaN}',
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        '{"a": 1, "a": 2}',
        '{"n": ' + "7" * 5000 + "}",
        '{"ok": true}\r',
    ]
    read = list(json_lines("\n".join(lines), "p.jsonl"))
    assert [line.number for line in read] == [1, 3, 4, 5, 6, 7]
    assert read[0].value == {"note": "a\u2028b\u0085c\u2029d\x1ce\x0cf"} and read[0].problem is None
    found = [(line.problem.code, line.problem.file, line.problem.line, line.problem.column) for line in read[1:5]]
    assert found == [
        ("number-not-finite", "p.jsonl", 3, 11),
        ("too-deep", "p.jsonl", 4, 1),
        ("json-syntax", "p.jsonl", 5, 1),
        ("number-too-large", "p.jsonl", 6, 7),
    ]
    assert read[5].value == {"ok": True}


def test_strict_json_refuses_nan_and_infinities_outside_strings_only():
    assert parse_json('{"a": "NaN Infinity"}') == {"a": "NaN Infinity"}
    for text, column in (("[1, -Infinity]", 5), ('{"x": "NaN",\n "y": Infinity}', 7)):
        with pytest.raises(ParseFailure) as failure:
            parse_json(text)
        assert failure.value.issue.code == "number-not-finite"
        assert failure.value.issue.column == column


def _gold() -> dict[str, Any]:
    from communique.corpus.build import sha256_text

    start = TEXT.index("Anna Berg")
    return {
        "schema_version": "2.1",
        "document_id": DOC,
        "text_sha256": sha256_text(TEXT),
        "guidelines_version": "2.1",
        "annotators": ["test"],
        "officials": [
            {
                "id": "berg",
                "name": "Anna Berg",
                "title": None,
                "rank": None,
                "country": None,
                "organisation": None,
                "participation": "mentioned",
                "mentions": [{"start": start, "end": start + 9, "text": "Anna Berg", "form": "name"}],
            }
        ],
    }


@pytest.mark.parametrize("separator", ["\u2028", "\u0085"])
def test_a_valid_line_holding_a_line_separator_goes_through_draft_render_and_bench(world: Path, capsys, separator: str):
    line = _prediction(meta={"note": f"one{separator}two"})
    assert separator in line["attributions"][0]["contents"][0]["text"]
    pred = world / "pred.jsonl"
    pred.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert separator in pred.read_text(encoding="utf-8")  # written raw, as convert and extract write it
    code, err = run(["draft", DOC, "--from", str(pred), "--out", "draft.yaml"], capsys)
    assert code == 0, err
    # the draft keeps the separator in the span's text (written as a YAML escape, which every reader reads back)
    code, err = run(["validate", "draft.yaml"], capsys)
    assert code == 0 and "[span-text-mismatch]" not in err, err
    code, err = run(["render", "--predictions", str(pred), "--out", "page.html"], capsys)
    assert code == 0, err
    assert "Anna Berg" in (world / "page.html").read_text(encoding="utf-8")
    (world / "annotations" / "gold" / f"{DOC}.json").write_text(json.dumps(_gold()), encoding="utf-8")
    code, err = run(
        ["bench", "--predictions", str(pred), "--format", "json", "--samples", "10", "--out", "report.json"], capsys
    )
    assert code == 0, err
    report = json.loads((world / "report.json").read_text(encoding="utf-8"))
    assert report["errors"] == 0 and report["predictions"]["documents"] == 1 and report["gold"]["documents"] == 1


# ------------------------------------------------------------------------------------ convert


def _hf(world: Path, name: str, text: str) -> Path:
    path = world / name
    path.write_text(text, encoding="utf-8")
    return path


ENTITY = '{"start": 17, "end": 26, "entity_group": "PER", "score": 0.9}'


@pytest.mark.parametrize(
    ("line", "code", "where"),
    [
        ('{"document_id": "talks", "entities": [{"start": ' + "1" * 5000 + "}]}", "number-too-large", ":2:49: $:"),
        ('{"document_id": "talks", "entities": ' + "[" * 100_000 + "]" * 100_000 + "}", "too-deep", ":2:1: $:"),
        ('{"document_id": ["talks"], "entities": []}', "convert-bad-input", ":2:1: $.document_id:"),
        ('{"document_id": {"id": "talks"}, "entities": []}', "convert-bad-input", ":2:1: $.document_id:"),
        ('{"document_id": "talks", "entities": ["Anna Berg"]}', "convert-bad-input", ":2:1: $.entities[0]:"),
        ('{"document_id": "talks", "entities": [42]}', "convert-bad-input", ":2:1: $.entities[0]:"),
        ('{"document_id": "talks", "entities": [{"start": 1}]}', "convert-bad-input", ":2:1: $.entities[0]:"),
        (
            '{"document_id": "talks", "entities": [{"start": 1.5, "end": 3}]}',
            "convert-bad-input",
            "$.entities[0].start:",
        ),
        ('{"document_id": "talks", "entities": [{"start": 17, "end": 26, "score": NaN}]}', "number-not-finite", ":2:"),
        (
            '{"document_id": "talks", "entities": [{"start": 17, "end": 26, "score": 1e999}]}',
            "convert-bad-input",
            "$.entities[0].score:",
        ),
        (
            '{"document_id": "talks", "entities": [{"start": 17, "end": 26, "score": "high"}]}',
            "convert-bad-input",
            "$.entities[0].score:",
        ),
        ('["talks"]', "convert-bad-input", ":2:1: $:"),
        ('{"document_id": "talks", "entities": []}', "convert-duplicate-document", ":2:1: $:"),
    ],
    ids=[
        "5000-digit int",
        "deep",
        "id list",
        "id object",
        "entity string",
        "entity number",
        "start without end",
        "float offset",
        "NaN",
        "Infinity",
        "string score",
        "line not an object",
        "two lines for one document",
    ],
)
def test_convert_hf_hostile_lines_end_in_a_located_coded_error(world: Path, capsys, line: str, code: str, where: str):
    first = '{"document_id": "talks", "entities": [' + ENTITY + "]}"
    path = _hf(world, "hf.jsonl", first + "\n" + line + "\n")
    status, err = run(["convert", "--from", "hf", str(path), "--out", "out.jsonl"], capsys)
    assert status == 1
    found = the_problem(err, code)
    assert found.startswith(str(path)) and where in found, found
    assert "nothing converted" in err and not (world / "out.jsonl").exists()


def test_convert_hf_reports_the_offsets_it_drops(world: Path, capsys):
    entities = [json.loads(ENTITY)] + [
        {"start": s, "end": e, "entity_group": "PER"} for s, e in ((-3, 2), (30, 20), (30, 30), (40, 10_000))
    ]
    path = _hf(world, "hf.jsonl", json.dumps({"document_id": DOC, "entities": entities}) + "\n")
    status, err = run(["convert", "--from", "hf", str(path), "--out", "out.jsonl"], capsys)
    assert status == 0
    dropped = [line for line in problems(err) if "[convert-span-dropped]" in line]
    assert [d.split(": ")[1] for d in dropped] == [f"$.entities[{i}]" for i in (1, 2, 3, 4)]
    assert all(d.startswith(f"{path}:1:") for d in dropped)
    assert "negative" in dropped[0] and "reversed" in dropped[1] and "beyond" in dropped[3]
    (kept,) = [json.loads(x) for x in (world / "out.jsonl").read_text(encoding="utf-8").split("\n") if x]
    assert [m["text"] for o in kept["officials"] for m in o["mentions"]] == ["Anna Berg"]


def _ls(world: Path, tasks: Any) -> Path:
    path = world / "ls.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _task(value: dict[str, Any] | None = None, data: Any = None) -> dict[str, Any]:
    result = {"id": "r1", "type": "labels", "value": value or {"start": 17, "end": 26, "labels": ["PERSON"]}}
    return {
        "id": 7,
        "data": {"document_id": DOC, "text": TEXT} if data is None else data,
        "annotations": [{"result": [result]}],
    }


@pytest.mark.parametrize(
    ("task", "path"),
    [
        (_task({"start": "17", "end": 26, "labels": ["PERSON"]}), "$[1].annotations[0].result[0].value.start"),
        (_task({"start": 17, "end": 26.5, "labels": ["PERSON"]}), "$[1].annotations[0].result[0].value.end"),
        (_task({"start": 17, "end": None, "labels": ["PERSON"]}), "$[1].annotations[0].result[0].value.end"),
        (_task(data=DOC), "$[1].data"),
        (_task(data={"document_id": [DOC], "text": TEXT}), "$[1].data.document_id"),
        (
            {"id": 8, "data": {"document_id": DOC}, "annotations": [{"result": [{"type": "relation"}]}]},
            "$[1].annotations[0].result[0]",
        ),
        ("not a task", "$[1]"),
    ],
    ids=[
        "string offset",
        "float offset",
        "null offset",
        "data string",
        "id list",
        "relation without ends",
        "task string",
    ],
)
def test_convert_labelstudio_hostile_tasks_end_in_a_located_coded_error(world: Path, capsys, task: Any, path: str):
    other = _task(data={"document_id": "other", "text": "x"})  # task 1: reported too (unknown), not just the first
    status, err = run(["convert", "--from", "labelstudio", str(_ls(world, [other, task]))], capsys)
    assert status == 1
    found = the_problem(err, "convert-bad-input")
    assert f": {path}: " in found and "task 2" in found, found
    assert "task 1" in the_problem(err, "unknown-document")


def test_convert_labelstudio_reports_dropped_offsets_and_refuses_two_tasks_for_one_document(world: Path, capsys):
    status, err = run(
        [
            "convert",
            "--from",
            "labelstudio",
            str(_ls(world, [_task({"start": 80, "end": 5000, "labels": ["PERSON"]})])),
        ],
        capsys,
    )
    assert status == 0 and "$[0].annotations[0].result[0].value" in the_problem(err, "convert-span-dropped")
    status, err = run(["convert", "--from", "labelstudio", str(_ls(world, [_task(), _task()]))], capsys)
    assert status == 1 and "task 2" in the_problem(err, "convert-duplicate-document")


# ------------------------------------------------------------------------------------ spaCy DocBins


@pytest.fixture
def spacy() -> Any:
    return pytest.importorskip("spacy", reason="spaCy is the `convert` extra (pip install -e '.[convert]')")


def _docbin(path: Path, *, document_id: Any = DOC, scores: list[Any] | None = None) -> bytes:
    import spacy
    from spacy.tokens import DocBin, Span, SpanGroup

    nlp = spacy.blank("en")
    doc = nlp(TEXT)
    doc.ents = [Span(doc, 2, 4, label="PERSON")]
    doc.user_data["document_id"] = document_id
    if scores is not None:
        doc.spans["quotes"] = SpanGroup(
            doc, name="quotes", spans=[Span(doc, 11, 14, label="QUOTE")], attrs={"scores": scores}
        )
    data = DocBin(docs=[doc], store_user_data=True).to_bytes()
    path.write_bytes(data)
    return data


def _repacked(path: Path, data: bytes, **changes: Any) -> Path:
    import srsly

    message = srsly.msgpack_loads(zlib.decompress(data))
    message.update(changes)
    path.write_bytes(zlib.compress(srsly.msgpack_dumps(message)))
    return path


def test_convert_spacy_hostile_docbins_end_in_a_located_coded_error(world: Path, capsys, spacy):
    import srsly

    def convert(path: Path) -> str:
        status, err = run(["convert", "--from", "spacy", str(path)], capsys)
        assert status == 1, err
        return err

    good = world / "good.spacy"
    data = _docbin(good, scores=[0.5])
    assert run(["convert", "--from", "spacy", str(good)], capsys)[0] == 0
    _docbin(world / "id.spacy", document_id={"id": DOC})
    err = convert(world / "id.spacy")
    assert "doc 1" in the_problem(err, "convert-bad-input") and ": $.user_data.document_id: " in err
    _docbin(world / "scores.spacy", scores=["high"])
    err = convert(world / "scores.spacy")
    assert ": $.spans.quotes.attrs.scores[0]: " in the_problem(err, "convert-bad-input")
    _docbin(world / "nan.spacy", scores=[float("nan")])
    assert "finite" in the_problem(convert(world / "nan.spacy"), "convert-bad-input")
    # a tampered string store: the hashes of the words are no longer in it
    err = convert(_repacked(world / "strings.spacy", data, strings=[]))
    assert "doc 1" in the_problem(err, "convert-bad-input") and "E018" in err
    # tampered user data: not msgpack, not a mapping
    for name, user_data in (("garbage", b"\xc1\xc1"), ("list", srsly.msgpack_dumps([1, 2]))):
        err = convert(_repacked(world / f"{name}.spacy", data, user_data=[user_data]))
        assert "doc 1 cannot be read" in the_problem(err, "convert-bad-input")
    # not a DocBin at all, and a DocBin without its token table
    (world / "text.spacy").write_text("hello", encoding="utf-8")
    assert "not a spaCy DocBin" in the_problem(convert(world / "text.spacy"), "convert-bad-input")
    message = srsly.msgpack_loads(zlib.decompress(data))
    del message["tokens"]
    (world / "partial.spacy").write_bytes(zlib.compress(srsly.msgpack_dumps(message)))
    assert "not a spaCy DocBin" in the_problem(convert(world / "partial.spacy"), "convert-bad-input")


def _zeros(size: int) -> bytes:
    packer = zlib.compressobj(9)
    step = b"\0" * (1 << 20)
    return b"".join(packer.compress(step) for _ in range(size >> 20)) + packer.flush()


def test_a_zlib_bomb_is_refused_as_it_expands(world: Path, capsys, spacy):
    bomb = _zeros(4 << 20)  # 4 MiB of zeros in about 4 KB
    assert inflate_docbin(bomb, "b.spacy", cap=4 << 20) is not None  # at the cap: read
    with pytest.raises(CommuniqueError) as refused:
        inflate_docbin(bomb, "b.spacy", cap=(4 << 20) - 1)
    assert refused.value.issues[0].code == "decompressed-too-large" and refused.value.issues[0].file == "b.spacy"
    # through the command, with the default cap: more than DOCBIN_FLOOR from about 70 KB
    path = world / "bomb.spacy"
    path.write_bytes(_zeros(DOCBIN_FLOOR + (1 << 20)))
    status, err = run(["convert", "--from", "spacy", str(path)], capsys)
    assert status == 1 and str(path) in the_problem(err, "decompressed-too-large")


def _map_bomb(maps: int) -> bytes:
    """A DocBin message whose ``cats`` are ``maps`` empty maps (one byte each, ~70 bytes each once built)."""
    import srsly

    message = srsly.msgpack_dumps({"attrs": [], "cats": []})
    at = message.index(b"\xa4cats\x90")
    return message[:at] + b"\xa4cats\xdd" + struct.pack(">I", maps) + b"\x80" * maps + message[at + 6 :]


def test_a_docbin_that_unpacks_into_millions_of_objects_is_refused_before_spacy_builds_them(world: Path, capsys, spacy):
    import srsly

    assert msgpack_objects(_map_bomb(1000), 10_000) == 1 + 2 + 1 + 1 + 1000  # the map, two keys, attrs, cats
    with pytest.raises(OverflowError):
        msgpack_objects(_map_bomb(1000), 999)
    # maps packed inside user data count too
    inner = srsly.msgpack_dumps([{}] * 500)
    packed = srsly.msgpack_dumps({"user_data": [inner], "tokens": b"\x80" * 1000})
    assert msgpack_objects(packed, 10_000) == 1 + 2 + 1 + 1 + (1 + 500) + 1
    with pytest.raises(CommuniqueError) as refused:
        check_docbin(zlib.compress(packed), "u.spacy", objects=400)
    assert refused.value.issues[0].code == "decompressed-too-large"
    path = world / "maps.spacy"
    path.write_bytes(zlib.compress(_map_bomb(5_000_000)))  # 5 MB of empty maps in about 5 KB
    status, err = run(["convert", "--from", "spacy", str(path)], capsys)
    assert status == 1 and "objects" in the_problem(err, "decompressed-too-large")


def test_the_object_count_of_real_docbins_is_what_msgpack_builds(tmp_path: Path, spacy):
    """The walker reads spaCy's own output as msgpack does: counted against a reference count of the
    objects msgpack builds (the message, and the user data and span groups packed inside it)."""
    import srsly

    data = _docbin(tmp_path / "real.spacy", scores=[0.5, 0.25])
    message = zlib.decompress(data)

    def reference(value: Any, packed: int = 0) -> int:
        """Objects in ``value``; with ``packed``, each bytes value (a key too) is unpacked, ``packed`` levels."""
        if isinstance(value, dict):
            return 1 + sum(reference(k, packed) + reference(v, packed) for k, v in value.items())
        if isinstance(value, list | tuple):
            return 1 + sum(reference(v, packed) for v in value)
        if isinstance(value, bytes) and packed:
            return 1 + reference(srsly.msgpack_loads(value), packed - 1)
        return 1

    # user data is packed once; span groups twice (a mapping of packed groups, itself packed)
    levels = {"user_data": 1, "span_groups": 2}
    unpacked = srsly.msgpack_loads(message)
    expected = 1 + sum(reference(k) + reference(v, levels.get(k, 0)) for k, v in unpacked.items())
    assert expected > 20
    assert msgpack_objects(message, 10**6) == expected


# ------------------------------------------------------------------------------------ names in headers


def test_a_line_break_in_a_prediction_files_name_cannot_add_lines_to_the_draft(world: Path, capsys):
    pred = world / "evil\n# injected: yes\u2028.jsonl"
    pred.write_text(json.dumps(_prediction()) + "\n", encoding="utf-8")
    code, err = run(["draft", DOC, "--from", str(pred), "--out", "draft.yaml"], capsys)
    assert code == 0, err
    text = (world / "draft.yaml").read_text(encoding="utf-8")
    assert not any(line.startswith("# injected") for line in text.split("\n"))
    comments = [line[line.index("#") :] for line in text.split("\n") if "#" in line]
    assert not any("\u2028" in c for c in comments)
    items = [line for line in text.split("\n") if "review: draft  #" in line]
    assert items and all("# from evil\\n# injected: yes\\u2028.jsonl; guessed" in line for line in items)
    header = text.split("\n")[0]
    assert header.startswith("# Drafted by `communique draft` from evil\\n# injected: yes\\u2028.jsonl")
    # the escaped name is valid free text: the draft validates (warning about its drafts only)
    code, err = run(["validate", "draft.yaml"], capsys)
    assert code == 0 and "[control-character]" not in err, err


@pytest.mark.parametrize("value", ["0b_", "0x_", "._"])
@pytest.mark.parametrize("command", ["validate", "anchor", "migrate"])
def test_a_plain_value_that_looks_like_a_number_is_a_located_yaml_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, command: str
):
    # YAML's number patterns take these for numbers that int() and float() cannot build: a coded, located
    # problem (or, where the reader has no such pattern, a plain string), never a traceback
    path = tmp_path / "doc.yaml"
    path.write_text(f'schema_version: "2.1"\nnotes:\n  - {value}\n', encoding="utf-8")
    code, err = run([command, str(path)], capsys)
    assert code == 1
    if command == "validate" and value == "._":  # PyYAML's float pattern wants a digit: a string, checked on
        assert "[yaml-syntax]" not in err
    else:
        assert f"{path}:3:5: $: [yaml-syntax]" in err and "reads as a number" in err
