"""Projects anywhere: communique.toml found upward, `init`, and `add` (byte-exact copy, hash computed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from communique.corpus.add import add_text, make_id
from communique.corpus.build import build_corpus, load_corpus_document
from communique.corpus.splits import Splitter, split_of
from communique.io.project import SplitPolicy, find_project, init_project, load_project
from communique.schema.errors import CommuniqueError

TEXT_A = (
    "BRASILIA, May 3 (Wire) -- Defence Minister Ana Souza met her Chilean counterpart on Monday.\n\n"
    "\u201cWe will hold joint exercises next year,\u201d Souza said.\n"
)
TEXT_B = "OSLO -- Norway\u2019s foreign minister talked with his Swedish counterpart by telephone.\n"


def _codes(exc: pytest.ExceptionInfo[CommuniqueError]) -> list[str]:
    return sorted(i.code for i in exc.value.issues)


def test_init_creates_folders_and_a_config_found_from_below(tmp_path: Path) -> None:
    config = init_project(tmp_path / "proj", name="my-corpus", description="Talks.")
    assert config.is_file()
    for folder in ("seeds", "corpus", "annotations/gold"):
        assert (tmp_path / "proj" / folder).is_dir()
    deep = tmp_path / "proj" / "annotations" / "gold"
    project = find_project(deep)
    assert project.root == (tmp_path / "proj").resolve()
    assert project.dataset.name == "my-corpus" and project.dataset.description == "Talks."
    assert project.path("gold") == project.root / "annotations" / "gold"
    with pytest.raises(CommuniqueError) as exc:
        init_project(tmp_path / "proj")
    assert _codes(exc) == ["project-exists"]


def test_outside_a_project_the_conventional_folders_are_used(tmp_path: Path) -> None:
    project = find_project(tmp_path)
    assert project.root is None and project.path("corpus") == Path("corpus")


def test_config_problems_are_all_reported_with_their_place(tmp_path: Path) -> None:
    config = tmp_path / "communique.toml"
    config.write_text('[dataset]\nname = 3\ncolour = "red"\n[splits]\nunit = "page"\nratios = [50, 50]\n')
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    messages = " | ".join(i.message for i in exc.value.issues)
    assert len(exc.value.issues) == 4, messages
    assert all(i.code == "config-invalid" and i.file == str(config) for i in exc.value.issues)
    assert sorted(i.line for i in exc.value.issues) == [2, 3, 5, 6]  # name, colour, unit, ratios
    config.write_text("[dataset\n")
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    assert exc.value.issues[0].line == 1


def test_add_copies_bytes_computes_the_hash_and_builds_the_document(tmp_path: Path) -> None:
    init_project(tmp_path)
    project = find_project(tmp_path)
    source = tmp_path / "Souza Talks.txt"
    raw = ("\ufeff" + TEXT_A.replace("\n", "\r\n")).encode("utf-8")  # BOM and CRLF: kept in the seed, normalised after
    source.write_bytes(raw)
    added = add_text(
        source, project.path("seeds"), project.path("corpus"), metadata={"publisher": "Wire", "dateline": "BRASILIA"}
    )
    assert added.id == "souza-talks"
    assert added.seed.read_bytes() == raw
    doc = load_corpus_document(added.corpus_document)
    assert doc.metadata.source_sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.metadata.publisher == "Wire" and doc.metadata.title is None
    assert doc.text == TEXT_A and set(doc.normalisations) == {"bom", "crlf"}
    # the written metadata is what `corpus build` reads: rebuilding changes nothing
    assert [changed for _, changed in build_corpus(project.path("seeds"), project.path("corpus"))] == [False]


def test_add_refuses_and_writes_nothing(tmp_path: Path) -> None:
    init_project(tmp_path)
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    first = tmp_path / "a.txt"
    first.write_text(TEXT_A, encoding="utf-8")
    add_text(first, seeds, corpus)
    before = sorted(p.name for p in [*seeds.iterdir(), *corpus.iterdir()])
    cases = {
        "latin1.txt": ("caf\xe9".encode("latin-1"), None, ["encoding-error"]),
        "blank.txt": (b" \n\n", None, ["seed-empty"]),
        "again.txt": (TEXT_B.encode(), "a", ["seed-exists"]),
        "copy.txt": (TEXT_A.encode(), None, ["seed-duplicate-text"]),
        "bad-id.txt": (TEXT_B.encode(), "Not An Id", ["invalid-value"]),
    }
    for name, (data, doc_id, codes) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CommuniqueError) as exc:
            add_text(path, seeds, corpus, doc_id=doc_id)
        assert _codes(exc) == codes, name
        assert sorted(p.name for p in [*seeds.iterdir(), *corpus.iterdir()]) == before, name
    bad_meta = tmp_path / "b.txt"
    bad_meta.write_text(TEXT_B, encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        add_text(bad_meta, seeds, corpus, metadata={"language": "English"})
    assert _codes(exc) == ["invalid-value"] and "--language" in exc.value.issues[0].message


@pytest.mark.parametrize(("name", "expected"), [("Souza Talks.txt", "souza-talks"), ("2024-news.txt", "doc-2024-news")])
def test_ids_from_file_names(name: str, expected: str) -> None:
    assert make_id(name) == expected


def test_split_policy_by_document_keeps_documents_whole(tmp_path: Path) -> None:
    init_project(tmp_path)
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    for i, text in enumerate([TEXT_A, TEXT_B]):
        (tmp_path / f"t{i}.txt").write_text(text, encoding="utf-8")
        add_text(tmp_path / f"t{i}.txt", seeds, corpus)
    docs = [load_corpus_document(p) for p in sorted(corpus.glob("*.json"))]
    assert SplitPolicy(unit="auto", min_documents=2).unit_for(len(docs)) == "document"
    assert SplitPolicy(unit="auto", min_documents=3).unit_for(len(docs)) == "section"
    by_doc = Splitter("document")
    for doc in docs:
        assert by_doc.units(doc) == [doc.id]
        assert {by_doc.split_at(doc, s.start) for s in doc.sentences} == {split_of(doc.id)}
    by_section = Splitter("section")
    assert by_section.units(docs[0]) == [f"{docs[0].id}#s{s.index}" for s in docs[0].sections]


# --- communique.toml is a model: every wrong field is a located, coded error -------------------------------------

VALID_HEAD = '# a project\n[dataset]\nname = "ok"  # one line\n\n'


@pytest.mark.parametrize(
    ("table", "line", "path", "code"),
    [
        ("[dataset]", "name = 3", "$.dataset.name", "config-invalid"),
        ("[dataset]", 'name = "  "', "$.dataset.name", "config-invalid"),
        ("[dataset]", 'description = "two\\nlines"', "$.dataset.description", "config-invalid"),
        ("[dataset]", "licence = [1]", "$.dataset.licence", "config-invalid"),
        ("[dataset]", "citation = 2024", "$.dataset.citation", "config-invalid"),
        ("[dataset]", 'annotation_notes = "bell\\u0007"', "$.dataset.annotation_notes", "config-invalid"),
        ("[dataset]", 'colour = "red"', "$.dataset.colour", "config-invalid"),
        ("[splits]", 'unit = "page"', "$.splits.unit", "config-invalid"),
        ("[splits]", "min_documents = 0", "$.splits.min_documents", "config-invalid"),
        ("[splits]", 'min_documents = "10"', "$.splits.min_documents", "config-invalid"),
        ("[splits]", "min_documents = true", "$.splits.min_documents", "config-invalid"),
        ("[splits]", "min_documents = 1.5", "$.splits.min_documents", "config-invalid"),
        ("[splits]", "ratios = [50, 50]", "$.splits.ratios", "config-invalid"),
        ("[splits]", "ratios = [50, 50, 1]", "$.splits.ratios", "config-invalid"),
        ("[splits]", "ratios = [-1, 51, 50]", "$.splits.ratios[0]", "config-invalid"),
        ("[splits]", 'ratios = "70,15,15"', "$.splits.ratios", "config-invalid"),
        ("[paths]", "corpus = 3", "$.paths.corpus", "config-invalid"),
        ("[paths]", 'gold = ""', "$.paths.gold", "config-invalid"),
        ("[paths]", 'seeds = "/srv/seeds"', "$.paths.seeds", "path-outside-project"),
        ("[paths]", 'passes = "../passes"', "$.paths.passes", "path-outside-project"),
        ("[paths]", 'outputs = "dist"', "$.paths.outputs", "config-invalid"),
        ("", '   splits.unit = "page"', "$.splits.unit", "config-invalid"),  # a dotted key, indented
        ("", '"splits" . "min_documents" = 0', "$.splits.min_documents", "config-invalid"),
        ("", "[colours]", "$.colours", "config-invalid"),
        ("", "paths = 3", "$.paths", "config-invalid"),
    ],
)
def test_each_wrong_field_is_one_located_coded_error(tmp_path: Path, table: str, line: str, path: str, code: str):
    root = tmp_path / "proj"
    root.mkdir()
    config = root / "communique.toml"
    if not table:  # a top-level statement comes before any table
        text = f"# top\n{line}\n{VALID_HEAD}"
    else:
        head = VALID_HEAD if table != "[dataset]" else '# a project\n[splits]\nunit = "auto"\n\n'
        text = f"{head}{table}\n{line}\n"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    [found] = exc.value.issues
    lines = text.split("\n")
    expected_line = lines.index(line) + 1
    assert (found.code, found.path, found.file) == (code, path, str(config))
    # at the key: the first character of its name as written
    assert (found.line, found.column) == (expected_line, len(line) - len(line.lstrip()) + 1), found
    key = path.removeprefix("$.").split(".")[-1].split("[")[0]
    assert key in found.message and "Traceback" not in found.message


def test_a_key_inside_an_inline_table_is_located_at_the_table(tmp_path: Path):
    config = tmp_path / "communique.toml"
    config.write_text('# settings\nsplits = { unit = "auto", ratios = [1, 2] }\n', encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    [found] = exc.value.issues
    assert (found.code, found.path, found.line, found.column) == ("config-invalid", "$.splits.ratios", 2, 1)


def test_keys_written_in_strings_or_comments_are_not_taken_for_keys(tmp_path: Path):
    config = tmp_path / "communique.toml"
    config.write_text(
        '[dataset]\ncitation = """\n[splits]\nunit = "page"\n"""  # unit = 1\n# [splits]\n[splits]\n  unit = "page"\n',
        encoding="utf-8",
    )
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    [found] = exc.value.issues
    assert (found.path, found.line, found.column) == ("$.splits.unit", 8, 3)


def test_the_model_keeps_what_the_file_says(tmp_path: Path):
    root = tmp_path / "proj"
    root.mkdir()
    config = root / "communique.toml"
    config.write_text(
        '[dataset]\nname = "n"\ncitation = "a\\nb"\n[splits]\nunit = "document"\nratios = [80, 10, 10]\n'
        '[paths]\ncorpus = "data/corpus"\n',
        encoding="utf-8",
    )
    project = load_project(config)
    assert project.dataset.name == "n" and project.dataset.citation == "a\nb" and project.dataset.licence is None
    assert project.splits == SplitPolicy(unit="document", ratios=(80, 10, 10))
    assert project.path("corpus") == root / "data" / "corpus" and project.path("gold") == root / "annotations/gold"


def test_every_wrong_key_of_a_long_config_is_reported_at_its_own_line(tmp_path: Path):
    config = tmp_path / "communique.toml"
    config.write_text("[dataset]\n" + "".join(f'key{i} = "v"\n' for i in range(2000)), encoding="utf-8")
    with pytest.raises(CommuniqueError) as exc:
        load_project(config)
    found = exc.value.issues
    assert [(i.line, i.column, i.path) for i in found] == [(i + 2, 1, f"$.dataset.key{i}") for i in range(2000)]


def test_init_writes_every_key_of_every_table(tmp_path: Path) -> None:
    # the README documents communique.toml as the model's tables and keys: `init` writes each one, and what it
    # writes reads back as the defaults
    import tomllib

    from communique.io.project import ProjectConfig

    config = init_project(tmp_path / "mine", name="mine")
    written = tomllib.loads(config.read_text(encoding="utf-8"))
    tables = ProjectConfig.model_fields
    assert set(written) == set(tables) and "annotation_notes" in written["dataset"]
    for table, field in tables.items():
        model = field.annotation
        assert isinstance(model, type)
        assert set(written[table]) == set(model.model_fields), table
    loaded = load_project(config)
    assert loaded.dataset.name == "mine" and loaded.splits == SplitPolicy()
    assert {k: p.relative_to(tmp_path / "mine").as_posix() for k, p in loaded.paths.items()} == written["paths"]
