"""`communique export hf`: loads offline in a fresh process, rebuilds the gold, deterministic, atomic."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from communique import load_annotations
from communique.cli.main import main
from communique.corpus.splits import split_of
from communique.export import hf as hf_module
from communique.export.rows import CONFIGS, SPLITS_OF
from communique.export.run import export_hf
from communique.io import folder as folder_module
from communique.io.parallel import Workers
from communique.schema.errors import CommuniqueError
from communique.schema.models import ANNOTATION_LAYERS, AttributionKind, CommitmentKind, StanceKind, labels

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, ROOT, SEED_GOLD

LOADER = r"""
import json, sys
import datasets
datasets.disable_progress_bars()
out, cache = sys.argv[1], sys.argv[2]
result = {}
for config in json.loads(sys.argv[3]):
    if config not in datasets.get_dataset_config_names(out):  # no rows: one typed empty file, not declared
        import pathlib, pyarrow.parquet as pq
        files = sorted(pathlib.Path(out, "data", config).glob("*.parquet"))
        empty = {f.name.split("-", 1)[0]: datasets.Dataset(pq.read_table(f)) for f in files}
        result[config] = {
            "features": {split: d.features.to_dict() for split, d in empty.items()},
            "rows": {split: d.to_list() for split, d in empty.items()},
        }
        continue
    loaded = datasets.load_dataset(out, config, cache_dir=cache)
    result[config] = {
        "features": {split: loaded[split].features.to_dict() for split in loaded},
        "rows": {split: loaded[split].to_list() for split in loaded},
    }
default = datasets.load_dataset(out, cache_dir=cache)
result["__default__"] = sorted(default)
print(json.dumps(result, ensure_ascii=False))
"""


def load_in_fresh_process(out: Path, cache: Path, configs: list[str]) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(cache / "home")}
    run = subprocess.run(
        [sys.executable, "-c", LOADER, str(out), str(cache), json.dumps(configs)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "hf"
    export_hf(GOLD, CORPUS, out, passes=ROOT / "annotations" / "passes")
    return out


@pytest.fixture(scope="module")
def loaded(exported: Path, tmp_path_factory) -> dict:
    return load_in_fresh_process(exported, tmp_path_factory.mktemp("cache"), [c.name for c in CONFIGS])


def test_every_config_and_split_loads_with_typed_features(loaded, gold):
    assert loaded["__default__"] == ["full"]  # default config: documents
    for config in CONFIGS:
        splits = loaded[config.name]["rows"]
        if config.name in ANNOTATION_LAYERS and not getattr(gold, config.name):
            # a layer with no items (the seed has no sources): one typed file of no rows, read with its features
            assert splits == {"train": []}
            assert loaded[config.name]["features"]["train"] == config.features.to_dict()
            continue
        assert splits and set(splits) <= set(SPLITS_OF[config.name])
        assert all(rows for rows in splits.values())  # never an empty declared split
    attributions = loaded["attributions"]["features"]["train"]
    assert attributions["kind"] == {"names": labels(AttributionKind), "_type": "ClassLabel"}
    contents = attributions["contents"]
    assert contents["_type"] == "List" and contents["feature"]["start"]["dtype"] == "int64"
    tags = loaded["tokens"]["features"]["train"]["ner_tags"]
    assert tags["_type"] == "List" and tags["feature"]["_type"] == "ClassLabel" and tags["feature"]["names"][0] == "O"


def test_documents_config_rebuilds_the_gold_exactly(loaded, gold, corpus_doc):
    from communique.export.rows import rebuild_document

    (row,) = loaded["documents"]["rows"]["full"]
    features = next(c.features for c in CONFIGS if c.name == "documents")
    assert rebuild_document(row, features) == gold
    assert row["text"] == corpus_doc.text
    assert row["text"].encode("utf-8") == (ROOT / "seeds" / f"{DOC_ID}.txt").read_bytes()  # non-ASCII byte-exact


def _spans(value):
    if isinstance(value, dict):
        if {"start", "end", "text"} <= value.keys():
            yield value
        for v in value.values():
            yield from _spans(v)
    elif isinstance(value, list):
        for v in value:
            yield from _spans(v)


def test_every_span_of_every_row_slices_its_text(loaded, corpus_doc, gold):
    checked = 0
    for config, data in loaded.items():
        if config.startswith("__"):
            continue
        for rows in data["rows"].values():
            for row in rows:
                base_text = row.get("context", row.get("text"))
                offset = row.get("context_start", 0)
                for span in _spans(
                    {k: v for k, v in row.items() if k not in ("start", "end", "text")} if "context" not in row else row
                ):
                    assert base_text[span["start"] : span["end"]] == span["text"], (
                        config,
                        row.get("id", ""),
                    )
                    assert corpus_doc.text[offset + span["start"] : offset + span["end"]] == span["text"]
                    checked += 1
    from communique.annotate.walk import SpanNode, walk
    from communique.schema.models import AnnotatedDocument

    gold_spans = sum(isinstance(n, SpanNode) for n in walk(AnnotatedDocument, gold.model_dump()))
    assert checked == 2 * gold_spans  # every gold span, once in `documents` and once in its item config


def test_item_counts_match_the_gold(loaded, gold, corpus_doc):
    def total(config):
        return sum(len(rows) for rows in loaded[config]["rows"].values())

    assert total("mentions") == sum(len(o.mentions) for o in gold.officials)
    assert total("attributions") == len(gold.attributions)
    assert total("sources") == len(gold.sources)
    assert total("meetings") == len(gold.meetings)
    assert total("commitments") == len(gold.commitments)
    assert total("tokens") == len(corpus_doc.sentences)


def test_no_unit_in_two_splits_and_rows_follow_their_unit(loaded):
    for config in CONFIGS:
        if config.name == "documents":
            continue
        units: dict[str, str] = {}
        for split, rows in loaded[config.name]["rows"].items():
            for row in rows:
                assert split_of(row["unit"]) == split
                assert units.setdefault(row["unit"], split) == split


def test_bio_tags_cover_every_mention(loaded, gold):
    names = loaded["tokens"]["features"]["train"]["ner_tags"]["feature"]["names"]
    begins = sum(
        names[t].startswith("B-") for rows in loaded["tokens"]["rows"].values() for row in rows for t in row["ner_tags"]
    )
    assert begins == sum(len(o.mentions) for o in gold.officials)
    for rows in loaded["tokens"]["rows"].values():
        for row in rows:
            for tok, s, e in zip(row["tokens"], row["starts"], row["ends"]):
                assert row["context"][s:e] == tok


def test_parquet_files_carry_their_features(exported):
    parquet = sorted(exported.rglob("*.parquet"))
    assert len(parquet) >= len(CONFIGS)  # one file per config at least
    for path in parquet:
        features = json.loads(pq.read_schema(path).metadata[b"huggingface"])["info"]["features"]
        config = next(c for c in CONFIGS if c.name == path.parent.name)
        assert features == config.features.to_dict()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.stem.endswith(digest[:12])


def test_card_front_matter_lists_exact_files_and_sizes(exported, loaded):
    text = (exported / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["license"] == "other" and "unknown" in front["license_name"]
    assert front["language"] == ["en"] and front["pretty_name"]
    for config in front["configs"]:
        for entry in config["data_files"]:
            for path in entry["path"]:
                assert (exported / path).is_file()
    for info in front["dataset_info"]:
        for split in info["splits"]:
            assert split["num_examples"] == len(loaded[info["config_name"]]["rows"][split["name"]]) > 0
    for needle in (
        "## Licence",
        "Leakage caveat",
        "## Annotation process",
        "load_dataset",
        "## Statistics",
        "strict span F1",
        "## Limitations",
    ):
        assert needle in text


def _tree(root: Path) -> dict[str, str]:
    tree = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    assert tree, f"nothing under {root}: comparing two empty trees would prove nothing"
    return tree


def test_export_is_deterministic(exported, tmp_path):
    again = tmp_path / "hf"
    export_hf(GOLD, CORPUS, again, passes=ROOT / "annotations" / "passes")
    assert _tree(again) and _tree(again) == _tree(exported)


def test_failed_export_leaves_previous_one_intact(exported, tmp_path, monkeypatch):
    target = tmp_path / "hf"
    shutil.copytree(exported, target)
    before = _tree(target)

    def broken(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device (injected)")

    monkeypatch.setattr(folder_module, "exchange", broken)
    with pytest.raises(CommuniqueError) as excinfo:
        export_hf(GOLD, CORPUS, target)
    assert excinfo.value.issues[0].code == "write-failed"
    assert _tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf"]  # no staging folder left behind


def test_invalid_gold_is_refused_and_nothing_written(tmp_path, capsys):
    gold = tmp_path / "gold"
    gold.mkdir()
    text = (
        (GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8").replace("official_id: bagheri", "official_id: bagher", 1)
    )
    (gold / "doc.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "hf"
    status = main(["export", "hf", "--out", str(out), "--gold", str(gold), "--corpus", str(CORPUS), "--no-verify"])
    assert status == 1 and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gold"]
    err = capsys.readouterr().err
    assert "[dangling-reference]" in err and "doc.yaml:" in err


def test_changed_export_is_not_served_from_a_stale_cache(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", gold / "doc.yaml")
    out, cache = tmp_path / "hf", tmp_path / "cache"
    export_hf(gold, CORPUS, out)
    first = load_in_fresh_process(out, cache, ["mentions"])
    text = (gold / "doc.yaml").read_text(encoding="utf-8")
    (gold / "doc.yaml").write_text(
        text.replace("      - {start: 3381, end: 3384, text: his, form: pronoun}\n", ""), encoding="utf-8"
    )
    export_hf(gold, CORPUS, out)
    second = load_in_fresh_process(out, cache, ["mentions"])
    count = lambda r: sum(len(rows) for rows in r["mentions"]["rows"].values())  # noqa: E731
    assert count(first) == 5 and count(second) == 4


def test_large_exports_are_sharded_by_size(tmp_path):
    out = tmp_path / "hf"
    result = export_hf(GOLD, CORPUS, out, max_shard_bytes=2_000)
    shards = result.shards["mentions"]["train"]
    assert len(shards) > 1 and all(f"-of-{len(shards):05d}-" in s.path for s in shards)
    loaded = load_in_fresh_process(out, tmp_path / "cache", ["mentions"])
    assert len(loaded["mentions"]["rows"]["train"]) == sum(s.num_examples for s in shards)


def test_adding_a_document_never_moves_an_existing_unit(tmp_path, loaded):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    data = json.loads((CORPUS / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    data["id"] = data["metadata"]["id"] = "second-copy"
    (corpus / "second-copy.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(GOLD / f"{DOC_ID}.yaml", gold / "a.yaml")
    text = (
        (GOLD / f"{DOC_ID}.yaml")
        .read_text(encoding="utf-8")
        .replace(f"document_id: {DOC_ID}", "document_id: second-copy")
    )
    (gold / "b.yaml").write_text(text, encoding="utf-8")
    export_hf(gold, corpus, tmp_path / "hf")
    both = load_in_fresh_process(tmp_path / "hf", tmp_path / "cache", ["attributions"])
    before = {(r["unit"], r["id"]): s for s, rows in loaded["attributions"]["rows"].items() for r in rows}
    after = {(r["unit"], r["id"]): s for s, rows in both["attributions"]["rows"].items() for r in rows}
    assert all(after[key] == split for key, split in before.items())
    assert len(after) == 2 * len(before)


def test_croissant_metadata_is_valid_with_real_checksums(exported):
    import mlcroissant as mlc  # a declared test dependency

    meta = json.loads((exported / "croissant.json").read_text(encoding="utf-8"))
    files = [d for d in meta["distribution"] if d["@type"] == "cr:FileObject"]
    assert len(files) == len(list(exported.rglob("*.parquet")))
    for entry in files:
        assert hashlib.sha256((exported / entry["contentUrl"]).read_bytes()).hexdigest() == entry["sha256"]
    dataset = mlc.Dataset(jsonld=str(exported / "croissant.json"))
    configs_with_rows = {c.name for c in CONFIGS if list((exported / "data" / c.name).glob("*.parquet"))}
    assert configs_with_rows and {rs.name for rs in dataset.metadata.record_sets} == configs_with_rows
    records = list(dataset.records(record_set="attributions"))
    assert len(records) == len(load_annotations(SEED_GOLD, CORPUS)[0].attributions)


def test_main_command_prints_split_sizes(tmp_path, capsys):
    out = tmp_path / "hf"
    assert main(["export", "hf", "--out", str(out), "--gold", str(GOLD), "--corpus", str(CORPUS)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["config", "split", "rows"]
    assert any(line.split()[:2] == ["attributions", "train"] for line in printed)


def test_parallel_export_is_byte_identical_to_serial(tmp_path, monkeypatch, capsys):
    assert main(["synth", "--docs", "5", "--seed", "11", "--out", str(tmp_path / "syn")]) == 0
    monkeypatch.setattr(hf_module, "CHUNK_DOCS", 2)  # three chunks of work
    serial = export_hf(tmp_path / "syn" / "annotations", tmp_path / "syn" / "corpus", tmp_path / "one")
    export_hf(tmp_path / "syn" / "annotations", tmp_path / "syn" / "corpus", tmp_path / "two", workers=Workers(2))
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    assert serial.split_sizes()["documents"]["full"] == 5
    capsys.readouterr()


def test_export_shards_read_directly_by_polars(exported, loaded):
    import polars  # a declared test dependency

    frame = polars.read_parquet(str(exported / "data" / "attributions" / "*.parquet"))
    assert frame.height == sum(len(rows) for rows in loaded["attributions"]["rows"].values())
    first = frame.row(0, named=True)
    span = first["contents"][0]
    assert first["context"][span["start"] : span["end"]] == span["text"]


V2 = FIXTURES / "v2"


def test_v2_layers_reach_their_configs_and_the_document_rebuilds(tmp_path):
    """A small document with every v2 layer: sources, each kind of attribution source, meeting modes, actors."""
    from communique.export.rows import rebuild_document

    (doc,) = load_annotations(V2 / "gold", V2 / "corpus")
    assert doc.sources and {a.source.type for a in doc.attributions} == {"official", "source", "unresolved"}
    export_hf(V2 / "gold", V2 / "corpus", tmp_path / "hf")
    data = load_in_fresh_process(tmp_path / "hf", tmp_path / "cache", ["documents", *ANNOTATION_LAYERS])

    def rows(config):
        return {r["id"]: r for split_rows in data[config]["rows"].values() for r in split_rows}

    (row,) = data["documents"]["rows"]["full"]
    assert rebuild_document(row, next(c.features for c in CONFIGS if c.name == "documents")) == doc

    def name(config, column, value, nested=None):
        feature = data[config]["features"][next(iter(data[config]["features"]))][column]
        feature = feature[nested] if nested else feature
        return None if value is None else feature["names"][value]

    sources = rows("sources")
    assert {i: name("sources", "type", r["type"]) for i, r in sources.items()} == {s.id: s.type for s in doc.sources}
    attributions = rows("attributions")
    for a in doc.attributions:
        source = attributions[a.id]["source"]
        assert name("attributions", "source", source["type"], "type") == a.source.type
        assert (source["official"] or {}).get("id") == getattr(a.source, "official_id", None)
        assert source["source_id"] == getattr(a.source, "source_id", None)
        assert name("attributions", "source", source["reason"], "reason") == getattr(a.source, "reason", None)
        assert name("attributions", "speech_act", attributions[a.id]["speech_act"]) == a.speech_act
    meetings = rows("meetings")
    assert {i: name("meetings", "mode", r["mode"]) for i, r in meetings.items()} == {m.id: m.mode for m in doc.meetings}
    by_mode = {m.mode: meetings[m.id]["plover_mode"] for m in doc.meetings}
    assert by_mode == {"in_person": "visit", "telephone": "phone"}
    # commitments and stances, each in its config, loaded by `datasets.load_dataset` (with their kind labels)
    for layer in ("commitments", "stances"):
        acts = rows(layer)
        assert set(acts) == {c.id for c in getattr(doc, layer)} and acts
        for c in getattr(doc, layer):
            got = acts[c.id]
            assert [(a["id"], a["country"]) for a in got["actors"]] == [(a.official_id, a.country) for a in c.actors]
            assert name(layer, "kind", got["kind"]) == c.kind
            assert name(layer, "modality_type", got["modality_type"]) == c.modality_type
            assert got["attribution_id"] == c.attribution_id
            assert got["context"][got["evidence"]["start"] : got["evidence"]["end"]] == c.evidence.text
    features = lambda layer: data[layer]["features"][next(iter(data[layer]["features"]))]  # noqa: E731
    assert features("commitments")["kind"]["names"] == labels(CommitmentKind)
    assert features("stances")["kind"]["names"] == labels(StanceKind) and "condition" not in features("stances")
    promise = rows("commitments")["c1"]
    condition = promise["condition"]
    assert promise["context"][condition["start"] : condition["end"]] == condition["text"] == "if Brazil asked for them"
    assert (promise["plover_event"], promise["plover_contexts"]) == ("AGREE", ["future"])
    stances = rows("stances")
    assert stances["st1"]["plover_event"] == "SUPPORT" and stances["st4"]["plover_event"] is None
    assert (stances["st3"]["plover_event"], stances["st5"]["plover_event"], stances["st5"]["plover_mode"]) == (
        "REQUEST",
        "ACCUSE",
        "disapprove",
    )
    card = (tmp_path / "hf" / "README.md").read_text(encoding="utf-8")
    configs = ("mentions", "sources", "meetings", "attributions", "commitments", "stances")
    assert all(f"### `{config}`" in card for config in configs) and "`quotes`" not in card
    croissant = json.loads((tmp_path / "hf" / "croissant.json").read_text(encoding="utf-8"))
    assert {"commitments", "stances"} <= {r["@id"] for r in croissant["recordSet"]}


@pytest.mark.parametrize("unit", ["section", "document"])
def test_the_columnar_tables_are_the_tables_of_the_rows(tmp_path: Path, unit: str):
    # the export builds each table column by column (tokens flat); it must be exactly the table of the rows
    # the configs define, down to Arrow's byte counts (which the card reports)
    import pyarrow as pa

    from communique.annotate.load import iter_validated
    from communique.corpus.splits import Splitter
    from communique.export.features import make_encoder
    from communique.synth.generate import synthesise

    list(synthesise(tmp_path, 3, 5))
    splitter = Splitter(unit)  # type: ignore[arg-type]
    valid = list(iter_validated([tmp_path / "annotations"], tmp_path / "corpus"))
    valid += list(iter_validated([GOLD], CORPUS))  # hand-made gold: sources, unresolved speakers, times
    chunk = hf_module.build_chunk(hf_module.make_context(splitter, None), iter(valid))  # type: ignore[arg-type]
    expected: dict[tuple[str, str], list[dict]] = {}
    for config in CONFIGS:
        encode = make_encoder(config.features)
        for v in valid:
            for split, row in config.rows(v.document, v.corpus, splitter):
                expected.setdefault((config.name, split), []).append(encode(row))
    assert set(chunk.tables) == set(expected) and len(expected) >= 10
    for key, rows in expected.items():
        table = pa.Table.from_pylist(rows, schema=chunk.tables[key].schema)
        assert chunk.tables[key].equals(table), key
        assert chunk.tables[key].nbytes == table.nbytes, key


def test_every_config_is_exported_typed_even_with_no_rows(tmp_path: Path, monkeypatch, capsys):
    # a corpus whose gold has no sources (nor any other layer): each layer's config is one typed file of no
    # rows; the card declares only what load_dataset loads, and Croissant lists every file
    from .conftest import write_corpus_document

    monkeypatch.chdir(tmp_path)  # outside the repository's project: no passes
    write_corpus_document(tmp_path / "corpus", "memo", "The minister spoke.\n")
    sha = json.loads((tmp_path / "corpus" / "memo.json").read_text(encoding="utf-8"))["sha256"]
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "memo.yaml").write_text(
        f"schema_version: '2.1'\ndocument_id: memo\ntext_sha256: {sha}\nguidelines_version: '2.1'\nannotators: [a]\n",
        encoding="utf-8",
    )
    out = tmp_path / "hf"
    args = ["export", "hf", "--gold", str(tmp_path / "gold"), "--corpus", str(tmp_path / "corpus")]
    assert main([*args, "--out", str(out), "--format", "json"]) == 0  # verified: loaded back
    rows = json.loads(capsys.readouterr().out)["rows"]
    layers = [c.name for c in CONFIGS if c.name in ANNOTATION_LAYERS]
    assert "sources" in layers and all(rows[name] == {"train": 0} for name in layers)
    loaded = load_in_fresh_process(out, tmp_path / "cache", [c.name for c in CONFIGS])
    for config in CONFIGS:
        assert loaded[config.name]["features"], config.name  # every config is there, typed
        for features in loaded[config.name]["features"].values():
            assert features == config.features.to_dict()
    assert loaded["sources"]["rows"] == {"train": []} and loaded["documents"]["rows"]["full"]
    front = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert {c["config_name"] for c in front["configs"]} == {"documents", "tokens"}  # what load_dataset loads
    assert "Configs with no rows in this corpus: `mentions`" in (out / "README.md").read_text(encoding="utf-8")
    croissant = json.loads((out / "croissant.json").read_text(encoding="utf-8"))
    files = {d["contentUrl"] for d in croissant["distribution"] if d["@type"] == "cr:FileObject"}
    assert files == {p.relative_to(out).as_posix() for p in out.rglob("*.parquet")}
