"""Validation records: an annotation file validated once is trusted by the next stage — until anything changes.

A record says "this annotation file was valid against this corpus document". It is named by the sha256 of
the file's bytes (and suffix), the toolkit version and a digest of the annotation schema, and holds the
document id and the sha256 of the corpus document file's bytes. A stage that reads the gold (export, bench)
looks the record up: when the file, the corpus document, the schema and the toolkit are all unchanged it
only parses the file; when anything differs there is no matching record and the file is validated again.
Editing a file changes its hash, so a record can never vouch for text it did not see.

Records live in ``$COMMUNIQUE_RECORDS`` (default ``$XDG_CACHE_HOME/communique/validated``, i.e.
``~/.cache/communique/validated``); ``COMMUNIQUE_RECORDS=off`` disables them. They are a cache: deleting
the folder only costs time, and a record that cannot be written is simply not written.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from communique import __version__
from communique.corpus.store import CorpusStore
from communique.io.parse import decode_utf8, parse_yaml
from communique.io.write import write_atomic
from communique.schema.models import AnnotatedDocument

__all__ = ["ENV", "record_valid", "records_dir", "trusted_document"]

ENV = "COMMUNIQUE_RECORDS"


def records_dir() -> Path | None:
    """Where records are kept, or ``None`` when they are switched off."""
    configured = os.environ.get(ENV)
    if configured is not None:
        return None if configured.strip().lower() in {"", "off", "0", "no"} else Path(configured)
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "communique" / "validated"


@cache
def _schema_digest() -> str:
    """A digest of the annotation models: a change to what is valid makes every record unmatched."""
    schema = AnnotatedDocument.model_json_schema(mode="validation")
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode("utf-8")).hexdigest()


def _record_path(folder: Path, file_sha256: str, suffix: str) -> Path:
    key = hashlib.sha256(f"{__version__}\0{_schema_digest()}\0{suffix}\0{file_sha256}".encode()).hexdigest()
    return folder / key[:2] / f"{key}.json"


def record_valid(file_sha256: str, suffix: str, document_id: str, store: CorpusStore) -> None:
    """Record that the file with these bytes was valid against the corpus document as it is in ``store``."""
    folder = records_dir()
    corpus_sha256 = store.digest(document_id)
    if folder is None or corpus_sha256 is None:
        return
    path = _record_path(folder, file_sha256, suffix)
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # atomic but not fsynced: a record lost in a power cut is a validation repeated, and a torn one does
        # not parse (or names another document or corpus digest), so it is never trusted
        record = json.dumps({"document_id": document_id, "corpus_sha256": corpus_sha256}) + "\n"
        write_atomic(path, record, durable=False)
    except OSError:
        pass  # a cache: a record not written is a validation repeated, nothing worse


def trusted_document(raw: bytes, suffix: str, store: CorpusStore) -> AnnotatedDocument | None:
    """The document in ``raw`` if a record vouches for exactly these bytes against the corpus document as it
    is now; else ``None`` (then the file must be validated)."""
    folder = records_dir()
    if folder is None:
        return None
    try:
        record = json.loads(_record_path(folder, hashlib.sha256(raw).hexdigest(), suffix).read_bytes())
        document_id, corpus_sha256 = record["document_id"], record["corpus_sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        if not isinstance(document_id, str) or store.digest(document_id) != corpus_sha256:
            return None  # the corpus document changed (or went away) since the file was validated
    except Exception:  # an unreadable corpus document: validation reports it, located
        return None
    try:
        if suffix == ".json":
            document = AnnotatedDocument.model_validate_json(raw)
        else:
            document = AnnotatedDocument.model_validate(parse_yaml(decode_utf8(raw)))
    except Exception:  # a record that does not fit after all: validate, which reports properly
        return None
    return document if document.document_id == document_id else None
