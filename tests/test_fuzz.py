"""Fuzzing the readers: mutated annotation files never raise, and every problem is located and coded.

Bounded: a fixed number of examples per property, no deadlines, so the suite stays fast and repeatable.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique import CATALOGUE
from communique.annotate.anchor import fits
from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import validate_file
from communique.compare.annotations import OfficialItem
from communique.compare.officials import _overlapping
from communique.corpus.build import make_document
from communique.corpus.store import CorpusStore
from communique.export.card import markdown_code
from communique.export.rows import token_rows
from communique.formats.standoff import one_line
from communique.io.parse import ParseFailure, alias_limit, parse_yaml
from communique.schema.models import AnnotatedDocument, CorpusDocument, Mention, Official, SeedMetadata

from .conftest import CORPUS, FIXTURES

VALID_TEXT = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
VALID_JSON = (FIXTURES / "valid" / "minimal.json").read_text(encoding="utf-8")
STORE = CorpusStore(CORPUS)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@st.composite
def mutated(draw: st.DrawFn, source: str) -> bytes:
    data = source.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "delete-line",
                    "truncate",
                    "bytes",
                    "replace-value",
                    "shift-offset",
                    "huge",
                    "deep",
                    "duplicate-line",
                    "swap-type",
                    "alias",
                    "complex-key",
                    "long-int",
                    "control-character",
                ]
            )
        )
        lines = data.split(b"\n")
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete-line":
            del lines[i]
        elif kind == "duplicate-line":
            lines.insert(i, lines[i])
        elif kind == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
            continue
        elif kind == "bytes":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
            continue
        elif kind == "replace-value" and b": " in lines[i]:
            key = lines[i].split(b": ", 1)[0]
            value = draw(st.sampled_from([b"null", b"[]", b"{}", b"-1", b"3.5", b"true", b"'x'", b'"\\u0000"', b"~"]))
            lines[i] = key + b": " + value
        elif kind == "shift-offset":
            lines[i] = lines[i].replace(b"start: ", b"start: 1", 1).replace(b'"start": ', b'"start": 1', 1)
        elif kind == "huge":
            lines[i] = lines[i].replace(b"end: ", b"end: 99999999999999999999999", 1)
        elif kind == "deep":
            depth = draw(st.integers(50, 400))  # deeper nesting: test_deeply_nested_json_is_reported
            lines.insert(i, b"x: " + b"[" * depth + b"]" * depth)
        elif kind == "swap-type":
            lines[i] = lines[i].replace(b"{", b"[", 1).replace(b"}", b"]", 1)
        elif kind == "alias":  # an anchored list and a fan of aliases to it, sometimes many levels deep
            fan, depth = draw(st.integers(1, 12)), draw(st.integers(1, 8))
            block = [b"b0: &b0 [x, y, z]"]
            block += [b"b%d: &b%d [" % (n, n) + b", ".join([b"*b%d" % (n - 1)] * fan) + b"]" for n in range(1, depth)]
            lines[i:i] = block
        elif kind == "complex-key":
            lines.insert(i, draw(st.sampled_from([b"? [a, b]\n: 1", b"{k: v}: 1", b"[a]: 1", b'"x": {[1]: 2}'])))
        elif kind == "long-int":
            lines[i] = lines[i].replace(b": ", b": " + b"9" * draw(st.integers(4290, 4400)) + b" #", 1)
        elif kind == "control-character" and b"name: " in lines[i]:
            bad = draw(st.sampled_from(["\\t", "\\n", "\\r", "\\u001b", "\\u0085", "\\u2028"])).encode()
            lines[i] = lines[i].replace(b"name: ", b'name: "Babar' + bad + b'T999" #', 1)
        data = b"\n".join(lines)
    return data


def _check(path: Path) -> None:
    report = validate_file(path, STORE)  # must not raise
    assert report.ok == (report.document is not None)
    for found in report.issues:
        assert found.code in CATALOGUE
        assert found.file == str(path) and found.line is not None and found.line >= 1 and found.column >= 1
        assert found.path.startswith("$") and found.message


@given(mutated(VALID_TEXT))
@FUZZ
def test_mutated_yaml_never_raises_and_is_located(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    _check(path)


@given(mutated(VALID_JSON))
@FUZZ
def test_mutated_json_never_raises_and_is_located(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.json"
    path.write_bytes(data)
    _check(path)


@given(st.binary(max_size=300))
@FUZZ
def test_random_bytes_never_raise(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    report = validate_file(path, STORE)
    assert not report.ok and report.issues


@given(mutated(VALID_TEXT.replace("{start: 182, end: 247, text:", "{text:")))
@settings(FUZZ, max_examples=40)  # each example may re-read the file with the (slower) round-trip parser
def test_anchor_never_raises_and_never_half_writes(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    result = anchor_file(path, CORPUS)
    if result.issues or not result.changed:
        assert path.read_bytes() == data  # nothing written unless everything resolved
    else:  # written whole: it parses again, and nothing is left to anchor
        assert not any(i.code in ("yaml-syntax", "span-unanchored") for i in validate_file(path, STORE).issues)
        assert anchor_file(path, CORPUS).changed is False


def test_yaml_loading_constructs_no_objects(tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    report = validate_file(path, STORE)
    assert [i.code for i in report.issues] == ["yaml-syntax"]


def test_deeply_nested_json_is_reported(tmp_path: Path):
    path = tmp_path / "doc.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    report = validate_file(path, STORE)
    (found,) = report.issues
    assert found.code in ("too-deep", "type-error")
    assert (found.file, found.line, found.column) == (str(path), 1, 1)  # located, though the parser gave up
    assert json.loads(json.dumps(found.to_dict())) == found.to_dict()  # and fit for the JSON report


def test_deeply_nested_yaml_is_reported(tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("officials: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    report = validate_file(path, STORE)
    assert not report.ok and all(i.line is not None for i in report.issues)


# ------------------------------------------------------------------------- hostile input (issue 14)


@given(fan=st.integers(2, 12), depth=st.integers(1, 9))
@settings(FUZZ, max_examples=60)
def test_alias_expansion_is_refused_exactly_when_beyond_the_documented_limit(fan: int, depth: int):
    """``depth`` levels of ``fan`` aliases each. The limit, as documented: the nodes of the file with every
    alias replaced by what it stands for, at most max(10,000, 20 x the nodes written (aliases excluded))."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * fan) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * fan) + "]" for n in range(1, depth)]
    text = "\n".join(lines) + f"\nannotators: *a{depth - 1}\n"
    sizes = [1 + fan]
    for _ in range(1, depth):
        sizes.append(1 + fan * sizes[-1])
    expanded = 1 + sum(1 + size for size in sizes) + 1 + sizes[-1]  # root, each key and list, annotators
    written = 1 + (depth + 1) + depth + fan  # root, keys, lists, the scalars of a0
    try:
        data = parse_yaml(text)
    except ParseFailure as failure:
        assert failure.issue.code == "alias-expansion" and failure.issue.line and failure.issue.line <= depth + 1
        assert expanded > alias_limit(written)
    else:
        assert expanded <= alias_limit(written) and len(data["annotators"]) == fan


@given(
    text=st.text("ab \n", max_size=40),
    start=st.integers(0, 45),
    length=st.integers(0, 5),
    prefix=st.none() | st.text("ab \n", min_size=1, max_size=4),
    suffix=st.none() | st.text("ab \n", min_size=1, max_size=4),
)
@FUZZ
def test_fits_is_the_slicing_definition(text: str, start: int, length: int, prefix: str | None, suffix: str | None):
    end = start + length
    assert fits(text, start, end, prefix, suffix) == (
        (prefix is None or text[:start].endswith(prefix)) and (suffix is None or text[end:].startswith(suffix))
    )


def _naive_token_tags(doc: AnnotatedDocument, corpus: CorpusDocument) -> list[list[str]]:
    """The definition: for every sentence and every mention (in start order), the sentence's tokens it
    overlaps; the first is B, the rest I; later mentions overwrite."""
    mentions = sorted((m.start, m.end, m.form) for o in doc.officials for m in o.mentions)
    out = []
    for sentence in corpus.sentences:
        tokens = [t for t in corpus.tokens if sentence.start <= t.start < sentence.end]
        tags = ["O"] * len(tokens)
        for m_start, m_end, form in mentions:
            inside = [k for k, t in enumerate(tokens) if t.start < m_end and m_start < t.end]
            for n, k in enumerate(inside):
                tags[k] = f"{'B' if n == 0 else 'I'}-{form.upper()}"
        out.append(tags)
    return out


@st.composite
def tagged_document(draw: st.DrawFn) -> tuple[AnnotatedDocument, CorpusDocument]:
    words = draw(st.lists(st.sampled_from(["Babar", "met", "him.", "Khan", "said", "x."]), min_size=1, max_size=30))
    text = " ".join(words) + "\n"
    corpus = make_document(text.encode("utf-8"), _META)
    mentions = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text) - 2))
        end = draw(st.integers(start + 1, len(text) - 1))
        form = draw(st.sampled_from(["name", "nominal", "pronoun"]))
        mentions.append(Mention.model_construct(start=start, end=end, text=text[start:end], form=form))
    official = Official.model_construct(id="o", mentions=mentions)
    return AnnotatedDocument.model_construct(document_id="doc", officials=[official]), corpus


_META = SeedMetadata(
    id="doc",
    source_file="doc.txt",
    source_sha256="0" * 64,
    language="en",
    dateline=None,
    title=None,
    publication_date=None,
    url=None,
    publisher=None,
    licence=None,
)


@given(tagged_document())
@settings(FUZZ, max_examples=100)
def test_token_rows_tag_as_the_definition_does(case: tuple[AnnotatedDocument, CorpusDocument]):
    doc, corpus = case
    rows = [row for _, row in token_rows(doc, corpus)]
    assert [row["ner_tags"] for row in rows] == _naive_token_tags(doc, corpus)


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)).map(lambda p: (p[0], p[0] + p[1])), max_size=25)


@given(pred=spans, gold=spans)
@FUZZ
def test_official_overlap_counts_as_the_definition_does(pred: list[tuple[int, int]], gold: list[tuple[int, int]]):
    def item(ref: str, mentions: list[tuple[int, int]]) -> OfficialItem:
        return OfficialItem(ref=ref, name=None, keys=(), mentions=frozenset(mentions))

    p, g = item("p", pred), item("g", gold)
    naive = sum(1 for s, e in p.mentions if any(min(e, ge) > max(s, gs) for gs, ge in g.mentions))
    assert _overlapping(p, g) == naive


@given(st.text(max_size=40))
@FUZZ
def test_exported_free_text_cannot_break_its_line_or_code_span(value: str):
    field = one_line(value)
    assert len(field) == len(value) and len(field.splitlines() or [""]) == 1 and "\t" not in field
    code = markdown_code(value)
    fence = len(code) - len(code.lstrip("`"))
    inner = code[fence : len(code) - fence]
    assert code.endswith("`" * fence) and "`" * fence not in inner and "\n" not in code


@given(name=st.text(min_size=1, max_size=20))
@settings(FUZZ, max_examples=100)
def test_names_are_refused_exactly_when_they_hold_a_control_character(tmp_path_factory, name: str):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    quoted = '"' + "".join(c if c.isalnum() or c == " " else f"\\U{ord(c):08x}" for c in name) + '"'  # YAML escapes
    path.write_text(VALID_TEXT.replace("name: Zaheer Ahmad Babar", f"name: {quoted}", 1), encoding="utf-8")
    found = [i for i in validate_file(path, STORE).issues if i.code == "control-character"]
    controlled = any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in name)
    assert bool(found) == controlled
    assert all(i.path == "$.officials[0].name" and i.line == 9 for i in found)
