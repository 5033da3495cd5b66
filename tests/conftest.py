"""Shared fixtures. Tests run offline: the Hugging Face libraries are told not to touch the network."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# In CI the property tests are derandomized: a red run then reproduces exactly, instead of depending on luck.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# validation records (annotate/records.py) go to a scratch folder, not the user's cache
os.environ.setdefault("COMMUNIQUE_RECORDS", tempfile.mkdtemp(prefix="communique-records-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT / "corpus"
GOLD = ROOT / "annotations" / "gold"
DOC_ID = "iran-pakistan-military-talks"
#: the seed article's gold file: tests about the seed use it, never "the only file in annotations/gold", so
#: that adding documents to the bundled corpus breaks no test
SEED_GOLD = GOLD / f"{DOC_ID}.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch copy of the project's data folders, made the working directory."""
    for name in ("seeds", "corpus", "annotations"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def corpus_doc():
    """The seed's corpus document (models are frozen: safe to share)."""
    from communique import load_corpus_document

    return load_corpus_document(CORPUS / f"{DOC_ID}.json")


@pytest.fixture(scope="session")
def corpus_text(corpus_doc) -> str:
    return corpus_doc.text


@pytest.fixture(scope="session")
def gold():
    """The validated gold of the seed article."""
    from communique import load_annotations

    (document,) = load_annotations(SEED_GOLD, CORPUS)
    return document


#: Debian's Chromium and its WebDriver (installed by .ci/run); the browser tests skip, saying why, without them
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no headless browser: install Debian's chromium and chromium-driver (see README: The two commands)",
)


def headless_chrome(profile: Path):  # type: ignore[no-untyped-def]
    """A real headless Chromium driven by Selenium, with the flags this closed network needs; quit it after use."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,2000",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def write_corpus_document(corpus: Path, doc_id: str, text: str) -> None:
    """``corpus/<doc_id>.json`` built from a text written for a test, as `communique corpus build` builds it."""
    from communique.corpus.build import make_document, serialise, sha256_text
    from communique.schema.models import SeedMetadata

    meta = SeedMetadata(id=doc_id, source_file=f"{doc_id}.txt", source_sha256=sha256_text(text))
    document = make_document(text.encode("utf-8"), meta)
    assert document.text == text
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / f"{doc_id}.json").write_text(serialise(document), encoding="utf-8")
