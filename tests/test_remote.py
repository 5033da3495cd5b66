"""Corpora, annotations, predictions and outputs elsewhere: URLs through fsspec, on its real ``memory://`` filesystem.

Every test copies what it needs into a bucket of its own in fsspec's in-process memory filesystem and runs the
real commands on ``memory://`` URLs; what they write is compared with what the same commands write for local
paths (byte for byte), and the hostile cases are the reading and writing rules of ``communique.io`` on a
remote filesystem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pyarrow.parquet as pq
import pytest

from communique.cli.main import main
from communique.io.folder import MARKER, PARTIAL
from communique.io.read import InputRefused, read_input
from communique.io.staging import CORPUS, Staging
from communique.io.write import write_atomic, write_new_or_forced
from communique.schema.errors import CommuniqueError

MEMORY = fsspec.filesystem("memory")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three synthetic documents: seeds/, corpus/, annotations/ and predictions.jsonl."""
    from communique.synth.generate import synthesise

    root = tmp_path_factory.mktemp("synthetic")
    assert len(list(synthesise(root, 3, seed=5))) == 3
    return root


@pytest.fixture
def bucket() -> Iterator[str]:
    """A fresh bucket in fsspec's memory filesystem (its path, ``/name``), removed afterwards."""
    path = f"/communique-test-{uuid.uuid4().hex[:12]}"
    yield path
    if MEMORY.exists(path):
        MEMORY.rm(path, recursive=True)


def url(path: str) -> str:
    """The ``memory://`` URL of a memory filesystem path."""
    return "memory:/" + path


def upload(local: Path, path: str) -> int:
    """Copy a local file, or a folder's files at every depth, to ``path``; how many files."""
    files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
    assert files, local
    for file in files:
        target = path if file == local else f"{path}/{file.relative_to(local).as_posix()}"
        MEMORY.pipe_file(target, file.read_bytes())
    return len(files)


def tree(path: str) -> dict[str, bytes]:
    """Every object under ``path``, by relative name."""
    base = path.rstrip("/") + "/"
    return {name[len(base) :]: MEMORY.cat_file(name) for name in MEMORY.find(path)}


def local_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def remote(synthetic: Path, bucket: str) -> str:
    """The synthetic corpus, gold and predictions copied into the bucket."""
    assert upload(synthetic / "corpus", f"{bucket}/corpus") == 3
    assert upload(synthetic / "annotations", f"{bucket}/gold") == 3
    assert upload(synthetic / "predictions.jsonl", f"{bucket}/predictions.jsonl") == 1
    return bucket


def remote_sources(bucket: str) -> list[str]:
    """``--gold`` and ``--corpus`` at the bucket's URLs."""
    return ["--gold", url(f"{bucket}/gold"), "--corpus", url(f"{bucket}/corpus")]


def local_sources(synthetic: Path) -> list[str]:
    """``--gold`` and ``--corpus`` of the local synthetic corpus."""
    return ["--gold", str(synthetic / "annotations"), "--corpus", str(synthetic / "corpus")]


def no_stand_ins(text: str) -> None:
    """Messages name URLs, never the local folder that stood in for them."""
    assert "communique-remote-" not in text


# ------------------------------------------------------------------------------------------ the commands


def test_validate_reads_the_gold_and_corpus_from_urls(remote: str, synthetic: Path, capsys):
    gold, corpus = url(f"{remote}/gold"), url(f"{remote}/corpus")
    assert main(["validate", gold, "--corpus", corpus, "--format", "json"]) == 0
    captured = capsys.readouterr()
    no_stand_ins(captured.out + captured.err)
    result = json.loads(captured.out)
    assert result["files"] == 3 and result["errors"] == 0
    assert sorted(result["schemas"]) == sorted(f"{gold}/{p.name}" for p in (synthetic / "annotations").iterdir())
    # in worker processes too: they read the local copies
    assert main(["validate", gold, "--corpus", corpus, "--jobs", "2"]) == 0
    assert "3 file(s) checked, no problems" in capsys.readouterr().out


def test_an_invalid_remote_file_is_located_by_its_url(remote: str, synthetic: Path, capsys):
    name = sorted((synthetic / "annotations").iterdir())[0].name
    broken = MEMORY.cat_file(f"{remote}/gold/{name}").replace(b'"text_sha256"', b'"text_sha_256"', 1)
    MEMORY.pipe_file(f"{remote}/gold/{name}", broken)
    assert main(["validate", url(f"{remote}/gold"), "--corpus", url(f"{remote}/corpus")]) == 1
    err = capsys.readouterr().err
    no_stand_ins(err)
    assert f"{url(remote)}/gold/{name}:" in err and "[unknown-field]" in err


def test_export_hf_to_a_url_writes_what_a_local_export_writes(remote: str, synthetic: Path, tmp_path: Path, capsys):
    args = ["--passes", "", "--no-verify"]
    local = tmp_path / "local-hf"
    assert main(["export", "hf", *local_sources(synthetic), "--out", str(local), *args]) == 0
    capsys.readouterr()
    out = url(f"{remote}/out/hf")
    assert main(["export", "hf", *remote_sources(remote), "--out", out, *args, "--format", "json"]) == 0
    captured = capsys.readouterr()
    no_stand_ins(captured.out + captured.err)
    assert json.loads(captured.out)["out"] == out and f"to {out}" in captured.err
    published = tree(f"{remote}/out/hf")
    assert published == local_tree(local)  # byte for byte, the manifest included
    assert PARTIAL not in published and json.loads(published[MARKER])["files"] == sorted(set(published) - {MARKER})
    # read back: with pyarrow from memory, and with datasets from a local copy
    mentions = sorted(name for name in published if name.startswith("data/mentions/"))
    assert mentions
    remote_rows = sum(pq.read_table(f"{remote}/out/hf/{name}", filesystem=MEMORY).num_rows for name in mentions)
    assert remote_rows == sum(pq.read_table(local / name).num_rows for name in mentions) > 0
    import datasets

    copy = tmp_path / "copy"
    MEMORY.get(f"{remote}/out/hf", str(copy), recursive=True)
    loaded = datasets.load_dataset(str(copy), "documents", cache_dir=str(tmp_path / "cache"))
    assert loaded["full"].num_rows == 3


def test_export_hf_verifies_a_remote_export_with_datasets(remote: str, capsys):
    out = url(f"{remote}/verified")
    assert main(["export", "hf", *remote_sources(remote), "--out", out, "--passes", ""]) == 0
    captured = capsys.readouterr()
    assert "loaded back with datasets.load_dataset" in captured.err and "documents     full        3" in captured.out
    assert MEMORY.exists(f"{remote}/verified/{MARKER}")


def test_bench_scores_predictions_read_from_a_url(remote: str, synthetic: Path, tmp_path: Path, capsys):
    options = ["--samples", "20", "--format", "json", "--summary-only"]
    local = local_sources(synthetic)
    assert main(["bench", "--predictions", str(synthetic / "predictions.jsonl"), *local, *options]) == 0
    expected = json.loads(capsys.readouterr().out)
    predictions = url(f"{remote}/predictions.jsonl")
    report = url(f"{remote}/reports/bench.json")
    outcomes = url(f"{remote}/reports/outcomes.jsonl")
    written = ["--out", report, "--outcomes", outcomes]
    assert main(["bench", "--predictions", predictions, *remote_sources(remote), *options, *written]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"wrote {report}" in captured.err
    no_stand_ins(captured.err)
    scored = json.loads(MEMORY.cat_file(f"{remote}/reports/bench.json"))
    assert scored["predictions"]["path"] == predictions and scored["gold"]["path"] == url(f"{remote}/gold")
    assert scored["outcomes"]["path"] == outcomes and scored["outcomes"]["items"] > 100
    assert len(MEMORY.cat_file(f"{remote}/reports/outcomes.jsonl").splitlines()) == scored["outcomes"]["items"]
    for key in ("headline", "metrics"):
        assert scored[key] == expected[key]
    # predictions from a URL, gold and corpus local: any mix works
    assert main(["bench", "--predictions", predictions, *local, *options]) == 0
    assert json.loads(capsys.readouterr().out)["headline"] == expected["headline"]


def test_export_brat_and_plover_to_urls(remote: str, synthetic: Path, tmp_path: Path, capsys):
    sources = remote_sources(remote)
    local = local_sources(synthetic)
    assert main(["export", "brat", *sources, "--out", url(f"{remote}/brat")]) == 0
    assert main(["export", "brat", *local, "--out", str(tmp_path / "brat")]) == 0
    assert tree(f"{remote}/brat") == local_tree(tmp_path / "brat")
    assert main(["export", "plover", *sources, "--out", url(f"{remote}/events.jsonl")]) == 0
    assert main(["export", "plover", *local, "--out", str(tmp_path / "events.jsonl")]) == 0
    assert MEMORY.cat_file(f"{remote}/events.jsonl") == (tmp_path / "events.jsonl").read_bytes()
    assert f"to {url(remote)}/events.jsonl" in capsys.readouterr().err


def test_extract_and_convert_write_their_predictions_to_urls(remote: str, synthetic: Path, tmp_path: Path):
    corpus = url(f"{remote}/corpus")
    assert main(["extract", "--corpus", corpus, "--out", url(f"{remote}/rules.jsonl")]) == 0
    assert main(["extract", "--corpus", str(synthetic / "corpus"), "--out", str(tmp_path / "rules.jsonl")]) == 0
    assert MEMORY.cat_file(f"{remote}/rules.jsonl") == (tmp_path / "rules.jsonl").read_bytes()
    # convert a brat folder read from a URL into predictions written to a URL
    assert main(["export", "brat", *remote_sources(remote), "--out", url(f"{remote}/brat")]) == 0
    converted = url(f"{remote}/converted.jsonl")
    assert main(["convert", url(f"{remote}/brat"), "--from", "brat", "--corpus", corpus, "--out", converted]) == 0
    assert main(["export", "brat", *local_sources(synthetic), "--out", str(tmp_path / "brat")]) == 0
    local = ["--corpus", str(synthetic / "corpus"), "--out", str(tmp_path / "converted.jsonl")]
    assert main(["convert", str(tmp_path / "brat"), "--from", "brat", *local]) == 0
    converted = MEMORY.cat_file(f"{remote}/converted.jsonl")
    assert converted == (tmp_path / "converted.jsonl").read_bytes() and len(converted.splitlines()) == 3


def test_corpus_build_reads_seeds_and_writes_the_corpus_at_urls(synthetic: Path, bucket: str, tmp_path: Path, capsys):
    assert upload(synthetic / "seeds", f"{bucket}/seeds") == 6
    seeds, corpus = url(f"{bucket}/seeds"), url(f"{bucket}/corpus")
    assert main(["corpus", "build", "--seeds", seeds, "--corpus", corpus]) == 0
    err = capsys.readouterr().err
    no_stand_ins(err)
    assert f"wrote {corpus}/" in err and f"copied 3 new or changed file(s) to {corpus}" in err
    assert main(["corpus", "build", "--seeds", str(synthetic / "seeds"), "--corpus", str(tmp_path / "corpus")]) == 0
    assert tree(f"{bucket}/corpus") == local_tree(tmp_path / "corpus")
    # again: nothing changed, nothing copied; --check agrees
    assert main(["corpus", "build", "--seeds", seeds, "--corpus", corpus]) == 0
    assert "0 written" in capsys.readouterr().err
    assert main(["corpus", "build", "--seeds", seeds, "--corpus", corpus, "--check"]) == 0
    # a corpus document edited at the URL is stale, named by its URL
    name = sorted(tree(f"{bucket}/corpus"))[0]
    MEMORY.pipe_file(f"{bucket}/corpus/{name}", MEMORY.cat_file(f"{bucket}/corpus/{name}").replace(b"{", b"{ ", 1))
    capsys.readouterr()
    assert main(["corpus", "build", "--seeds", seeds, "--corpus", corpus, "--check"]) == 1
    assert f"{corpus}/{name}:1:1: $: [corpus-stale]" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ export folders


def test_a_remote_export_replaces_its_own_previous_export_and_nothing_else(remote: str, synthetic: Path, capsys):
    corpus, out = url(f"{remote}/corpus"), url(f"{remote}/brat")
    assert main(["export", "brat", "--gold", url(f"{remote}/gold"), "--corpus", corpus, "--out", out]) == 0
    first = tree(f"{remote}/brat")
    # export one document only: the other documents' objects go, the manifest lists what is there
    one = sorted((synthetic / "annotations").iterdir())[0].name
    assert main(["export", "brat", "--gold", url(f"{remote}/gold/{one}"), "--corpus", corpus, "--out", out]) == 0
    second = tree(f"{remote}/brat")
    assert len(second) < len(first) and PARTIAL not in second
    assert sorted(json.loads(second[MARKER])["files"]) == sorted(set(second) - {MARKER})
    # an unfinished export (its marker lists its objects) is replaced too
    MEMORY.rm_file(f"{remote}/brat/{MARKER}")
    MEMORY.pipe_file(f"{remote}/brat/{PARTIAL}", json.dumps({"tool": "communique", "files": sorted(second)}).encode())
    assert main(["export", "brat", "--gold", url(f"{remote}/gold"), "--corpus", corpus, "--out", out]) == 0
    assert tree(f"{remote}/brat") == first
    # an object communique did not write: refused before anything is exported, and left as it is
    MEMORY.pipe_file(f"{remote}/brat/notes.txt", b"mine")
    capsys.readouterr()
    assert main(["export", "brat", "--gold", url(f"{remote}/gold"), "--corpus", corpus, "--out", out]) == 1
    err = capsys.readouterr().err
    assert f"{out}:1:1: $: [output-not-empty]" in err and "notes.txt" in err
    assert tree(f"{remote}/brat") == {**first, "notes.txt": b"mine"}


@pytest.mark.parametrize(
    ("objects", "code"),
    [
        ({"x.txt": b"someone's"}, "output-not-empty"),  # a folder of other files
        ({"pyproject.toml": b"", f"{MARKER}": b'{"tool": "communique", "files": []}'}, "output-protected"),
    ],
)
def test_a_remote_folder_that_is_not_an_export_is_refused(remote: str, objects: dict[str, bytes], code: str, capsys):
    for name, data in objects.items():
        MEMORY.pipe_file(f"{remote}/out/{name}", data)
    out = url(f"{remote}/out")
    assert main(["export", "brat", *remote_sources(remote), "--out", out]) == 1
    assert f"[{code}]" in capsys.readouterr().err
    assert tree(f"{remote}/out") == objects


def test_the_root_of_a_bucket_and_a_file_are_no_export_folders(remote: str, capsys):
    sources = remote_sources(remote)
    assert main(["export", "brat", *sources, "--out", url(remote)]) == 1
    assert "[output-protected] is the root of a bucket or filesystem" in capsys.readouterr().err
    assert main(["export", "brat", *sources, "--out", url(f"{remote}/predictions.jsonl")]) == 1
    assert "[output-not-folder]" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ output files


def test_an_existing_remote_output_needs_force_and_is_kept_as_a_backup(remote: str, capsys):
    target = url(f"{remote}/rules.jsonl")
    MEMORY.pipe_file(f"{remote}/rules.jsonl", b"my own work\n")
    extract = ["extract", "--corpus", url(f"{remote}/corpus"), "--out", target]
    assert main(extract) == 1
    assert f"{target}:1:1: $: [output-exists]" in capsys.readouterr().err
    assert MEMORY.cat_file(f"{remote}/rules.jsonl") == b"my own work\n"
    assert main([*extract, "--force"]) == 0
    assert f"kept the previous {target} as {target}.~1~" in capsys.readouterr().err
    assert MEMORY.cat_file(f"{remote}/rules.jsonl.~1~") == b"my own work\n"
    written = MEMORY.cat_file(f"{remote}/rules.jsonl")
    assert written.count(b"\n") == 3
    # the same bytes again: left as they are, no second backup; no temporary object is left behind
    assert main(extract) == 0
    assert not MEMORY.exists(f"{remote}/rules.jsonl.~2~")
    assert not [n for n in MEMORY.find(remote) if ".communique-" in n and n.endswith(".tmp")]


def test_write_rules_on_a_url():
    bucket = f"/communique-test-{uuid.uuid4().hex[:12]}"
    try:
        write_atomic(url(f"{bucket}/a/b.txt"), [b"one ", "two"])
        assert MEMORY.cat_file(f"{bucket}/a/b.txt") == b"one two"
        with pytest.raises(CommuniqueError) as refused:
            write_atomic(url(f"{bucket}/a/b.txt"), b"three", replace=False)
        assert refused.value.issues[0].code == "output-exists"
        for target, code in ((url(f"{bucket}/a"), "output-is-folder"), (url(f"{bucket}/a/"), "output-is-folder")):
            with pytest.raises(CommuniqueError) as refused:
                write_atomic(target, b"x")
            assert refused.value.issues[0].code == code and refused.value.issues[0].file == target
        assert write_new_or_forced(url(f"{bucket}/a/b.txt"), b"one two") is None  # holds it already
        assert write_new_or_forced(url(f"{bucket}/a/b.txt"), b"new", force=True) == url(f"{bucket}/a/b.txt.~1~")
        assert MEMORY.cat_file(f"{bucket}/a/b.txt.~1~") == b"one two" and MEMORY.cat_file(f"{bucket}/a/b.txt") == b"new"
        assert sorted(tree(bucket)) == ["a/b.txt", "a/b.txt.~1~"]  # no temporary object left
    finally:
        MEMORY.rm(bucket, recursive=True)


# ------------------------------------------------------------------------------------------ hostile input


def test_a_missing_object_is_reported_as_a_missing_path_is(remote: str, synthetic: Path, capsys):
    local = local_sources(synthetic)
    missing = url(f"{remote}/nothing.jsonl")
    assert main(["bench", "--predictions", missing, *local]) == 2
    assert f"{missing}:1:1: $: [file-not-found]" in capsys.readouterr().err
    assert main(["validate", url(f"{remote}/no-gold"), "--corpus", url(f"{remote}/corpus")]) == 2
    assert f"{url(remote)}/no-gold:1:1: $: [file-not-found]" in capsys.readouterr().err
    sources = ["--gold", url(f"{remote}/no-gold"), "--corpus", url(f"{remote}/corpus")]
    assert main(["export", "hf", *sources, "--out", url(f"{remote}/hf"), "--passes", ""]) == 1
    assert f"{url(remote)}/no-gold:1:1: $: [file-not-found]" in capsys.readouterr().err
    assert not MEMORY.exists(f"{remote}/hf")


def test_an_object_over_the_cap_is_refused_before_it_is_read(
    remote: str, synthetic: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    size = len(MEMORY.cat_file(f"{remote}/predictions.jsonl"))
    monkeypatch.setenv("COMMUNIQUE_MAX_INPUT_MB", str(size / 2 / (1 << 20)))
    predictions = url(f"{remote}/predictions.jsonl")
    local = local_sources(synthetic)
    assert main(["bench", "--predictions", predictions, *local]) == 1
    assert f"{predictions}:1:1: $: [input-too-large]" in capsys.readouterr().err
    with pytest.raises(InputRefused) as refused:
        read_input(predictions)
    assert refused.value.issue.code == "input-too-large"
    # every object over the cap in every input is reported, not just the first
    gold = url(f"{remote}/gold")
    monkeypatch.setenv("COMMUNIQUE_MAX_INPUT_MB", "0.001")
    assert main(["validate", gold, "--corpus", url(f"{remote}/corpus")]) == 1
    err = capsys.readouterr().err
    assert err.count("[input-too-large]") == 6 and f"{gold}/" in err


def test_a_folder_is_no_predictions_file_and_an_unsafe_name_is_not_read(remote: str, synthetic: Path, capsys):
    local = local_sources(synthetic)
    assert main(["bench", "--predictions", url(f"{remote}/gold"), *local]) == 1
    assert "[input-not-regular] the input is a folder" in capsys.readouterr().err
    with pytest.raises(InputRefused) as refused:
        read_input(url(f"{remote}/gold"))
    assert refused.value.issue.code == "input-not-regular"
    # an object store may hold a key like gold/../../x.yaml: it is not copied anywhere
    MEMORY.pipe_file(f"{remote}/gold/../../escape.yaml", b"document_id: x\n")
    assert main(["validate", url(f"{remote}/gold"), "--corpus", url(f"{remote}/corpus")]) == 1
    assert f"{url(remote)}/gold/../../escape.yaml:1:1: $: [input-name-unsafe]" in capsys.readouterr().err


def test_protocols_without_a_filesystem_are_coded_problems(synthetic: Path, capsys):
    local = local_sources(synthetic)
    assert main(["bench", "--predictions", "nosuchprotocol://x/p.jsonl", *local]) == 1
    assert "nosuchprotocol://x/p.jsonl:1:1: $: [url-unsupported]" in capsys.readouterr().err
    pytest.importorskip("fsspec.implementations.memory")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        assert main(["bench", "--predictions", "s3://bucket/p.jsonl", *local]) == 1
        err = capsys.readouterr().err
        assert "s3://bucket/p.jsonl:1:1: $: [missing-library]" in err and "s3fs" in err


def test_file_urls_are_local_paths(synthetic: Path, capsys):
    gold, corpus = synthetic / "annotations", synthetic / "corpus"
    assert main(["validate", f"file://{gold}", "--corpus", f"file://{corpus}", "--format", "json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["schemas"]) == sorted(str(p) for p in gold.iterdir())


# ------------------------------------------------------------------------------------------ writing back


def test_a_remote_object_changed_meanwhile_is_not_written_over(remote: str):
    staging = Staging()
    try:
        local = Path(staging.stage(url(f"{remote}/corpus"), CORPUS))
        names = sorted(p.name for p in local.iterdir())
        assert len(names) == 3 and not any(local.glob("*.yaml"))
        MEMORY.pipe_file(f"{remote}/corpus/{names[0]}", b"someone else's edit")  # changed at the URL meanwhile
        (local / names[0]).write_bytes(b"the command's result")
        (local / names[1]).write_bytes(b"another result")
        MEMORY.pipe_file(f"{remote}/corpus/new.json", b"appeared")
        (local / "new.json").write_bytes(b"a new document")
        notes, problems = staging.complete()
        assert sorted((p.code, p.file.rsplit("/", 1)[1]) for p in problems) == sorted(
            [("output-changed", names[0]), ("output-changed", "new.json")]
        )
        assert MEMORY.cat_file(f"{remote}/corpus/{names[0]}") == b"someone else's edit"
        assert MEMORY.cat_file(f"{remote}/corpus/new.json") == b"appeared"
        assert MEMORY.cat_file(f"{remote}/corpus/{names[1]}") == b"another result"  # unchanged remotely: written
        assert notes == [f"copied 1 new or changed file(s) to {url(remote)}/corpus"]
    finally:
        staging.close()
    assert not local.exists()


def test_path_options_mark_urls_and_pass_local_paths_as_they_are():
    from communique.cli.options import CORPUS_PATH, OUTPUT_FILE, ProjectPath
    from communique.io.staging import Url

    for local in ("corpus", "/data/corpus", "notes::v2", "-"):
        assert CORPUS_PATH(local) is local and OUTPUT_FILE(local) is local
    default = ProjectPath("corpus")
    assert CORPUS_PATH(default) is default  # resolved against the project later
    assert CORPUS_PATH("file:///data/corpus") == "/data/corpus" and not isinstance(CORPUS_PATH("file:///d"), Url)
    marked = CORPUS_PATH("s3://bucket/corpus")
    assert isinstance(marked, Url) and marked.kind is CORPUS and marked == "s3://bucket/corpus"
    assert type(OUTPUT_FILE("s3://bucket/out.jsonl")) is str  # written to the URL directly, not staged


def test_synth_writes_a_folder_of_separate_files_to_a_url(bucket: str, tmp_path: Path, capsys):
    out = url(f"{bucket}/synthetic")
    assert main(["synth", "--docs", "2", "--seed", "3", "--out", out]) == 0
    assert main(["synth", "--docs", "2", "--seed", "3", "--out", str(tmp_path / "synthetic")]) == 0
    written = tree(f"{bucket}/synthetic")
    assert written == local_tree(tmp_path / "synthetic") and len(written) >= 7
    no_stand_ins(capsys.readouterr().err)
    # the same again writes the same bytes: nothing is refused, nothing copied
    assert main(["synth", "--docs", "2", "--seed", "3", "--out", out]) == 0
    assert "copied" not in capsys.readouterr().err and tree(f"{bucket}/synthetic") == written


# ------------------------------------------------------------------------------------------ tools and review


def test_import_brat_agree_and_stats_read_urls(remote: str, synthetic: Path, tmp_path: Path, capsys):
    corpus = url(f"{remote}/corpus")
    assert main(["export", "brat", *remote_sources(remote), "--out", url(f"{remote}/brat")]) == 0
    imported = url(f"{remote}/imported")
    assert main(["import", "brat", url(f"{remote}/brat"), "--corpus", corpus, "--out", imported]) == 0
    local_brat, local_imported = tmp_path / "brat", tmp_path / "imported"
    assert main(["export", "brat", *local_sources(synthetic), "--out", str(local_brat)]) == 0
    local_corpus = str(synthetic / "corpus")
    assert main(["import", "brat", str(local_brat), "--corpus", local_corpus, "--out", str(local_imported)]) == 0
    written = tree(f"{remote}/imported")
    assert written == local_tree(local_imported) and len(written) == 3
    capsys.readouterr()
    # the gold and its brat round trip, both at URLs: what a local run says, naming the URLs
    gold = url(f"{remote}/gold")
    assert main(["agree", gold, imported, "--corpus", corpus, "--format", "json"]) == 0
    remote_report = json.loads(capsys.readouterr().out)
    local_gold = str(synthetic / "annotations")
    assert main(["agree", local_gold, str(local_imported), "--corpus", local_corpus, "--format", "json"]) == 0
    local_report = json.loads(capsys.readouterr().out)
    assert remote_report["micro"] == local_report["micro"] and remote_report["micro"]
    assert main(["stats", imported, "--corpus", corpus, "--format", "json"]) == 0
    captured = capsys.readouterr()
    no_stand_ins(captured.out + captured.err)
    assert main(["stats", str(local_imported), "--corpus", local_corpus, "--format", "json"]) == 0
    assert json.loads(captured.out)["total"] == json.loads(capsys.readouterr().out)["total"]


def test_import_label_studio_reads_its_export_from_a_url(remote: str, synthetic: Path, tmp_path: Path, capsys):
    assert main(["export", "label-studio", *local_sources(synthetic), "--out", str(tmp_path / "ls")]) == 0
    tasks = tmp_path / "ls" / "tasks.json"
    assert upload(tasks, f"{remote}/tasks.json") == 1
    out = url(f"{remote}/from-ls")
    corpus = ["--corpus", url(f"{remote}/corpus")]
    assert (
        main(["import", "label-studio", url(f"{remote}/tasks.json"), *corpus, "--out", out, "--pre-annotations"]) == 0
    )
    local = ["--corpus", str(synthetic / "corpus"), "--out", str(tmp_path / "from-ls"), "--pre-annotations"]
    assert main(["import", "label-studio", str(tasks), *local]) == 0
    assert tree(f"{remote}/from-ls") == local_tree(tmp_path / "from-ls") and len(tree(f"{remote}/from-ls")) == 3
    # a missing export: the usage message names the URL, not its local stand-in
    capsys.readouterr()
    missing = url(f"{remote}/no-tasks.json")
    assert main(["import", "label-studio", missing, *corpus, "--out", out]) == 2
    err = capsys.readouterr().err
    no_stand_ins(err)
    assert f"{missing}: no such file" in err


def test_usage_messages_name_urls(remote: str, tmp_path: Path, capsys):
    missing = url(f"{remote}/nothing.jsonl")
    render = ["render", "--predictions", missing, "--corpus", url(f"{remote}/corpus")]
    assert main([*render, "--out", str(tmp_path / "page.html")]) == 2
    err = capsys.readouterr().err
    no_stand_ins(err)
    assert f"no such prediction file: {missing}" in err
    assert not (tmp_path / "page.html").exists()


def test_draft_from_predictions_at_a_url(remote: str, synthetic: Path, tmp_path: Path, capsys):
    document = json.loads((synthetic / "predictions.jsonl").read_text(encoding="utf-8").splitlines()[0])["document_id"]
    out = url(f"{remote}/drafts/{document}.yaml")
    source = ["--from", url(f"{remote}/predictions.jsonl"), "--corpus", url(f"{remote}/corpus")]
    assert main(["draft", document, *source, "--out", out]) == 0
    local = ["--from", str(synthetic / "predictions.jsonl"), "--corpus", str(synthetic / "corpus")]
    assert main(["draft", document, *local, "--out", str(tmp_path / "draft.yaml")]) == 0
    assert MEMORY.cat_file(f"{remote}/drafts/{document}.yaml") == (tmp_path / "draft.yaml").read_bytes()
    capsys.readouterr()
    missing = url(f"{remote}/nothing.jsonl")
    assert main(["draft", document, "--from", missing, "--corpus", url(f"{remote}/corpus")]) == 2
    assert f"no such file: {missing}" in capsys.readouterr().err
