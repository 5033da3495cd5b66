"""Hostile input: every attack from issue 14 (input half) is refused with a located, coded message, costs
bounded work, and cannot break an export. Each test uses a small corpus written for it."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest

from communique.annotate.anchor import resolve
from communique.annotate.checks import show_value
from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import validate_file
from communique.bench.predictions import PredictionStream
from communique.cli.main import main
from communique.corpus.build import make_document, serialise
from communique.corpus.store import CorpusStore
from communique.export.card import markdown_code
from communique.export.rows import MENTION_CONTEXT_MAX, MENTION_CONTEXT_RADIUS, mention_rows, token_rows
from communique.formats.brat import render_ann
from communique.io.parse import ALIAS_FLOOR, ParseFailure, parse_json, parse_yaml
from communique.schema.models import AnnotatedDocument, CorpusDocument, SeedMetadata

TEXT = "Mr José Babar met the minister in Tehran.\n\nMr Babar said the talks went well. He left.\n"


def write_corpus(root: Path, text: str = TEXT, doc_id: str = "doc") -> tuple[Path, CorpusDocument]:
    raw = text.encode("utf-8")
    meta = SeedMetadata(
        id=doc_id,
        source_file=f"{doc_id}.txt",
        source_sha256=hashlib.sha256(raw).hexdigest(),
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )
    document = make_document(raw, meta)
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / f"{doc_id}.json").write_text(serialise(document), encoding="utf-8")
    return corpus, document


def official(
    name: str = "José Babar", mentions: str = "      - {start: 3, end: 13, text: José Babar, form: name}"
) -> str:
    return f"""  - id: babar
    name: {json.dumps(name)}
    title: null
    rank: null
    country: null
    organisation: null
    participation: mentioned
    mentions:
{mentions}
"""


def annotation(sha: str, officials: str, doc_id: str = "doc") -> str:
    return f"""schema_version: "2.1"
document_id: {doc_id}
text_sha256: {sha}
guidelines_version: "2.1"
annotators: [test]
officials:
{officials}"""


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, CorpusDocument]:
    return write_corpus(tmp_path)


def codes(path: Path, corpus_dir: Path) -> list[str]:
    return [i.code for i in validate_file(path, CorpusStore(corpus_dir)).issues]


# ------------------------------------------------------------------------------------ alias expansion


def alias_levels(levels: int, fanout: int = 10) -> str:
    lines = ["document_id: doc", "a0: &a0 [" + ", ".join(["lol"] * fanout) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nannotators: *a{levels - 1}\n"


def test_alias_bomb_is_refused_at_the_alias_with_a_code(tmp_path: Path, corpus):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_levels(10), encoding="utf-8")  # 10^10 nodes from 34 written ones
    report = validate_file(path, CorpusStore(corpus[0]))
    (found,) = report.issues
    assert found.code == "alias-expansion"
    # the alias at which the running expansion crosses the limit: the 8th `*a2` of `a3` (1,111 nodes each)
    assert (found.line, found.column) == (5, 45)
    assert "10,000" in found.message


def test_wide_alias_bomb_is_refused_by_validate_and_anchor(tmp_path: Path, corpus):
    """3,000 aliased officials each holding 3,000 aliased mentions: 9M mentions from a 25 KB file."""
    path = tmp_path / "wide.yaml"
    text = "\n".join(
        [
            "document_id: doc",
            "m: &m {start: 3, end: 13, text: José Babar, form: name}",
            "ms: &ms [" + ", ".join(["*m"] * 3000) + "]",
            "o: &o {id: o, name: null, participation: mentioned, mentions: *ms}",
            "officials: [" + ", ".join(["*o"] * 3000) + "]",
        ]
    )
    path.write_text(text + "\n", encoding="utf-8")
    assert codes(path, corpus[0]) == ["alias-expansion"]
    result = anchor_file(path, corpus[0])
    assert [i.code for i in result.issues] == ["alias-expansion"] and not result.changed
    assert path.read_text(encoding="utf-8") == text + "\n"


def test_modest_aliases_are_still_read(tmp_path: Path, corpus):
    _, document = corpus
    path = tmp_path / "doc.yaml"
    text = annotation(document.sha256, official()).replace("annotators: [test]", "annotators: &who [test]")
    path.write_text(text + "passes_by: *who\n", encoding="utf-8")
    assert codes(path, corpus[0]) == ["unknown-field"]  # read and validated: no alias-expansion


def test_recursive_alias_is_refused(tmp_path: Path, corpus):
    path = tmp_path / "loop.yaml"
    path.write_text("document_id: doc\nofficials: &o [*o]\n", encoding="utf-8")
    assert codes(path, corpus[0]) == ["yaml-unsupported"]
    assert [i.code for i in anchor_file(path, corpus[0]).issues] == ["yaml-unsupported"]


def test_alias_limit_scales_with_the_written_size():
    """A long file may reuse a value more often: the limit is relative, the floor absolute."""
    items = ", ".join(f"x{i}" for i in range(2000))
    assert parse_yaml(f"a: &a [{items}]\nb: [*a, *a, *a, *a, *a]\n")  # 12,000 nodes from 2,003: fine
    with pytest.raises(ParseFailure) as caught:
        parse_yaml(f"a: &a [{items}]\nb: [" + ", ".join(["*a"] * 30) + "]\n")
    assert caught.value.issue.code == "alias-expansion" and caught.value.issue.line == 2
    assert ALIAS_FLOOR == 10_000


# ------------------------------------------------------------------------------ keys and big numbers


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("document_id: doc\n? [a, b]\n: 3\n", 2, 3),
        ("document_id: doc\n{x: 1}: 3\n", 2, 1),
        ("document_id: doc\nofficials: [{[a]: 1}]\n", 2, 14),
    ],
)
def test_complex_keys_are_located_and_coded(tmp_path: Path, corpus, text: str, line: int, column: int):
    path = tmp_path / "keys.yaml"
    path.write_text(text, encoding="utf-8")
    (found,) = validate_file(path, CorpusStore(corpus[0])).issues
    assert (found.code, found.line, found.column) == ("yaml-unsupported", line, column)
    assert [i.code for i in anchor_file(path, corpus[0]).issues] == ["yaml-unsupported"]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_integers_over_4300_digits_are_located_and_coded(tmp_path: Path, corpus, suffix: str):
    path = tmp_path / f"big{suffix}"
    digits = "7" * 5000
    if suffix == ".json":
        path.write_text('{"document_id": "doc",\n  "officials": [{"start": ' + digits + "}]}", encoding="utf-8")
        where = (2, 27)
    else:
        path.write_text(f"document_id: doc\nofficials:\n  - start: {digits}\n", encoding="utf-8")
        where = (3, 12)
    (found,) = validate_file(path, CorpusStore(corpus[0])).issues
    assert (found.code, found.line, found.column) == ("number-too-large", *where)
    assert "5000 digits" in found.message


def test_an_integer_of_4300_digits_is_still_read():
    assert parse_json('{"n": ' + "9" * 4300 + "}")["n"] == int("9" * 4300)
    assert parse_yaml("n: " + "9" * 4300 + "\n")["n"] == int("9" * 4300)
    assert parse_yaml("n: '" + "9" * 5000 + "'\n")["n"] == "9" * 5000  # quoted: text, not a number


def test_json_lines_with_a_huge_integer_is_a_coded_issue(tmp_path: Path, corpus, capsys):
    path = tmp_path / "pred.jsonl"
    path.write_text('{"document_id": "doc", "officials": ' + "1" * 5000 + "}\n", encoding="utf-8")
    stream = PredictionStream(path, CorpusStore(corpus[0]))
    (found,) = stream.summary.issues
    assert (found.code, found.line, found.column) == ("number-too-large", 1, 37)


# ------------------------------------------------------------------------------------------ messages


def test_show_value_is_bounded_and_never_converts_a_huge_integer():
    shared: list[object] = ["x" * 10_000]
    for _ in range(30):  # 2^30 leaves when expanded
        shared = [shared, shared]
    assert len(show_value(shared)) <= 60
    assert show_value(10**100_000).startswith("<integer of about 100001 digits")
    assert show_value("abc") == "'abc'" and show_value([1, 2]) == "[1, 2]" and show_value(None) == "None"
    assert show_value("y" * 500) == repr("y" * 500)[:59] + "…"


def test_nfd_span_text_gets_a_normalisation_hint(corpus):
    text = corpus[1].text
    (found,) = resolve(text, {"text": unicodedata.normalize("NFD", "José Babar")}, ("x",)).issues
    assert found.code == "span-not-found"
    assert "NFC" in (found.hint or "") and "[3, 13)" in (found.hint or "")


def test_capitalisation_hint_only_names_differently_capitalised_places(corpus):
    text = corpus[1].text
    (found,) = resolve(text, {"text": "Babar", "prefix": "Dr "}, ("x",)).issues
    assert "capitalisation" not in (found.hint or "")
    assert found.hint == "it occurs at [8, 13), [46, 51), but not with this prefix/suffix"
    (found,) = resolve(text, {"text": "mr babar"}, ("x",)).issues
    assert found.hint == "it occurs with other capitalisation at [43, 51)"


def test_prefix_anchoring_compares_in_place():
    """Many candidates in a long text: each check reads only the prefix's length (no copies)."""
    text = "Babar " * 200_000 + "Zed Babar."
    found = resolve(text, {"text": "Babar", "prefix": "Zed "}, ("x",))
    assert found is not None and found.start == len("Babar ") * 200_000 + 4
    assert resolve(text, {"text": "Babar", "prefix": "Babar " * 300_000}, ("x",)).issues[0].code == "span-not-found"


def test_a_bom_is_accepted_at_the_start_of_yaml_json_and_json_lines(tmp_path: Path, corpus):
    _, document = corpus
    path = tmp_path / "doc.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + annotation(document.sha256, official()).encode("utf-8"))
    assert codes(path, corpus[0]) == []
    data = parse_yaml(annotation(document.sha256, official()))
    as_json = tmp_path / "doc.json"
    as_json.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode("utf-8"))
    assert codes(as_json, corpus[0]) == []
    lines = tmp_path / "pred.jsonl"
    lines.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode("utf-8") + b"\n")
    stream = PredictionStream(lines, CorpusStore(corpus[0]))
    assert stream.documents == {"doc"} and not stream.read("doc").issues
    lines.write_bytes(json.dumps(data).encode("utf-8") + b"\n\xef\xbb\xbf" + json.dumps(data).encode("utf-8") + b"\n")
    stream = PredictionStream(lines, CorpusStore(corpus[0]))
    assert [(i.code, i.line) for i in stream.summary.issues] == [("json-syntax", 2)]  # only at the start


# --------------------------------------------------------------------------------- control characters


@pytest.mark.parametrize("bad", ["\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"])
def test_control_characters_in_free_text_are_a_coded_error(tmp_path: Path, corpus, bad: str):
    _, document = corpus
    path = tmp_path / "doc.yaml"
    path.write_text(annotation(document.sha256, official(name=f"Babar{bad}T999")), encoding="utf-8")
    report = validate_file(path, CorpusStore(corpus[0]))
    (found,) = report.issues
    assert (found.code, found.path, found.line) == ("control-character", "$.officials[0].name", 8)
    assert f"U+{ord(bad):04X} at position 5" in found.message and report.document is None


def test_brat_injection_through_a_name_is_refused_and_escaped(tmp_path: Path, corpus):
    corpus_dir, document = corpus
    hostile = "Babar\nT999\tMention 0 6\tTEHRAN\n#9\tAnnotatorNotes T1\tpwned"
    path = tmp_path / "doc.yaml"
    path.write_text(annotation(document.sha256, official(name=hostile)), encoding="utf-8")
    assert codes(path, corpus_dir) == ["control-character"]
    # even a model changed after validation cannot add lines to the .ann
    good = AnnotatedDocument.model_validate(parse_yaml(annotation(document.sha256, official())))
    bad_official = good.officials[0].model_copy(update={"name": hostile})
    doc = good.model_copy(update={"officials": [bad_official]})
    lines = render_ann(doc, document).splitlines()
    assert len(lines) == 3  # the mention, its Form attribute, its note
    assert all(re.fullmatch(r"(T\d+\t[^\t]+\t[^\t]*|A\d+\t[^\t]+|#\d+\t[^\t]+\t[^\t]*)", line) for line in lines)
    assert not any(line.startswith("T999") for line in lines)


def test_markdown_code_spans_cannot_be_broken():
    assert markdown_code("pass-a") == "`pass-a`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("x\n# heading") == "`x # heading`"


def test_published_schema_refuses_control_characters_in_names():
    schema = json.loads((Path(__file__).resolve().parent.parent / "schema" / "annotation.schema.json").read_text())
    official = schema["$defs"]["Official"]["properties"]["name"]
    patterns = [option.get("pattern") for option in official["anyOf"]]
    pattern = next(p for p in patterns if p)
    assert re.fullmatch(pattern, "José Babar") and not re.search(pattern, "Babar\nT999")


# -------------------------------------------------------------------------------------------- exports


def test_a_long_sentence_gives_each_mention_a_bounded_context(tmp_path: Path):
    text = " ".join(["Babar"] * 2000) + " end.\n"
    _, document = write_corpus(tmp_path, text)
    mentions = "\n".join(
        f"      - {{start: {i * 6}, end: {i * 6 + 5}, text: Babar, form: name}}" for i in (0, 1000, 1999)
    )
    doc = AnnotatedDocument.model_validate(parse_yaml(annotation(document.sha256, official("Babar", mentions))))
    rows = [row for _, row in mention_rows(doc, document)]
    assert len(document.sentences) == 1 and len(document.sentences[0].text) > MENTION_CONTEXT_MAX
    for row in rows:
        assert len(row["context"]) <= 2 * MENTION_CONTEXT_RADIUS + len(row["text"])
        assert row["context"][row["start"] : row["end"]] == row["text"] == "Babar"
        assert text[row["context_start"] : row["context_start"] + len(row["context"])] == row["context"]
    assert rows[0]["context_start"] == 0 and rows[1]["start"] == MENTION_CONTEXT_RADIUS


def test_an_ordinary_sentence_is_the_whole_context(corpus):
    _, document = corpus
    doc = AnnotatedDocument.model_validate(parse_yaml(annotation(document.sha256, official())))
    ((_, row),) = list(mention_rows(doc, document))
    assert row["context"] == document.sentences[0].text and row["context_start"] == document.sentences[0].start


def test_token_rows_of_a_mention_crossing_sentences(corpus):
    _, document = corpus
    mentions = "      - {start: 3, end: 60, text: " + json.dumps(document.text[3:60]) + ", form: nominal}"
    doc = AnnotatedDocument.model_validate(parse_yaml(annotation(document.sha256, official("Babar", mentions))))
    rows = [row for _, row in token_rows(doc, document)]
    assert rows[0]["ner_tags"][:3] == ["O", "B-NOMINAL", "I-NOMINAL"]
    assert rows[1]["ner_tags"][0] == "B-NOMINAL"  # a mention opens again in each sentence it reaches
    assert rows[-1]["ner_tags"] == ["O"] * len(rows[-1]["tokens"])


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_refuses_hostile_files_with_codes_and_no_traceback(tmp_path: Path, corpus, capsys):
    corpus_dir, _ = corpus
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_levels(9), encoding="utf-8")
    keys = tmp_path / "keys.yaml"
    keys.write_text("document_id: doc\n? [a, b]\n: 1\n", encoding="utf-8")
    big = tmp_path / "big.json"
    big.write_text('{"document_id": ' + "1" * 5000 + "}", encoding="utf-8")
    assert main(["validate", str(bomb), str(keys), str(big), "--corpus", str(corpus_dir)]) == 1
    out, err = capsys.readouterr()
    shown = out + err  # where the report goes (stdout or stderr) is the CLI's business, not this test's
    assert f"{bomb}:5:45: $: [alias-expansion]" in shown
    assert f"{keys}:2:3: $: [yaml-unsupported]" in shown
    assert f"{big}:1:17: $: [number-too-large]" in shown
    assert "Traceback" not in shown
    assert main(["anchor", str(bomb), "--corpus", str(corpus_dir)]) == 1
    assert "[alias-expansion]" in "".join(capsys.readouterr())


def test_cli_bench_reads_a_bom_and_refuses_a_huge_integer(tmp_path: Path, corpus, capsys):
    corpus_dir, document = corpus
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "doc.yaml").write_text(annotation(document.sha256, official()), encoding="utf-8")
    line = json.dumps(parse_yaml(annotation(document.sha256, official())))
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes(b"\xef\xbb\xbf" + line.encode("utf-8") + b"\n")
    argv = ["bench", "--predictions", str(pred), "--gold", str(gold), "--corpus", str(corpus_dir)]
    assert main([*argv, "--samples", "10"]) == 0
    capsys.readouterr()
    pred.write_text(line[:-1] + ', "x": ' + "1" * 5000 + "}\n", encoding="utf-8")
    assert main(["bench", "--predictions", str(pred), "--gold", str(gold), "--corpus", str(corpus_dir)]) == 1
    out, err = capsys.readouterr()
    assert "[number-too-large]" in out + err and "Traceback" not in out + err


def test_a_huge_span_is_not_echoed_whole():
    text = "a" * 1_000_000
    (found,) = resolve(text, {"start": 0, "end": 1_000_000, "text": "b" * 1_000_000}, ("x",)).issues
    assert found.code == "span-text-mismatch" and len(found.message) < 1000 and len(found.hint or "") < 1000
