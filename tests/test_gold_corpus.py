"""The bundled gold corpus (issue 20): every document double-annotated and adjudicated, the passes independent."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .conftest import ROOT

ANNOTATIONS = ROOT / "annotations"
#: a comment sentence counts when it has at least this many words of the annotator's own (quotations of the text
#: and rule references removed): shorter ones are labels any two annotators write alike ("courtesy, nothing")
OWN_WORDS = 8


def _gold_ids() -> list[str]:
    ids = sorted(p.stem for p in (ANNOTATIONS / "gold").glob("*.yaml"))
    assert len(ids) >= 25  # the corpus was found
    return ids


def _comments(path: Path) -> list[str]:
    """The YAML comments of a file (text after a ``#`` that starts a line or follows a space)."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        comment = re.search(r"(?:^|\s)#\s?(.*)$", line)
        if comment:
            found.append(comment[1])
    return found


def _guideline_grams() -> set[str]:
    words = re.sub(r"[^\w\s-]", " ", (ANNOTATIONS / "GUIDELINES.md").read_text(encoding="utf-8").lower()).split()
    return {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}


def _own_sentences(comments: list[str], guideline: set[str]) -> set[str]:
    """The comment sentences in the annotator's own words: quoted text of the document and parenthesised rule
    references removed; sentences at least half made of the guidelines' own phrases left out."""
    found = set()
    for comment in comments:
        comment = re.sub(r'"[^"]*"|“[^”]*”|‘[^’]*’|\([^)]*\)', " ", comment)
        for sentence in re.split(r"(?<=[.!?;:])\s+", comment):
            words = re.sub(r"[^\w\s-]", " ", sentence.lower()).split()
            if len(words) < OWN_WORDS:
                continue
            grams = {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}
            if len(grams & guideline) * 2 < len(grams):
                found.add(" ".join(words))
    return found


def test_every_gold_document_has_two_passes_and_a_logged_adjudication():
    for document_id in _gold_ids():
        gold = yaml.safe_load((ANNOTATIONS / "gold" / f"{document_id}.yaml").read_text(encoding="utf-8"))
        handles = []
        for side in ("a", "b"):
            path = ANNOTATIONS / "passes" / side / f"{document_id}.yaml"
            assert path.is_file(), path
            handles += yaml.safe_load(path.read_text(encoding="utf-8"))["annotators"]
        assert len(set(handles)) == 2, (document_id, handles)  # two different annotators
        assert set(handles) < set(gold["annotators"]), document_id  # ... and an adjudicator
        log = (ANNOTATIONS / "adjudication" / f"{document_id}.md").read_text(encoding="utf-8")
        assert log.startswith(f"# {document_id}") and "| D1 |" in log, document_id


def test_the_passes_comments_are_their_own():
    """No comment sentence of one pass is repeated word for word in the other pass of the same document."""
    guideline = _guideline_grams()
    compared = 0
    for document_id in _gold_ids():
        a, b = (_comments(ANNOTATIONS / "passes" / side / f"{document_id}.yaml") for side in ("a", "b"))
        own_a, own_b = _own_sentences(a, guideline), _own_sentences(b, guideline)
        compared += len(own_a) + len(own_b)
        assert own_a & own_b == set(), document_id
    assert compared > 500  # there were comments to compare


def test_shared_comment_sentences_are_found():
    """The check above can fail: a copied sentence is caught, quotations and rule references are not counted."""
    guideline = _guideline_grams()
    copied = "# the speaker reports the decision of her own ministry, so her side is the actor"
    quoted = '# "the two navies will train together in the spring off the coast" (6.3)'
    assert _own_sentences([copied], guideline) & _own_sentences([copied + " (7.4)"], guideline)
    assert _own_sentences([quoted], guideline) == set()


#: an item id as the gold files write them: officials o1, meetings m1, attributions a1, commitments c1, stances
#: st1, sources s1
ITEM_ID = re.compile(r"(?<![\w.-])(?:st|a|c|s|m|o)\d+(?![\w-])")
#: ids of another pass that a comment names as such ("pass a's st10/st11", "c3 of pass a"): not this file's ids
OTHER_PASS = re.compile(
    r"pass [ab]['’]s (?:(?:st|a|c|s|m|o)\d+(?:\s*(?:/|,|and)\s*)?)+|(?:st|a|c|s|m|o)\d+ of pass [ab]\b"
)


def _dangling_ids(text: str) -> list[tuple[int, str]]:
    """(line, id) of every item id a comment of this YAML text names that the file does not define."""
    data = yaml.safe_load(text)
    defined = {
        item["id"]
        for value in data.values()
        if isinstance(value, list)
        for item in value
        if isinstance(item, dict) and "id" in item
    }
    dangling = []
    for number, line in enumerate(text.splitlines(), 1):
        for comment in _comments_of(line):
            for named in ITEM_ID.findall(OTHER_PASS.sub(" ", comment)):
                if named not in defined:
                    dangling.append((number, named))
    return dangling


def _comments_of(line: str) -> list[str]:
    comment = re.search(r"(?:^|\s)#\s?(.*)$", line)
    return [comment[1]] if comment else []


def test_every_id_a_gold_comment_names_exists_in_that_file():
    """The audit of gold 2.0 found comments naming ids copied from a pass without renumbering (a22 for a21)."""
    named = 0
    for document_id in _gold_ids():
        text = (ANNOTATIONS / "gold" / f"{document_id}.yaml").read_text(encoding="utf-8")
        named += sum(len(ITEM_ID.findall(c)) for line in text.splitlines() for c in _comments_of(line))
        assert _dangling_ids(text) == [], document_id
    assert named > 100  # the comments do name ids


def test_a_comment_naming_a_missing_id_is_found():
    text = (
        "attributions:\n"
        "  - id: a1   # same cue as a2; pass a's a7 merged here\n"
        "    kind: direct  # see c3 of pass b\n"
        "commitments:\n"
        "  - id: c1   # linked to a1, unlike c17's a36/a37\n"
    )
    assert _dangling_ids(text) == [(2, "a2"), (5, "c17"), (5, "a36"), (5, "a37")]
