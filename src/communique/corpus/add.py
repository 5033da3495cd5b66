"""``communique add``: bring a new text into a project as a seed, with its metadata and its corpus document.

The text is copied byte for byte; ``<id>.meta.yaml`` records what is known about it, with the sha256 of the
received bytes computed here, and ``corpus/<id>.json`` is built from the two. Every check runs before anything is
written, and the three files are written atomically, so a refused text leaves the project as it was.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from communique.corpus.build import (
    META_SUFFIX,
    SEED_SUFFIX,
    find_seeds,
    normalise,
    render,
    sha256_text,
    stored_document,
)
from communique.io.parse import dump_round_trip
from communique.io.read import MAX_TEXT_BYTES, read_input
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import ID_PATTERN, SeedMetadata

#: metadata fields that ``communique add`` takes as options, in the order they are written
METADATA_FIELDS = ("language", "dateline", "title", "publication_date", "url", "publisher", "licence")


@dataclass(frozen=True)
class Added:
    """What ``add_text`` wrote."""

    id: str
    seed: Path
    metadata: Path
    corpus_document: Path


def make_id(name: str) -> str:
    """An id (``[a-z][a-z0-9_-]*``, at most 64 characters) from a file name."""
    stem = name.removesuffix(SEED_SUFFIX)
    slug = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
    if not slug or not slug[0].isalpha():
        slug = f"doc-{slug}" if slug else "doc"
    return slug[:64].rstrip("-_")


def add_text(
    source: Path,
    seed_dir: Path,
    corpus_dir: Path,
    *,
    doc_id: str | None = None,
    metadata: dict[str, str | None] | None = None,
) -> Added:
    """Copy ``source`` into ``seed_dir`` as a seed, write its metadata, and build its corpus document.

    Raises :class:`CommuniqueError` listing every problem (not a regular file or too large, not UTF-8, empty,
    id already used, text already present under another id, invalid metadata) before anything is written.
    """
    name = str(source)
    raw = read_input(source, MAX_TEXT_BYTES)  # a regular file of at most 64 MiB, else a coded refusal
    problems: list[Issue] = []
    text, applied = "", list[str]()
    try:
        text, applied = normalise(raw)
    except UnicodeDecodeError as exc:
        problems.append(
            issue(
                "encoding-error",
                f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid UTF-8",
                file=name,
                hint="convert the text to UTF-8 first (e.g. `iconv -f LATIN1 -t UTF-8`)",
            )
        )
    else:
        if not text or text.isspace():  # (not text.strip(): no copy of a long text)
            problems.append(issue("seed-empty", "the text is empty", file=name))
    chosen = doc_id if doc_id is not None else make_id(source.name)
    if not re.fullmatch(ID_PATTERN, chosen):
        problems.append(
            issue(
                "invalid-value",
                f"id {chosen!r} is not allowed",
                file=name,
                path="$.id",
                hint="lower-case letters, digits, '-' and '_', starting with a letter, at most 64 characters",
            )
        )
    digest = hashlib.sha256(raw).hexdigest()
    normalised = sha256_text(text) if text else None
    for seed in find_seeds(seed_dir):
        if seed.id == chosen:
            problems.append(
                issue("seed-exists", f"a seed with id {chosen!r} exists: {seed.text_path}", file=name, hint="pass --id")
            )
        elif (same := _same_text(seed.text_path, digest, normalised)) is not None:
            problems.append(
                issue(
                    "seed-duplicate-text",
                    f"the same text is already the seed {seed.id!r}" + ("" if same else _NORMALISED),
                    file=name,
                )
            )
    fields: dict[str, object] = {"id": chosen, "source_file": source.name, "source_sha256": digest}
    fields.update({k: v for k, v in (metadata or {}).items() if v is not None})
    meta: SeedMetadata | None = None
    try:
        meta = SeedMetadata.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = ".".join(str(p) for p in error["loc"])
            if field != "id":  # a bad id is reported above
                problems.append(issue("invalid-value", f"--{field.replace('_', '-')}: {error['msg']}", file=name))
    seed_path = seed_dir / f"{chosen}{SEED_SUFFIX}"
    meta_path = seed_dir / f"{chosen}{META_SUFFIX}"
    for path in (seed_path, meta_path):  # e.g. a metadata file written by hand before its text: never replaced
        if (path.exists() or path.is_symlink()) and not any(i.code == "seed-exists" for i in problems):
            problems.append(issue("output-exists", f"{path} exists; it is left as it is", file=name, hint="pass --id"))
    if problems or meta is None:
        raise CommuniqueError(problems)
    doc_path = corpus_dir / f"{chosen}.json"
    stored = stored_document(text, applied, meta)  # the corpus document, compactly: a long text stays cheap
    written: list[Path] = []
    try:
        for path, data in (
            (seed_path, raw),
            (meta_path, render_metadata(meta)),
            (doc_path, render(stored)),
        ):
            write_atomic(path, data)
            written.append(path)
    except BaseException:
        for path in written:  # all three or none
            path.unlink(missing_ok=True)
        raise
    return Added(chosen, seed_path, meta_path, doc_path)


_NORMALISED = " (once a BOM, CRLF or CR line ends and NFC are normalised, as corpus build does)"


def _same_text(path: Path, digest: str, normalised: str | None) -> bool | None:
    """Whether the seed at ``path`` is the text whose bytes have the sha256 ``digest`` (True), is that text
    once normalised as ``corpus build`` normalises both (False: sha256 ``normalised``), or neither (None)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() == digest:
        return True
    try:
        return False if normalised is not None and sha256_text(normalise(raw)[0]) == normalised else None
    except UnicodeDecodeError:
        return None


def render_metadata(meta: SeedMetadata) -> str:
    """The ``.meta.yaml`` text: every field written out, unknown facts as null."""
    header = (
        "# Metadata of a seed text (documentation: reference/project.md, 'Seed metadata'). Fill in only what is\n"
        "# known about the text; unknown facts stay null. source_sha256 pins the bytes of the text file.\n"
    )
    return header + dump_round_trip(meta.model_dump(mode="json"))
