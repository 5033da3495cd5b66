"""A corrupt corpus document (issue 17): `validate` reports it, located and coded, and no later command meets it
unannounced — each ends with `[corpus-invalid]` and exit 1, never a traceback. Each test uses a small corpus."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.cli.main import main
from communique.corpus.build import load_corpus_document, make_document, serialise, sha256_text
from communique.corpus.store import CorpusStore, CorpusUnreadable
from communique.schema.models import SEGMENTATION, CorpusDocument, SeedMetadata, corpus_file_problems
from communique.synth.generate import synthesise

from .conftest import write_corpus_document

TEXT = (
    "Talks in Tehran\n\nMr José Babar met the minister in Tehran. They talked.\n\nMr Babar said the talks went well.\n"
)
GOLD = f"""schema_version: "2.1"
document_id: doc
text_sha256: {sha256_text(TEXT)}
guidelines_version: "2.1"
annotators: [test]
officials:
  - id: babar
    name: José Babar
    title: null
    rank: null
    country: null
    organisation: null
    participation: mentioned
    mentions:
      - {{start: 20, end: 30, text: José Babar, form: name}}
"""

Data = dict[str, Any]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Data], None]:
    def corrupt(data: Data) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return corrupt


def _delete(key: str) -> Callable[[Data], None]:
    return lambda data: data.pop(key)


def _offsets(starts: list[Any], lengths: list[Any]) -> dict[str, list[Any]]:
    return {"starts": starts, "lengths": lengths}


# each array in turn: wrong types, unsorted, overlapping, outside the text, odd-length, negative
ARRAYS = {
    "not-an-object": lambda size: [[0, 5]],
    "string-offset": lambda size: _offsets(["0"], [3]),
    "float-length": lambda size: _offsets([0], [3.0]),
    "boolean-offset": lambda size: _offsets([True], [3]),
    "unsorted": lambda size: _offsets([10, 0], [2, 2]),
    "overlapping": lambda size: _offsets([0, 2], [5, 5]),
    "past-the-end": lambda size: _offsets([size - 1], [2]),
    "start-past-the-end": lambda size: _offsets([size + 100], [1]),
    "odd-length": lambda size: _offsets([0, 5], [2]),
    "negative-start": lambda size: _offsets([-1], [3]),
    "negative-length": lambda size: _offsets([4], [-2]),
    "zero-length": lambda size: _offsets([4], [0]),
    "extra-key": lambda size: {"starts": [0], "lengths": [1], "ends": [1]},
    "huge": lambda size: _offsets([10**30], [1]),
}
SIZE = len(TEXT)
CORRUPTIONS: dict[str, tuple[Callable[[Data], None], str]] = {
    f"{name}-{kind}": (_set((name,), make(SIZE)), f"$.{name}") for name in SEGMENTATION for kind, make in ARRAYS.items()
}
CORRUPTIONS |= {
    "metadata-list": (_set(("metadata",), [1, 2]), "$.metadata"),
    "metadata-string": (_set(("metadata",), "x"), "$.metadata"),
    "metadata-bad-field": (_set(("metadata", "language"), 5), "$.metadata.language"),
    "metadata-other-id": (_set(("metadata", "id"), "other"), "$.metadata.id"),
    "text-edited": (_set(("text",), TEXT.replace("Tehran", "Teheran")), "$.sha256"),
    "text-number": (_set(("text",), 5), "$.text"),
    "text-lone-surrogate": (_set(("text",), "\ud800" + TEXT[1:]), "$.text"),
    "sha256-number": (_set(("sha256",), 5), "$.sha256"),
    "id-other": (_set(("id",), "other"), "$.id"),
    "id-list": (_set(("id",), ["doc"]), "$.id"),
    "normalisations-unknown": (_set(("normalisations",), ["zap"]), "$.normalisations"),
    "normalisations-string": (_set(("normalisations",), "nfc"), "$.normalisations"),
    "unknown-key": (_set(("extra",), 1), "$.extra"),
    "sections-object": (_set(("sections",), {"index": 0}), "$.sections"),
    "section-odd-span": (_set(("sections", 0, "span"), [5]), "$.sections[0].span"),
    "section-span-outside": (_set(("sections", 0, "span"), [0, SIZE + 1]), "$.sections[0].span"),
    "section-reversed-span": (_set(("sections", 0, "span"), [9, 2]), "$.sections[0].span"),
    "section-heading-strings": (_set(("sections", 0, "heading"), ["0", "5"]), "$.sections[0].heading"),
    "section-paragraph-outside": (_set(("sections", 0, "paragraphs"), [99]), "$.sections[0].paragraphs"),
    "section-paragraph-negative": (_set(("sections", 0, "paragraphs"), [-1]), "$.sections[0].paragraphs"),
    "section-index": (_set(("sections", 0, "index"), 7), "$.sections[0].index"),
    "section-missing-key": (lambda data: data["sections"][0].pop("span"), "$.sections[0]"),
    **{f"missing-{key}": (_delete(key), f"$.{key}") for key in ("tokens", "metadata", "normalisations", "sha256")},
}


def _base(root: Path) -> Data:
    """The sound corpus document of the project, parsed."""
    data: Data = json.loads((root / "corpus" / "doc.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-document project: corpus, valid gold, an empty prediction line; the working directory."""
    monkeypatch.setenv("COMMUNIQUE_RECORDS", str(tmp_path / "records"))
    monkeypatch.chdir(tmp_path)
    write_corpus_document(tmp_path / "corpus", "doc", TEXT)
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "doc.yaml").write_text(GOLD, encoding="utf-8")
    (tmp_path / "pred.jsonl").write_text(json.dumps({"document_id": "doc"}) + "\n", encoding="utf-8")
    return tmp_path


def _commands(root: Path) -> dict[str, list[str]]:
    corpus, gold = ["--corpus", str(root / "corpus")], str(root / "gold")
    return {
        "validate": ["validate", gold, *corpus],
        "export hf": ["export", "hf", "--gold", gold, *corpus, "--passes", "", "--out", str(root / "hf")],
        "export brat": ["export", "brat", "--gold", gold, *corpus, "--out", str(root / "brat")],
        "bench": ["bench", "--predictions", str(root / "pred.jsonl"), "--gold", gold, *corpus, "--samples", "10"],
        "render": ["render", "--gold", gold, *corpus, "--out", str(root / "doc.html")],
    }


def test_the_sound_document_passes_every_command(project: Path, capsys: pytest.CaptureFixture[str]):
    assert corpus_file_problems(_base(project), "doc") == []
    for name, argv in _commands(project).items():
        assert main([*argv, "--format", "json"]) == 0, name
    capsys.readouterr()


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupt_corpus_document_is_reported_by_every_command(
    project: Path, name: str, capsys: pytest.CaptureFixture[str]
):
    corrupt, where = CORRUPTIONS[name]
    data = _base(project)
    corrupt(data)
    (project / "corpus" / "doc.json").write_text(json.dumps(data), encoding="utf-8")  # escapes a lone surrogate
    found = corpus_file_problems(data, "doc")
    assert found and found[0][0].startswith(where), found  # located at the corrupt key
    for command, argv in _commands(project).items():
        assert main(argv) == 1, command
        out, err = capsys.readouterr()
        assert "[corpus-invalid]" in err, (command, err)
        assert "Traceback" not in out + err
        if command == "validate":  # at the gold file's document_id, naming the place in the corpus document
            assert f"{project / 'gold' / 'doc.yaml'}:2:" in err and where in err, err
    assert not any((project / out).exists() for out in ("hf", "brat", "doc.html"))


def test_every_reader_of_a_corpus_document_refuses_a_corrupt_one(project: Path, capsys: pytest.CaptureFixture[str]):
    data = _base(project)
    data["tokens"]["starts"][1] = data["tokens"]["starts"][0]  # an overlap
    path = project / "corpus" / "doc.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for read in (CorpusStore(project / "corpus").get, CorpusStore(project / "corpus").view):
        with pytest.raises(CorpusUnreadable) as raised:
            read("doc")
        assert raised.value.issues[0].code == "corpus-invalid" and raised.value.issues[0].path == "$.tokens.starts[1]"
    with pytest.raises(CorpusUnreadable):
        load_corpus_document(path)
    corpus = ["--corpus", str(project / "corpus")]
    for argv in (
        ["extract", "--method", "rules", *corpus, "--out", str(project / "p.jsonl")],
        ["draft", "doc", "--from", "rules", *corpus, "--out", str(project / "draft.yaml")],
        ["render", "--predictions", str(project / "pred.jsonl"), *corpus, "--out", str(project / "p.html")],
        ["export", "plover", "--gold", str(project / "gold"), *corpus, "--out", str(project / "e.jsonl")],
        ["export", "label-studio", "--gold", str(project / "gold"), *corpus, "--out", str(project / "l.json")],
        ["anchor", str(project / "gold"), *corpus],
        ["bench", "--predictions", str(project / "pred.jsonl"), "--gold", str(project / "gold"), *corpus, "--jobs=2"],
    ):
        assert main(argv) == 1, argv
        out, err = capsys.readouterr()
        assert "[corpus-invalid]" in err and "Traceback" not in out + err, (argv, err)


def test_a_corpus_file_that_is_not_json_is_reported(project: Path, capsys: pytest.CaptureFixture[str]):
    path = project / "corpus" / "doc.json"
    for content in (b"{", b"[1, 2]", b'{"id": ' + b"1" * 5000 + b"}", b"[" * 100_000, b"\xff\xfe"):
        path.write_bytes(content)
        assert main(["validate", str(project / "gold"), "--corpus", str(project / "corpus")]) == 1
        out, err = capsys.readouterr()
        assert "[corpus-invalid]" in err and "Traceback" not in out + err


def test_the_span_form_of_older_files_is_still_read_and_checked(tmp_path: Path):
    document = load_corpus_document(_write(tmp_path, TEXT))
    assert corpus_file_problems(json.loads(document.model_dump_json()), "doc") == []
    spans = document.model_dump(mode="json", exclude_defaults=True)  # as files were written before issue 13
    assert set(spans["tokens"][0]) == {"start", "end", "text"}
    assert corpus_file_problems(spans, "doc") == []
    assert CorpusDocument.model_validate(spans) == document
    spans["tokens"][2]["text"] = "x"
    assert corpus_file_problems(spans, "doc")[0][0] == "$.tokens[2].text"
    spans["tokens"][2] = spans["tokens"][1]
    assert corpus_file_problems(spans, "doc")[0][0] == "$.tokens[2]"


def _write(root: Path, text: str) -> Path:
    write_corpus_document(root, "doc", text)
    return root / "doc.json"


def test_the_bundled_and_synthetic_corpora_pass_the_check(tmp_path: Path):
    list(synthesise(tmp_path, 4, 3))
    paths = sorted((tmp_path / "corpus").glob("*.json")) + sorted(
        (Path(__file__).parent.parent / "corpus").glob("*.json")
    )
    assert len(paths) >= 5
    for path in paths:
        assert corpus_file_problems(json.loads(path.read_bytes()), path.stem) == [], path


words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=10)
texts = st.lists(st.lists(words, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=5).map("\n\n".join)


def _naive(stored: Any, size: int) -> bool:
    """The reference: every span one by one, as the definition says."""
    starts, lengths = stored["starts"], stored["lengths"]
    if len(starts) != len(lengths):
        return False
    previous = 0
    for start, length in zip(starts, lengths):
        if type(start) is not int or type(length) is not int or length < 1 or start < previous or start < 0:
            return False
        if start + length > size:
            return False
        previous = start + length
    return True


@given(texts, st.sampled_from(SEGMENTATION), st.data())
@settings(max_examples=150, deadline=None)
def test_the_fast_check_agrees_with_the_span_by_span_reference(text: str, name: str, data: st.DataObject):
    meta = SeedMetadata(id="doc", source_file="doc.txt", source_sha256=sha256_text(text))
    stored = json.loads(serialise(make_document(text.encode("utf-8"), meta)))
    assert corpus_file_problems(stored, "doc") == []
    offsets = stored[name]
    if offsets["starts"]:
        which = data.draw(st.sampled_from(["starts", "lengths"]))
        index = data.draw(st.integers(0, len(offsets[which]) - 1))
        offsets[which][index] = data.draw(st.integers(-3, len(stored["text"]) + 3) | st.just("1"))
    size = len(stored["text"])
    assert (corpus_file_problems(stored, "doc") == []) == _naive(offsets, size)
