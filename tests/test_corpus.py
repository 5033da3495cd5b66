"""Seeds -> corpus: byte-exact seed, deterministic build, code-point offsets, segmentation invariants."""

from __future__ import annotations

import hashlib
import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import CommuniqueError, build_corpus, load_corpus_document
from communique.cli.main import main
from communique.corpus.build import make_document, normalise, sha256_text
from communique.corpus.segment import segment
from communique.schema.models import SeedMetadata

from .conftest import CORPUS, DOC_ID, ROOT

SEED = ROOT / "seeds" / f"{DOC_ID}.txt"
# the sha256 of the article as published to the project (its original lies outside this repository)
SEED_SHA = "39a55108deb9c3e7e86d84de5339fdecbf1f991ab917818213ea8f5ce6e3f49d"


def test_seed_is_byte_exact_copy_of_the_published_article():
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA


def test_seed_metadata_states_unknown_facts_as_null():
    meta = load_corpus_document(CORPUS / f"{DOC_ID}.json").metadata
    assert meta.dateline == "TEHRAN" and meta.language == "en"
    assert (meta.publication_date, meta.url, meta.publisher, meta.licence, meta.title) == (None,) * 5


def test_committed_corpus_is_up_to_date():
    assert build_corpus(ROOT / "seeds", CORPUS, check=True) == []


def test_build_is_deterministic(tmp_path: Path):
    build_corpus(ROOT / "seeds", tmp_path / "one")
    assert (
        main(["corpus", "build", "--seeds", str(ROOT / "seeds"), "--corpus", str(tmp_path / "two"), "--jobs", "2"]) == 0
    )
    first = (tmp_path / "one" / f"{DOC_ID}.json").read_bytes()
    assert first == (tmp_path / "two" / f"{DOC_ID}.json").read_bytes()
    assert first == (CORPUS / f"{DOC_ID}.json").read_bytes()
    assert build_corpus(ROOT / "seeds", tmp_path / "one") == []  # nothing rewritten


def test_seed_text_comes_through_unchanged():
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    assert doc.text.encode("utf-8") == SEED.read_bytes()
    assert doc.normalisations == []
    assert doc.sha256 == SEED_SHA == sha256_text(doc.text)


def test_offsets_are_code_points_not_bytes():
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    raw = SEED.read_bytes()
    # "TEHRAN— Pakistan’s": the em dash is 3 bytes, so code-point and byte offsets part ways after it
    pakistan = next(t for t in doc.tokens if t.text == "Pakistan")
    assert (pakistan.start, pakistan.end) == (8, 16)
    assert raw.index(b"Pakistan") == 10
    # every span of every kind slices the text (code points) to its own text, curly quotes included
    for span in [*doc.paragraphs, *doc.headings, *doc.sentences, *doc.tokens, *(s.span for s in doc.sections)]:
        assert doc.text[span.start : span.end] == span.text
    assert any("“" in s.text for s in doc.sentences)
    quote_token = next(t for t in doc.tokens if t.text == "“")
    assert doc.text[quote_token.start] == "“"
    assert raw[quote_token.start : quote_token.end] != "“".encode()  # bytes at the same offsets differ


def test_seed_segmentation_matches_the_article():
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    assert [h.text for h in doc.headings][:2] == [
        "Iranian nation's resistance to sanctions is admirable",
        "Top military chief meets Pakistani Chief of air staff",
    ]
    assert len(doc.headings) == 7 and len(doc.sections) == 8
    assert doc.sections[0].heading is None and doc.sections[0].span.start == 0
    assert doc.sections[-1].span.end == len(doc.text)
    # sections tile the paragraphs in order
    assert [i for s in doc.sections for i in s.paragraphs] == list(range(len(doc.paragraphs)))
    assert doc.sentences[0].text.endswith("Mohammad Reza Ashtiani.")
    assert "U.S." in {t.text for t in doc.tokens} or any(t.text == "U.S" for t in doc.tokens)


@pytest.mark.parametrize(
    ("raw", "text", "applied"),
    [
        (b"\xef\xbb\xbfA\xe2\x80\x94B", "A—B", ["bom"]),
        (b"a\r\nb\rc", "a\nb\nc", ["crlf"]),
        ("Cafe\u0301".encode(), "Café", ["nfc"]),
        ("“plain”".encode(), "“plain”", []),
    ],
)
def test_documented_normalisations_are_recorded(raw: bytes, text: str, applied: list[str]):
    assert normalise(raw) == (text, applied)


def _meta(doc_id: str = "x") -> SeedMetadata:
    return SeedMetadata(
        id=doc_id,
        source_file="x.txt",
        source_sha256="0" * 64,
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )


def test_changed_seed_is_refused(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    (seeds / f"{DOC_ID}.txt").write_bytes(SEED.read_bytes() + b" ")
    with pytest.raises(CommuniqueError) as caught:
        build_corpus(seeds, tmp_path / "corpus")
    assert [i.code for i in caught.value.issues] == ["seed-changed"]
    assert not (tmp_path / "corpus" / f"{DOC_ID}.json").exists()


# words, punctuation, curly quotes, a dash, blank lines, odd spaces and a combining accent (NFC changes it)
TEXT = st.lists(st.sampled_from([*list("ab Z.,!?“”’—é\n\t-"), "\xa0", "é", "\n\n", "U.S. "]), max_size=80).map("".join)


@given(TEXT)
@settings(max_examples=200, deadline=None)
def test_segmentation_invariants(text: str):
    text = normalise(text.encode())[0]
    doc = make_document(text.encode(), _meta())
    spans = [*doc.paragraphs, *doc.sentences, *doc.tokens]
    assert all(doc.text[s.start : s.end] == s.text and s.start < s.end for s in spans)
    assert all(s.text == s.text.strip() for s in doc.paragraphs)
    for layer in (doc.paragraphs, doc.sentences, doc.tokens):  # sorted, non-overlapping
        assert all(a.end <= b.start for a, b in itertools.pairwise(layer))
    covered = {i for t in doc.tokens for i in range(t.start, t.end)}
    in_paragraphs = {i for p in doc.paragraphs for i in range(p.start, p.end) if not doc.text[i].isspace()}
    assert in_paragraphs <= covered  # tokens cover every non-space character of every paragraph
    assert all(any(p.start <= s.start and s.end <= p.end for p in doc.paragraphs) for s in doc.sentences)
    assert [i for s in doc.sections for i in s.paragraphs] == list(range(len(doc.paragraphs)))
    assert segment(text) == segment(text)


def test_parallel_build_reports_a_bad_seed_with_its_issues(tmp_path: Path, capsys):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    shutil.copy(seeds / f"{DOC_ID}.txt", seeds / "copy.txt")  # a seed without metadata
    status = main(["corpus", "build", "--seeds", str(seeds), "--corpus", str(tmp_path / "corpus"), "--jobs", "2"])
    assert status == 1
    assert "[seed-metadata]" in capsys.readouterr().err
