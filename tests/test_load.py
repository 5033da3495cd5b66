"""The one stream of validated documents (annotate/load.py) and the public API over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import CommuniqueError, iter_annotations, load_annotations
from communique.annotate.load import Validated, iter_validated, map_validated, use_store
from communique.corpus.store import CorpusStore
from communique.io.parallel import Workers
from communique.synth.generate import synthesise

from .conftest import CORPUS, DOC_ID, FIXTURES


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic corpus of seven documents, annotated."""
    root = tmp_path_factory.mktemp("synthetic")
    assert len(list(synthesise(root, 7, seed=5))) == 7
    return root


def ids_and_files(store: CorpusStore, valid: Iterator[Validated]) -> list[tuple[str, str]]:
    return [(v.document.document_id, Path(v.path).name) for v in valid]


def test_many_documents_stream_in_file_order(synthetic: Path):
    files = sorted((synthetic / "annotations").glob("*.json"))
    assert len(files) == 7
    streamed = list(iter_validated([synthetic / "annotations"], synthetic / "corpus"))
    assert [Path(v.path).name for v in streamed] == [f.name for f in files]
    for valid in streamed:
        assert valid.corpus.id == valid.document.document_id
        mention = valid.document.officials[0].mentions[0]
        assert valid.corpus.text[mention.start : mention.end] == mention.text


def test_the_order_does_not_depend_on_jobs_or_batches(synthetic: Path):
    folder, corpus = synthetic / "annotations", synthetic / "corpus"
    serial = [v.document for v in iter_validated([folder], corpus)]
    parallel = [v.document for v in iter_validated([folder], corpus, workers=Workers(2))]
    assert parallel == serial and len(serial) == 7
    expected = [(d.document_id, f"{d.document_id}.json") for d in serial]
    for jobs, batch in ((1, 1), (1, 3), (2, 2), (3, 5)):
        batches = list(
            map_validated([folder], corpus, ids_and_files, setup=use_store, workers=Workers(jobs), batch=batch)
        )
        assert [pair for found in batches for pair in found] == expected
        assert len(batches) == -(-7 // batch)


def test_the_order_of_the_paths_is_kept(synthetic: Path):
    files = sorted((synthetic / "annotations").glob("*.json"))
    given = [files[3], files[0], files[5]]
    streamed = [Path(v.path) for v in iter_validated(given, synthetic / "corpus")]
    assert streamed == given


def test_every_problem_is_listed_and_duplicates_are_refused(tmp_path: Path):
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "a.yaml")
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "b.yaml")
    shutil.copy(FIXTURES / "invalid" / "dangling-reference.yaml", tmp_path / "c.yaml")
    shutil.copy(FIXTURES / "invalid" / "stale-hash.yaml", tmp_path / "d.yaml")
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "e.yaml")
    yielded: list[Validated] = []
    with pytest.raises(CommuniqueError) as caught:
        for valid in iter_validated([tmp_path], CORPUS):
            yielded.append(valid)
    problems = caught.value.issues
    assert sorted(i.code for i in problems) == [
        "dangling-reference",
        "duplicate-document",
        "duplicate-document",
        "stale-hash",
    ]
    duplicates = [i for i in problems if i.code == "duplicate-document"]
    assert [Path(i.file or "").name for i in duplicates] == ["b.yaml", "e.yaml"]
    assert all(str(tmp_path / "a.yaml") in i.message for i in duplicates)
    assert [Path(v.path).name for v in yielded] == ["a.yaml"]  # nothing after the first problem
    with pytest.raises(CommuniqueError) as in_parallel:  # found by workers, two files each
        list(map_validated([tmp_path], CORPUS, ids_and_files, setup=use_store, workers=Workers(2), batch=2))
    assert in_parallel.value.issues == problems


def test_nothing_is_yielded_after_a_problem_but_every_file_is_checked(tmp_path: Path, synthetic: Path):
    files = sorted((synthetic / "annotations").glob("*.json"))
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    broken = tmp_path / files[2].name
    broken.write_text(broken.read_text(encoding="utf-8").replace('"document_id"', '"document_idx"', 1))
    last = tmp_path / files[-1].name
    last.write_text("{", encoding="utf-8")
    yielded = []
    with pytest.raises(CommuniqueError) as caught:
        for valid in iter_validated([tmp_path], synthetic / "corpus"):
            yielded.append(valid.document.document_id)
    assert yielded == [f.stem for f in files[:2]]
    assert {Path(i.file or "").name for i in caught.value.issues} == {broken.name, last.name}


def test_the_public_api_loads_many_documents(synthetic: Path):
    documents = load_annotations(synthetic / "annotations", synthetic / "corpus")
    assert [d.document_id for d in documents] == sorted(p.stem for p in (synthetic / "annotations").glob("*.json"))
    streamed = iter_annotations([synthetic / "annotations"], synthetic / "corpus", jobs=2)
    assert list(streamed) == documents


def test_the_public_api_refuses_a_document_annotated_twice_among_paths(tmp_path: Path):
    with pytest.raises(CommuniqueError) as caught:
        load_annotations([FIXTURES / "valid" / "minimal.yaml", FIXTURES / "valid" / "minimal.json"], CORPUS)
    (found,) = caught.value.issues
    assert found.code == "duplicate-document" and DOC_ID in found.message
    assert found.file == str(FIXTURES / "valid" / "minimal.json")


def test_no_files_give_no_documents(tmp_path: Path):
    assert load_annotations(tmp_path, CORPUS) == []


def first_only(store: CorpusStore, valid: Iterator[Validated]) -> str:
    return next(valid).document.document_id  # asks for one document, leaves the rest of its batch


def test_files_the_work_does_not_ask_for_are_still_validated(tmp_path: Path, synthetic: Path):
    files = sorted((synthetic / "annotations").glob("*.json"))
    for f in files[:4]:
        shutil.copy(f, tmp_path / f.name)
    assert list(map_validated([tmp_path], synthetic / "corpus", first_only, setup=use_store, batch=2)) == [
        files[0].stem,
        files[2].stem,
    ]
    (tmp_path / files[3].name).write_text("[]", encoding="utf-8")
    with pytest.raises(CommuniqueError) as caught:
        list(map_validated([tmp_path], synthetic / "corpus", first_only, setup=use_store, batch=2))
    assert [(i.code, Path(i.file or "").name) for i in caught.value.issues] == [("type-error", files[3].name)]


@settings(max_examples=15, deadline=None)
@given(order=st.permutations(range(7)), size=st.integers(1, 7), batch=st.integers(1, 8))
def test_any_order_of_files_comes_back_as_given(synthetic: Path, order: list[int], size: int, batch: int):
    files = sorted((synthetic / "annotations").glob("*.json"))
    given_files = [files[i] for i in order[:size]]
    batches = map_validated(given_files, synthetic / "corpus", ids_and_files, setup=use_store, batch=batch)
    assert [name for found in batches for _, name in found] == [f.name for f in given_files]
