"""Validation records: export and bench trust a file validated before, and never a changed one (issue 13);
a record is authenticated and bound to the code that checked, so a forged one is never trusted (issue 17)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import stat
from pathlib import Path

import pytest

from communique.annotate import load, records
from communique.annotate.load import iter_validated
from communique.annotate.records import (
    ENV,
    KEY_FILE,
    checks_only,
    code_digest,
    package_digest,
    record_valid,
    records_dir,
    trusted_document,
)
from communique.annotate.validate import find_annotation_files, validate_issues
from communique.cli.main import main
from communique.corpus.build import sha256_text
from communique.corpus.store import CorpusStore
from communique.io.parallel import Workers, connected
from communique.schema.errors import CommuniqueError
from communique.schema.models import AnnotatedDocument
from communique.synth.generate import synthesise
from communique.version import __version__

from .conftest import write_corpus_document


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ENV, str(tmp_path / "records"))
    monkeypatch.delenv("CI", raising=False)  # in CI records are not consulted: these tests are about them
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


# ------------------------------------------------------------------------------------------------ issue 17

TEXT = "Mr José Babar met the minister in Tehran.\n\nMr Babar said the talks went well. He left.\n"


def _gold(mention_text: str) -> str:
    return f"""schema_version: "2.1"
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
      - {{start: 3, end: 13, text: {mention_text}, form: name}}
"""


@pytest.fixture
def mismatched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose only gold file has a ``span-text-mismatch`` (the text at [3, 13) is 'José Babar')."""
    monkeypatch.setenv(ENV, str(tmp_path / "records"))
    monkeypatch.delenv("CI", raising=False)
    write_corpus_document(tmp_path / "corpus", "doc", TEXT)
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "doc.yaml").write_text(_gold("José Bobar"), encoding="utf-8")
    (tmp_path / "pred.jsonl").write_text(json.dumps({"document_id": "doc"}) + "\n", encoding="utf-8")
    return tmp_path


def _schema_digest() -> str:
    schema = AnnotatedDocument.model_json_schema(mode="validation")
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode("utf-8")).hexdigest()


def _forge(kind: str, root: Path) -> list[Path]:
    """Write a forged record for ``gold/doc.yaml`` where a lookup reads; return where it was written."""
    folder, raw = root / "records", (root / "gold" / "doc.yaml").read_bytes()
    file_sha = hashlib.sha256(raw).hexdigest()
    corpus_sha = CorpusStore(root / "corpus").digest("doc")
    assert corpus_sha is not None
    code = code_digest()
    assert code is not None
    current = records._record_path(folder, code, ".yaml", file_sha)  # names are not secret: anyone can compute one
    # the exact JSON (and name) the unauthenticated records of issue 13 had
    old_name = hashlib.sha256(f"{__version__}\0{_schema_digest()}\0.yaml\0{file_sha}".encode()).hexdigest()
    old = {"document_id": "doc", "corpus_sha256": corpus_sha}
    if kind == "old-format":
        written = {folder / old_name[:2] / f"{old_name}.json": old, current: old}
    else:  # the current format, with an HMAC made with a key that is not the user's
        message = json.dumps(["communique validation record", 2, code, records._schema_digest(), ".yaml", file_sha])
        mac = hmac.new(secrets.token_bytes(32), (message[:-1] + ', "doc", "' + corpus_sha + '"]').encode(), "sha256")
        written = {current: {"format": 2, "document_id": "doc", "corpus_sha256": corpus_sha, "mac": mac.hexdigest()}}
    for path, content in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content) + "\n", encoding="utf-8")
    return list(written)


@pytest.mark.parametrize("kind", ["old-format", "another-key"])
def test_a_forged_record_makes_no_command_trust_an_invalid_file(
    mismatched: Path, kind: str, capsys: pytest.CaptureFixture[str]
):
    root = mismatched
    # records are in use (the file was valid once, so a key exists), but the forger cannot read the key
    gold_file = root / "gold" / "doc.yaml"
    broken = gold_file.read_text(encoding="utf-8")
    gold_file.write_text(_gold("José Babar"), encoding="utf-8")
    assert main(["validate", str(root / "gold"), "--corpus", str(root / "corpus")]) == 0
    assert (root / "records" / KEY_FILE).is_file()
    gold_file.write_text(broken, encoding="utf-8")
    forged = _forge(kind, root)
    assert all(path.is_file() for path in forged)
    corpus, gold = ["--corpus", str(root / "corpus")], str(root / "gold")
    commands = {
        "export hf": ["export", "hf", "--gold", gold, *corpus, "--passes", "", "--out", str(root / "hf")],
        "export plover": ["export", "plover", "--gold", gold, *corpus, "--out", str(root / "p.jsonl")],
        "bench": ["bench", "--predictions", str(root / "pred.jsonl"), "--gold", gold, *corpus, "--samples", "10"],
        "render": ["render", "--gold", gold, *corpus, "--out", str(root / "doc.html")],
    }
    capsys.readouterr()
    for name, argv in commands.items():
        assert main(argv) == 1, name
        out, err = capsys.readouterr()
        assert "[span-text-mismatch]" in err, name  # validated again: the error is reported, located
        assert f"{root / 'gold' / 'doc.yaml'}:15:" in err, name
        assert "Traceback" not in out + err
    assert not (root / "hf").exists() and not (root / "p.jsonl").exists() and not (root / "doc.html").exists()


def test_a_genuine_record_is_used_and_a_truncated_one_is_not(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    list(validate_issues(files, corpus))
    written = sorted((synthetic.parent / "records").rglob("*.json"))
    assert len(written) == 3
    calls = _validations(monkeypatch)
    assert len(list(iter_validated(files, corpus))) == 3 and calls == []  # used: nothing validated again
    for path in written:
        path.write_bytes(path.read_bytes()[:-20])  # each record loses the end of its HMAC
    assert len(list(iter_validated(files, corpus))) == 3 and sorted(calls) == sorted(f.name for f in files)


def test_a_record_made_by_other_code_is_not_trusted(synthetic: Path, monkeypatch: pytest.MonkeyPatch):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    real = code_digest()
    assert real is not None and len(real) == 64
    monkeypatch.setattr(records, "code_digest", lambda: "0" * 64)  # the checks as another version had them
    list(validate_issues(files, corpus))
    other = sorted((synthetic.parent / "records").rglob("*.json"))
    assert len(other) == 3
    monkeypatch.setattr(records, "code_digest", lambda: real)
    calls = _validations(monkeypatch)
    list(iter_validated(files, corpus))
    assert sorted(calls) == sorted(f.name for f in files)  # no record of this code: all validated again
    # moved to the names this code looks up, the records still do not verify: the HMAC binds the code digest
    store, folder = CorpusStore(corpus), synthetic.parent / "records"
    for path in files:
        raw = path.read_bytes()
        current = records._record_path(folder, real, ".json", hashlib.sha256(raw).hexdigest())
        made = records._record_path(folder, "0" * 64, ".json", hashlib.sha256(raw).hexdigest())
        current.parent.mkdir(parents=True, exist_ok=True)
        current.write_bytes(made.read_bytes())
        assert trusted_document(raw, ".json", store) is None


def test_the_code_digest_changes_with_any_file_of_the_package(tmp_path: Path):
    package = Path(records.__file__).resolve().parent.parent
    assert code_digest() == package_digest(package) and code_digest() is not None
    copy = tmp_path / "communique"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_digest(copy)
    assert before == code_digest()  # the same files, the same digest (the version is the same either way)
    (copy / "annotate" / "__pycache__").mkdir(exist_ok=True)
    (copy / "annotate" / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"compiled")
    assert package_digest(copy) == before  # compiled caches do not count
    checks = copy / "annotate" / "checks.py"
    checks.write_bytes(checks.read_bytes().replace(b"def ", b"def  ", 1))  # one check changed, one byte
    assert package_digest(copy) not in (before, None)


def _tamper(kind: str, key: Path) -> None:
    if kind == "world-readable":
        key.chmod(0o644)
    elif kind == "replaced":
        key.write_bytes(secrets.token_bytes(32))  # the same mode: another key, so no record verifies
    elif kind == "symlink":
        elsewhere = key.with_name("elsewhere")
        key.rename(elsewhere)
        key.symlink_to(elsewhere)
    elif kind == "fifo":
        key.unlink()
        os.mkfifo(key, 0o600)
    elif kind == "folder":
        key.unlink()
        key.mkdir(mode=0o700)
    elif kind == "short":
        key.write_bytes(key.read_bytes()[:16])


@pytest.mark.parametrize("kind", ["world-readable", "replaced", "symlink", "fifo", "folder", "short"])
def test_a_tampered_key_file_is_not_trusted(synthetic: Path, monkeypatch: pytest.MonkeyPatch, kind: str):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    list(validate_issues(files, corpus))
    key = synthetic.parent / "records" / KEY_FILE
    info = key.stat()
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600 and info.st_size == 32
    assert stat.S_IMODE((synthetic.parent / "records").stat().st_mode) == 0o700
    _tamper(kind, key)
    tampered = os.lstat(key)
    calls = _validations(monkeypatch)
    assert len(list(iter_validated(files, corpus))) == 3
    assert sorted(calls) == sorted(f.name for f in files)  # every file validated again, nothing raised
    after = os.lstat(key)
    assert (after.st_ino, after.st_mode) == (tampered.st_ino, tampered.st_mode)  # and the key file left alone


def test_a_link_or_fifo_at_a_record_path_is_not_followed(synthetic: Path, tmp_path: Path):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    store, folder = CorpusStore(synthetic / "corpus"), synthetic.parent / "records"
    list(validate_issues(files[:1], synthetic / "corpus"))  # makes the key
    code = code_digest()
    assert code is not None
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's work\n", encoding="utf-8")
    raw = [path.read_bytes() for path in files]
    at = [records._record_path(folder, code, ".json", hashlib.sha256(r).hexdigest()) for r in raw]
    at[1].parent.mkdir(parents=True, exist_ok=True)
    at[1].symlink_to(victim)
    at[2].parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(at[2])
    assert trusted_document(raw[1], ".json", store) is None and trusted_document(raw[2], ".json", store) is None
    list(validate_issues(files, synthetic / "corpus"))  # records the files: the link and the FIFO are replaced
    assert victim.read_text(encoding="utf-8") == "the user's work\n"
    assert all(stat.S_ISREG(os.lstat(path).st_mode) for path in at)
    assert all(trusted_document(r, ".json", store) is not None for r in raw)


GARBAGE = {
    "empty": b"",
    "not-json": b"{not json",
    "a-list": b"[1, 2]",
    "deep": b"[" * 100_000,
    "huge-integer": b'{"format": ' + b"1" * 5000 + b"}",
    "mac-number": b'{"format": 2, "document_id": "x", "corpus_sha256": "y", "mac": 5}',
    "mac-not-ascii": '{"format": 2, "document_id": "x", "corpus_sha256": "y", "mac": "é"}'.encode(),
    "id-not-an-id": b'{"format": 2, "document_id": "../x", "corpus_sha256": "y", "mac": "z"}',
    "too-long": b" " * 5000 + b"{}",
    "not-utf8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("kind", [*GARBAGE, "folder"])
def test_garbage_where_a_record_should_be_is_ignored(synthetic: Path, monkeypatch: pytest.MonkeyPatch, kind: str):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    store, folder = CorpusStore(synthetic / "corpus"), synthetic.parent / "records"
    list(validate_issues(files, synthetic / "corpus"))
    code = code_digest()
    assert code is not None
    at = records._record_path(folder, code, ".json", hashlib.sha256(files[0].read_bytes()).hexdigest())
    assert at.is_file()  # the genuine record, replaced by garbage
    at.unlink()
    if kind == "folder":
        at.mkdir()
    else:
        at.write_bytes(GARBAGE[kind])
    assert trusted_document(files[0].read_bytes(), ".json", store) is None
    calls = _validations(monkeypatch)
    assert len(list(iter_validated(files, synthetic / "corpus"))) == 3 and calls == [files[0].name]


def test_strict_and_ci_never_trust_a_record(synthetic: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    monkeypatch.setenv("CI", "true")
    list(validate_issues(files, corpus))  # records are still written in CI
    calls = _validations(monkeypatch)
    list(iter_validated(files, corpus))
    assert sorted(calls) == sorted(f.name for f in files)
    monkeypatch.delenv("CI")
    calls.clear()
    with checks_only():
        list(iter_validated(files, corpus))
    assert sorted(calls) == sorted(f.name for f in files)
    calls.clear()
    list(iter_validated(files, corpus))  # neither: the records written in CI are trusted
    assert calls == []
    # `bench --strict` through the command line: every gold file validated again
    pred = synthetic / "pred.jsonl"
    pred.write_text("".join(json.dumps({"document_id": f.stem}) + "\n" for f in files), encoding="utf-8")
    argv = ["bench", "--predictions", str(pred), "--gold", str(synthetic / "annotations"), "--corpus", str(corpus)]
    assert main([*argv, "--samples", "10"]) == 0 and calls == []
    assert main([*argv, "--samples", "10", "--strict"]) == 0
    assert sorted(calls) == sorted(f.name for f in files)
    assert "Traceback" not in "".join(capsys.readouterr())


def test_records_written_in_two_processes_at_once_share_one_key(synthetic: Path):
    files = sorted(find_annotation_files([synthetic / "annotations"]))
    corpus = synthetic / "corpus"
    assert all(found == [] for found in validate_issues(files * 4, corpus, Workers(2)))  # two workers make the key
    keys = sorted(p.name for p in (synthetic.parent / "records").iterdir() if p.is_file())
    assert keys == [KEY_FILE]  # one key, no temporary file left behind
    store = CorpusStore(corpus)
    assert all(trusted_document(f.read_bytes(), ".json", store) is not None for f in files)


def test_workers_on_dask_use_the_record_settings_of_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    distributed = pytest.importorskip("distributed", reason="the dask engine needs the `dask` extra (in `test`)")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    ) as cluster:
        # set after the workers started: their environment has another folder and no CI; only what the command
        # hands them can make them use these settings
        folder = tmp_path / "records"
        monkeypatch.setenv(ENV, str(folder))
        monkeypatch.delenv("CI", raising=False)
        root = tmp_path / "s"
        list(synthesise(root, 3, 4))
        files = sorted(find_annotation_files([root / "annotations"]))
        corpus = root / "corpus"
        on_dask = Workers(2, "dask", cluster.scheduler_address)
        assert all(found == [] for found in validate_issues(files, corpus, on_dask))
        assert len(list(folder.rglob("*.json"))) == 3  # written by the workers, in the command's folder
        # a genuine record for bytes that are not valid (as if they had been): consulted on the workers unless
        # --strict or CI say not to
        data = json.loads(files[0].read_text(encoding="utf-8"))
        data["officials"][0]["mentions"][0]["text"] = "not the text"
        files[0].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        record_valid(hashlib.sha256(files[0].read_bytes()).hexdigest(), ".json", files[0].stem, CorpusStore(corpus))
        with connected(on_dask) as workers:
            trusted = list(iter_validated(files, corpus, workers=workers))
            assert len(trusted) == 3  # trusted on a worker: it read the record
            with checks_only(), pytest.raises(CommuniqueError) as strict:
                list(iter_validated(files, corpus, workers=workers))
            monkeypatch.setenv("CI", "1")
            with pytest.raises(CommuniqueError) as ci:
                list(iter_validated(files, corpus, workers=workers))
        for raised in (strict, ci):
            assert {(i.code, i.file) for i in raised.value.issues} == {("span-text-mismatch", str(files[0]))}
