"""Paths that are URLs (``s3://bucket/corpus``, ``gs://...``, ``memory://...``): the fsspec filesystem behind one.

A path with a protocol is served by `fsspec <https://filesystem-spec.readthedocs.io/>`_; every other path is
local and never comes here (``file://PATH`` is the local ``PATH``: :func:`local_path`). fsspec itself is a
dependency; the filesystems of the cloud stores are the user's to install (``s3fs`` for ``s3://``, ``gcsfs``
for ``gs://``): a protocol whose package is missing is ``missing-library``, an unknown one
``url-unsupported``, both naming the URL.

:mod:`communique.io.read`, :mod:`communique.io.write` and :mod:`communique.io.folder` read and write URLs
through :func:`open_url`, keeping their rules where a filesystem allows and saying where it cannot (see each);
:mod:`communique.io.staging` copies remote inputs to a local folder for the commands. A filesystem raises
what it likes (a cloud client's own exceptions): :func:`failure` turns any of them into a coded issue.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from communique.schema.errors import CommuniqueError, Issue, issue

__all__ = ["Remote", "failure", "is_url", "local_path", "open_url"]

#: ``protocol://``, or a chain ending in one (``simplecache::s3://...``), as fsspec reads them; a local name
#: holding ``::`` alone (``notes::v2``) stays a local path
_PROTOCOL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)(://|::(?=.*://))")
_LOCAL = frozenset({"file", "local"})
_INSTALL = "install the fsspec filesystem of this protocol (e.g. pip install s3fs for s3://, gcsfs for gs://)"


def is_url(path: object) -> bool:
    """Whether ``path`` is a URL served by fsspec: a ``str`` with a protocol other than ``file``. A
    :class:`~pathlib.Path` never is (it would have folded ``//``)."""
    if not isinstance(path, str):
        return False
    found = _PROTOCOL.match(path)
    return found is not None and found[1].lower() not in _LOCAL


def local_path(value: str) -> str:
    """``file://PATH`` (or ``file::PATH``) as the local ``PATH``; anything else unchanged."""
    found = _PROTOCOL.match(value)
    if found is not None and found[1].lower() in _LOCAL and "::" not in value[found.end() :]:
        return value[found.end() :] or "."
    return value


@dataclass(frozen=True)
class Remote:
    """A URL opened: its filesystem, the filesystem's own path, and the URL as the user wrote it (for messages)."""

    fs: Any  # fsspec.AbstractFileSystem (fsspec has no type information)
    path: str
    url: str

    def child(self, name: str) -> Remote:
        """The object ``name`` (a relative, ``/``-separated name) under this folder."""
        return Remote(self.fs, f"{self.path.rstrip('/')}/{name}", f"{self.url.rstrip('/')}/{name}")

    def parent(self) -> Remote:
        """The folder holding this object."""
        url = self.url.rstrip("/")
        scheme_end = url.find("://") + 3 if "://" in url else 0
        cut = url.rfind("/")
        return Remote(self.fs, posixpath.dirname(self.path.rstrip("/")), url[:cut] if cut >= scheme_end else url)

    @property
    def name(self) -> str:
        """The last part of the path (``""`` for the root of a bucket or filesystem)."""
        return posixpath.basename(self.path.rstrip("/"))

    def kind(self) -> str | None:
        """``"file"``, ``"directory"`` (or another type the filesystem names), or ``None`` when nothing is there."""
        try:
            info = self.fs.info(self.path)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a cloud client's own errors: reported, never a traceback
            raise CommuniqueError([failure(exc, self.url, "inspect")]) from None
        return str(info.get("type") or "other")


def open_url(url: str) -> Remote:
    """The filesystem and path behind ``url``; ``missing-library`` when its package is not installed,
    ``url-unsupported`` for a protocol fsspec does not know."""
    import fsspec.core  # type: ignore[import-untyped]  # only when a URL is given

    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise CommuniqueError(
            [issue("missing-library", f"cannot open {url}: {exc}", file=url, hint=_INSTALL)]
        ) from None
    except ValueError as exc:
        raise CommuniqueError(
            [issue("url-unsupported", f"{exc}", file=url, hint="give a local path or a URL fsspec knows")]
        ) from None
    except Exception as exc:  # a filesystem that fails to start (credentials, configuration)
        raise CommuniqueError([failure(exc, url, "open")]) from None
    return Remote(fs, str(path), url)


def failure(exc: BaseException, url: str, doing: str, code: str = "io-error") -> Issue:
    """A filesystem's exception while ``doing`` something to ``url``, as a coded issue naming the URL
    (``file-not-found`` for a missing object, else ``code``)."""
    if isinstance(exc, FileNotFoundError):
        return issue("file-not-found", f"cannot {doing}: no such object", file=url)
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
    return issue(code, f"cannot {doing}: {reason}", file=url)


def name_problem(name: str) -> str | None:
    """Why the relative object name ``name`` cannot be a local file name (``None`` when it can): an empty
    part, ``.`` or ``..`` (which would leave the folder it is copied into), a NUL, or a part too long."""
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f"its name has a {part or 'empty'!r} part"
        if "\0" in part or "\\" in part:
            return "its name holds a NUL or a backslash"
        if len(os.fsencode(part)) > 255:
            return "a part of its name is longer than 255 bytes"
    return None
