"""Validation records: export and bench trust a file validated before, and never a changed one (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique.annotate import load
from communique.annotate.load import iter_validated
from communique.annotate.records import ENV, records_dir, trusted_document
from communique.annotate.validate import find_annotation_files, validate_issues
from communique.corpus.store import CorpusStore
from communique.schema.errors import CommuniqueError
from communique.synth.generate import synthesise


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ENV, str(tmp_path / "records"))
    root = tmp_path / "s"
    list(synthesise(root, 3, 4))
    return root


def _validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files fully validated by the stream from now on (the real validation runs: it is only counted)."""
    calls: list[str] = []
    real = load.validate_file

    def counted(path: Path, store: CorpusStore):  # type: ignore[no-untyped-def]
        calls.append(path.name)
        return real(path, store)

    monkeypatch.setattr(load, "validate_file", counted)
    return calls


def test_validated_files_are_trusted_until_one_is_edited(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    assert len(files) == 3
    assert all(found == [] for found in validate_issues(files, corpus))  # `communique validate` records them
    calls = _validations(monkeypatch)
    first = [(v.document, v.path) for v in iter_validated(files, corpus)]
    assert calls == [] and len(first) == 3  # trusted: parsed, not validated again

    # an edit after validation: that file, and only it, is validated again
    data = json.loads(files[1].read_text(encoding="utf-8"))
    data["annotators"] = ["someone else"]
    files[1].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = [(v.document, v.path) for v in iter_validated(files, corpus)]
    assert calls == [files[1].name]
    assert again[1][0].annotators == ["someone else"] and again[0] == first[0] and again[2] == first[2]


def test_a_changed_corpus_document_voids_the_record(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    list(validate_issues(files, corpus))
    target = corpus / f"{files[0].stem}.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    data["tokens"]["lengths"][0] += 0  # same content, but re-serialised: the bytes differ
    target.write_text(json.dumps(data), encoding="utf-8")
    calls = _validations(monkeypatch)
    list(iter_validated(files, corpus))
    assert calls == [files[0].name]


def test_an_edit_that_breaks_the_file_is_reported_not_trusted(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    list(validate_issues(files, corpus))
    text = files[2].read_text(encoding="utf-8")
    files[2].write_text(text.replace('"start": ', '"start": 1', 1), encoding="utf-8")  # an offset moved
    with pytest.raises(CommuniqueError) as raised:
        list(iter_validated(files, corpus))
    assert raised.value.issues and {i.file for i in raised.value.issues} == {str(files[2])}


def test_records_can_be_switched_off(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    store = CorpusStore(synthetic / "corpus")
    list(validate_issues(files, synthetic / "corpus"))
    assert trusted_document(files[0].read_bytes(), ".json", store) is not None
    monkeypatch.setenv(ENV, "off")
    assert records_dir() is None
    assert trusted_document(files[0].read_bytes(), ".json", store) is None
