"""The answer cache of ``extract --method llm`` (``--cache DIR``): one verified file per request.

An entry, ``DIR/<name>.json``, holds the key material it was stored under and a digest of its answer::

    {"format": "communique-llm-cache/2",
     "key": {"model": ..., "prompt_sha256": ..., "text_sha256": ...},
     "answer_sha256": ..., "data": {...the answer...}}

It is trusted only when it is a regular file no larger than an answer may be, parses strictly (bounded in
depth and integer size), fits :class:`CacheEntry`, holds the key of the request being made (so an answer
filed under another request's name is refused) and its answer matches its digest (so an edited or truncated
answer is refused). Anything else is an ``llm-cache-invalid`` warning naming the entry, the request is sent
again, and the entry is rewritten atomically once a usable answer arrives.

The digest catches corruption, truncation, edits and misfiling; it is not a signature: whoever can write
the cache folder can also write a consistent entry (there is no secret to sign with).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from communique.io.parse import ParseFailure, decode_utf8, format_path, parse_json
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject

__all__ = ["FORMAT", "CacheEntry", "CacheKey", "answer_digest", "read_entry", "write_entry"]

FORMAT = "communique-llm-cache/2"
#: an entry may be this much larger than the largest answer (its key, digest and JSON framing)
OVERHEAD = 1 << 16

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class CacheKey(BaseModel):
    """What an answer was asked with: the model, a digest of the prompt (every message but the text) and the
    sha256 of the text."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    model: str
    prompt_sha256: Sha256
    text_sha256: Sha256


class CacheEntry(BaseModel):
    """One cache file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["communique-llm-cache/2"]
    key: CacheKey
    answer_sha256: Sha256
    data: dict[str, Any]


def answer_digest(data: JsonObject) -> str:
    """sha256 of the answer as canonical JSON (sorted keys, no spaces): the same for any layout of the file."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _bad(entry: Path, why: str, *, path: str = "$", line: int | None = None, column: int | None = None) -> Issue:
    return issue(
        "llm-cache-invalid",
        f"cache entry {why}; it is not used and the request is sent again",
        file=str(entry),
        path=path,
        line=line,
        column=column,
    )


def read_entry(path: Path, key: CacheKey, max_bytes: int) -> tuple[JsonObject | None, Issue | None]:
    """The answer stored at ``path`` for ``key``: ``(answer, None)`` when the entry verifies, ``(None, None)``
    when there is none, ``(None, problem)`` when it is there and cannot be trusted."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, _bad(path, f"cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(status.st_mode):
        return None, _bad(path, "is not a regular file (a link, folder or device)")
    limit = max_bytes + OVERHEAD
    if status.st_size > limit:
        return None, _bad(path, f"holds {status.st_size:,} bytes, more than any answer may ({limit:,})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since lstat
                return None, _bad(path, "is not a regular file")
            raw = handle.read(limit + 1)
    except OSError as exc:
        return None, _bad(path, f"cannot be read ({exc.strerror or exc})")
    if len(raw) > limit:
        return None, _bad(path, f"holds more than {limit:,} bytes, more than any answer may")
    try:
        stored = parse_json(decode_utf8(raw))
    except ParseFailure as failure:
        found = failure.issue
        return None, _bad(path, f"is not JSON we read ({found.message})", line=found.line, column=found.column)
    if isinstance(stored, dict) and "key" not in stored:
        return None, _bad(path, "holds no key (written by an older communique, or by hand)", path="$.key")
    try:
        entry = CacheEntry.model_validate(stored)
    except ValidationError as exc:
        first = exc.errors()[0]
        return None, _bad(path, f"does not fit the cache format: {first['msg']}", path=format_path(first["loc"]))
    if entry.key != key:
        fields = ("model", "prompt_sha256", "text_sha256")
        differs = ", ".join(name for name in fields if getattr(entry.key, name) != getattr(key, name))
        return None, _bad(path, f"was stored for another request (its {differs} differs)", path="$.key")
    try:
        digest = answer_digest(entry.data)
    except (RecursionError, ValueError):
        return None, _bad(path, "holds an answer nested too deeply to check", path="$.data")
    if digest != entry.answer_sha256:
        return None, _bad(path, "holds an answer that does not match its digest (edited or corrupt)", path="$.data")
    return entry.data, None


def write_entry(path: Path, key: CacheKey, data: JsonObject) -> Issue | None:
    """Store ``data`` for ``key`` at ``path`` atomically (a link or FIFO there is replaced, not followed); a
    failure is returned as a warning, since the answer itself is fine."""
    entry = {"format": FORMAT, "key": key.model_dump(), "answer_sha256": answer_digest(data), "data": data}
    try:
        with contextlib.suppress(FileNotFoundError):
            mode = os.lstat(path).st_mode
            # a link or FIFO in the cache folder is not ours: write_atomic would write through a link, to
            # wherever it points, and refuse a FIFO; a folder is left alone (and the write fails)
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                path.unlink()
        write_atomic(path, json.dumps(entry, ensure_ascii=False) + "\n")
    except CommuniqueError as exc:
        why = exc.issues[0].message if exc.issues else "refused"
    except OSError as exc:
        why = str(exc.strerror or exc)
    else:
        return None
    return issue("llm-cache-invalid", f"cache entry cannot be written ({why}); the answer is used", file=str(path))
