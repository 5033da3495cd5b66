"""Validation records: an annotation file validated once is trusted by the next stage — until anything changes,
and never on the word of a record it did not write.

A record says "this annotation file was valid against this corpus document, as checked by this code". Its name
is a digest of the toolkit's own code (:func:`code_digest`: the bytes of every file of the installed package,
with the Python and Pydantic versions), the annotation schema, the file's suffix and the sha256 of the file's
bytes. It holds the document id, the sha256 of the corpus document file's bytes and an HMAC-SHA256 over all
of these, made with a secret key of the user's (``key`` in the records folder: 32 random bytes, created
atomically with mode 0600 on first use). A stage that reads the gold (export, bench, render, the API's
streams) looks the record up and trusts it only when the HMAC verifies against the file, the corpus document,
the schema and the code as they are now; else the file is validated again. So a record written by anyone
without the key (a forged or truncated one, one made under another key or another version of the code) is
ignored, and editing anything makes the record unmatched. A key file that is not a regular file owned by the
user with mode 0600 is not trusted: then no record is trusted and none is written.

Records are not consulted (they may still be written) under ``--strict`` (:func:`checks_only`) or when the
environment variable ``CI`` is set: there every check runs. Records live in ``$COMMUNIQUE_RECORDS`` (default
``$XDG_CACHE_HOME/communique/validated``, i.e. ``~/.cache/communique/validated``);
``COMMUNIQUE_RECORDS=off`` disables them. They are a cache: deleting the folder only costs time, a record
that cannot be written is not written, and nothing about a record ever raises. The settings are read once, in
the process that runs the command, and handed to worker processes (:class:`RecordSettings`), so every
worker — a local process or a Dask worker — reads and writes the same folder under the same rules.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from communique.corpus.store import CorpusStore
from communique.io.parse import decode_utf8, parse_yaml
from communique.schema.models import ID_PATTERN, AnnotatedDocument

__all__ = [
    "ENV",
    "KEY_FILE",
    "RecordSettings",
    "checks_only",
    "code_digest",
    "package_digest",
    "record_settings",
    "record_valid",
    "records_dir",
    "trusted_document",
]

ENV = "COMMUNIQUE_RECORDS"
KEY_FILE = "key"
KEY_BYTES = 32
RECORD_MAX_BYTES = 4096  # a record is about 250 bytes: anything longer is not one of ours
FORMAT = 2  # of the records: the records of the first format (unauthenticated) are never read
RECORD_KEYS = frozenset({"format", "document_id", "corpus_sha256", "mac"})

_checks_only: ContextVar[bool] = ContextVar("communique_records_checks_only", default=False)


@dataclass(frozen=True)
class RecordSettings:
    """Where records are kept (``None``: switched off) and whether they may be trusted (``consult``).

    Made once by :func:`record_settings` in the process that runs the command and passed to its workers."""

    folder: Path | None
    consult: bool = True


def records_dir() -> Path | None:
    """Where records are kept, or ``None`` when they are switched off."""
    configured = os.environ.get(ENV)
    if configured is not None:
        return None if configured.strip().lower() in {"", "off", "0", "no"} else Path(configured)
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "communique" / "validated"


def record_settings() -> RecordSettings:
    """The settings in force: the folder, and ``consult=False`` under ``--strict`` or in CI (``$CI`` set)."""
    return RecordSettings(records_dir(), not (_checks_only.get() or os.environ.get("CI")))


@contextmanager
def checks_only(active: bool = True) -> Iterator[None]:
    """Inside (when ``active``), records are not consulted: every file is validated (``--strict``)."""
    token = _checks_only.set(active or _checks_only.get())
    try:
        yield
    finally:
        _checks_only.reset(token)


@cache
def code_digest() -> str | None:
    """A digest of the code that checks (:func:`package_digest` of the installed ``communique``), computed once
    per process; ``None`` (no records) if the package cannot be read. ``__version__`` alone would not do: it
    does not change when a check does."""
    return package_digest(Path(__file__).resolve().parent.parent)


def package_digest(package: Path) -> str | None:
    """sha256 over every file under ``package`` (relative paths and bytes, in sorted order; compiled caches
    left out), the Python version and Pydantic's; ``None`` if a file cannot be read or there is none."""
    digest = hashlib.sha256()
    try:
        import pydantic
        import pydantic_core

        digest.update(json.dumps([sys.version, pydantic.VERSION, pydantic_core.__version__]).encode())
        count = 0
        for folder, subfolders, files in os.walk(package):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = Path(folder) / name
                data = path.read_bytes()
                digest.update(f"\0{path.relative_to(package).as_posix()}\0{len(data)}\0".encode())
                digest.update(data)
                count += 1
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest() if count else None


@cache
def _schema_digest() -> str:
    """A digest of the annotation models: a change to what is valid makes every record unmatched."""
    schema = AnnotatedDocument.model_json_schema(mode="validation")
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode("utf-8")).hexdigest()


def _record_path(folder: Path, code: str, suffix: str, file_sha256: str) -> Path:
    name = hashlib.sha256(json.dumps([FORMAT, code, _schema_digest(), suffix, file_sha256]).encode()).hexdigest()
    return folder / name[:2] / f"{name}.json"


def _mac(key: bytes, code: str, suffix: str, file_sha256: str, document_id: str, corpus_sha256: str) -> str:
    """What binds a record to everything it vouches for; only the key's owner can make it."""
    message = ["communique validation record", FORMAT, code, _schema_digest(), suffix, file_sha256]
    message += [document_id, corpus_sha256]
    return hmac.new(key, json.dumps(message).encode("utf-8"), hashlib.sha256).hexdigest()


def _read_small(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, not through a symlink; else ``None``. Never
    blocks (a FIFO is opened non-blocking and refused) and never raises."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = os.read(fd, limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _load_key(folder: Path) -> bytes | None:
    """The user's record key, or ``None`` when there is none or it is not to be trusted: it must be a regular
    file (not a link), owned by this user, readable and writable by this user only (mode 0600), 32 bytes."""
    try:
        fd = os.open(folder / KEY_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)  # of the file opened, not of whatever the name points to a moment later
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or stat.S_IMODE(info.st_mode) != 0o600
            or info.st_size != KEY_BYTES
        ):
            return None
        key = os.read(fd, KEY_BYTES + 1)
        return key if len(key) == KEY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _new_file(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Create ``path`` (it must not exist; never through a link) with mode 0600, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:  # the key: a torn one would switch records off until the folder is deleted
            os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it over ``path``: a reader sees the old
    record or the new one, and a link planted at ``path`` is replaced, not followed."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        _new_file(temporary, data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _key_for_writing(folder: Path) -> bytes | None:
    """The user's record key, made on first use: 32 random bytes, mode 0600, put in place with ``link``, which
    never replaces a file, so of two processes making one at once both end up with the same key. An existing
    key file is never replaced: if it is not trusted, no record is written."""
    key = _load_key(folder)
    if key is not None or os.path.lexists(folder / KEY_FILE):
        return key
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = folder / f".{KEY_FILE}.{secrets.token_hex(8)}.tmp"
    try:
        _new_file(temporary, secrets.token_bytes(KEY_BYTES), sync=True)
        os.link(temporary, folder / KEY_FILE)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink(missing_ok=True)
    return _load_key(folder)


def _record_content(
    key: bytes, code: str, suffix: str, file_sha256: str, document_id: str, corpus_sha256: str
) -> dict[str, object]:
    mac = _mac(key, code, suffix, file_sha256, document_id, corpus_sha256)
    return {"format": FORMAT, "document_id": document_id, "corpus_sha256": corpus_sha256, "mac": mac}


def record_valid(
    file_sha256: str, suffix: str, document_id: str, store: CorpusStore, settings: RecordSettings | None = None
) -> None:
    """Record that the file with these bytes was valid against the corpus document as it is in ``store``.

    Written whatever ``settings.consult`` says; never raises (a record not written is a validation repeated,
    nothing worse)."""
    with contextlib.suppress(Exception):  # a cache: nothing about a record may stop a command
        _record(file_sha256, suffix, document_id, store, settings or record_settings())


def _record(file_sha256: str, suffix: str, document_id: str, store: CorpusStore, settings: RecordSettings) -> None:
    folder, code = settings.folder, code_digest()
    if folder is None or code is None:
        return
    corpus_sha256 = store.digest(document_id)
    if corpus_sha256 is None:
        return
    key = _key_for_writing(folder)
    if key is None:
        return
    path = _record_path(folder, code, suffix, file_sha256)
    content = _record_content(key, code, suffix, file_sha256, document_id, corpus_sha256)
    existing = _read_small(path, RECORD_MAX_BYTES)
    if existing is not None and _parsed(existing) == content:
        return  # already recorded: no write
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_new(path, json.dumps(content).encode("utf-8") + b"\n")


def _parsed(raw: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def trusted_document(
    raw: bytes, suffix: str, store: CorpusStore, settings: RecordSettings | None = None
) -> AnnotatedDocument | None:
    """The document in ``raw`` if an authentic record vouches for exactly these bytes, checked by this code
    against the corpus document as it is now; else ``None`` (then the file must be validated). Never raises."""
    try:
        return _trusted(raw, suffix, store, settings or record_settings())
    except Exception:  # a record that does not fit, or an unreadable corpus document: validate
        return None


def _trusted(raw: bytes, suffix: str, store: CorpusStore, settings: RecordSettings) -> AnnotatedDocument | None:
    folder, code = settings.folder, code_digest()
    if not settings.consult or folder is None or code is None:
        return None
    key = _load_key(folder)
    if key is None:
        return None
    file_sha256 = hashlib.sha256(raw).hexdigest()
    record = _read_small(_record_path(folder, code, suffix, file_sha256), RECORD_MAX_BYTES)
    data = _parsed(record) if record is not None else None
    if data is None or set(data) != RECORD_KEYS or data["format"] != FORMAT:
        return None
    document_id, corpus_sha256, mac = data["document_id"], data["corpus_sha256"], data["mac"]
    if not (isinstance(document_id, str) and isinstance(corpus_sha256, str) and isinstance(mac, str)):
        return None
    if not re.fullmatch(ID_PATTERN, document_id):
        return None
    expected = _mac(key, code, suffix, file_sha256, document_id, corpus_sha256)
    if not hmac.compare_digest(mac.encode("utf-8"), expected.encode("utf-8")):
        return None  # forged, or made with another key, another code or schema, for other bytes
    if store.digest(document_id) != corpus_sha256:
        return None  # the corpus document changed (or went away) since the file was validated
    if suffix == ".json":
        document = AnnotatedDocument.model_validate_json(raw)
    else:
        document = AnnotatedDocument.model_validate(parse_yaml(decode_utf8(raw)))
    return document if document.document_id == document_id else None
