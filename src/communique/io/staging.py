"""A command's remote inputs and outputs: URLs copied to a local folder before it runs, and back after it.

The commands read and write local folders (the corpus store, the annotation walk, the exports all take
:class:`~pathlib.Path`). When an option is given a URL (``s3://bucket/corpus``; an option's argparse type in
:mod:`communique.cli.options` marks it as a :class:`Url` of a :class:`Kind`), :func:`communique.cli.common.run`
hands it to a :class:`Staging`, which gives the command a local path under one temporary folder instead:

- **an input** (corpus, gold, seeds, predictions, the file or folder to convert) is fetched first: the objects
  the command reads (per :class:`Kind`: a corpus folder's ``*.json``, an annotation folder's ``.yaml``,
  ``.yml`` and ``.json`` at any depth, ...), each by the reading rules of :mod:`communique.io.read` (only what
  the filesystem calls a file; its size checked against the input cap before it is read, and the bytes counted
  while they are copied). An object whose name could not be a local file (``..``, an empty part) is
  ``input-name-unsafe``. Every refusal of every input is reported at once and the command does not run. A URL
  where nothing is stays missing, so the command reports it as it reports a missing path (naming the URL);
- **after the command**, a file it created or changed in such a folder (``corpus build``, ``add``, ``synth``,
  ``import``) is written back through :mod:`communique.io.write` (a temporary object, then a move), but only if
  the remote object is still what was fetched, or still absent for a new one (``output-changed`` otherwise: the
  object is left as it is). Nothing is deleted remotely;
- **an export folder** (:data:`EXPORT`: ``export hf``, ``brat``, ``label-studio``) is checked before the command
  runs (:func:`~communique.io.folder.check_remote_export`), written locally by the command, and published after
  it (:func:`~communique.io.folder.publish_export`).

Messages name the URL, never the temporary folder: :meth:`Staging.show` maps every local path back.
Output *files* (``--out FILE``, ``bench --outcomes``) are not staged: :mod:`communique.io.write` writes URLs.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar, cast

from communique.io.folder import MARKER, check_remote_export, publish_export
from communique.io.read import InputRefused, copy_capped, default_limit, not_regular, too_large
from communique.io.remote import Remote, failure, name_problem, open_url
from communique.io.write import output_error, write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue

__all__ = [
    "ANNOTATIONS",
    "CORPUS",
    "EXPORT",
    "FILE",
    "FILES",
    "SEEDS",
    "TREE",
    "Kind",
    "Staging",
    "Url",
]

#: objects fetched at once (each one a request to a cloud store)
FETCH_THREADS = 8
_V = TypeVar("_V")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Kind:
    """What a path option names, so that only what the command reads is fetched."""

    name: str
    folder: bool = True  # may be a folder (else a folder is ``input-not-regular``)
    recursive: bool = False  # a folder's files at every depth (else its own files only)
    suffixes: tuple[str, ...] = ()  # only names ending so (none: every file)
    hidden: bool = True  # names with a part starting with "." too
    export: bool = False  # an export's output folder: not fetched; published after the command


FILE = Kind("file", folder=False)
ANNOTATIONS = Kind("annotations", recursive=True, suffixes=(".yaml", ".yml", ".json"), hidden=False)
CORPUS = Kind("corpus", suffixes=(".json",))
SEEDS = Kind("seeds", suffixes=(".txt", ".meta.yaml"))
FILES = Kind("files")  # a file, or a folder's own files (a brat folder to convert)
TREE = Kind("tree", recursive=True)  # an output folder of separate files (synth, schema, import)
EXPORT = Kind("export", export=True)


class Url(str):
    """An option's value that is a URL, and what it names (:class:`Kind`)."""

    kind: Kind

    def __new__(cls, value: str, kind: Kind = FILE) -> Url:
        made = super().__new__(cls, value)
        made.kind = kind
        return made


@dataclass
class _Slot:
    """One URL and the local path that stands for it; what was fetched: relative name -> (size, sha256)."""

    url: str
    local: Path
    kind: Kind
    fetched: dict[str, tuple[int, str]] = field(default_factory=dict)


class Staging:
    """The local stand-ins of one command's URLs (see the module docstring); :meth:`close` removes them."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._slots: list[_Slot] = []
        self._made = 0  # stand-ins made, refused ones included: each has a folder of its own
        self._done: dict[tuple[str, str], str] = {}
        self._shown: list[tuple[str, str]] = []

    @property
    def active(self) -> bool:
        """Whether any URL was staged."""
        return bool(self._slots)

    def stage(self, value: str, kind: Kind) -> str:
        """The local path that stands for the URL ``value`` (fetched, for an input; see the module docstring)."""
        key = (value, kind.name)
        if key in self._done:
            return self._done[key]
        remote = open_url(value)
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="communique-remote-")).resolve()
        name = remote.name if remote.name and name_problem(remote.name) is None else "root"
        self._made += 1
        local = self._root / f"{self._made}" / name
        local.parent.mkdir()
        slot = _Slot(value, local, kind)
        if kind.export:
            check_remote_export(value)
        else:
            self._fetch(remote, slot)
        self._slots.append(slot)
        self._shown = sorted(((str(s.local), s.url.rstrip("/")) for s in self._slots), key=lambda p: -len(p[0]))
        self._done[key] = str(local)
        return str(local)

    def show(self, text: str) -> str:
        """``text`` with every local stand-in's path replaced by its URL."""
        if self._root is None or str(self._root) not in text:
            return text
        for local, url in self._shown:
            text = text.replace(local, url)
        return text

    def show_issue(self, found: Issue) -> Issue:
        """The issue naming URLs instead of their local stand-ins."""
        if self._root is None:
            return found
        hint = self.show(found.hint) if found.hint is not None else None
        return replace(found, file=self.show(found.file), message=self.show(found.message), hint=hint)

    def show_value(self, value: _V) -> _V:
        """A JSON value (a command's result) naming URLs instead of their local stand-ins (same shape, same type)."""
        return cast(_V, self._shown_value(value))

    def _shown_value(self, value: object) -> object:
        if self._root is None:
            return value
        if isinstance(value, str):
            return self.show(value)
        if isinstance(value, dict):
            return {self.show(k) if isinstance(k, str) else k: self._shown_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._shown_value(v) for v in value]
        return value

    def complete(self) -> tuple[list[str], list[Issue]]:
        """Write back what the command created or changed, publish its exports; notes and problems."""
        notes: list[str] = []
        problems: list[Issue] = []
        for slot in self._slots:
            try:
                if slot.kind.export:
                    if (slot.local / MARKER).is_file():
                        count = publish_export(slot.local, slot.url)
                        notes.append(f"copied the export ({count} file(s) and its manifest) to {slot.url}")
                    continue
                copied = 0
                for name, path, fetched in self._changed(slot):
                    target = slot.url if not name else f"{slot.url.rstrip('/')}/{name}"
                    try:
                        _write_back(path, target, fetched)
                        copied += 1
                    except CommuniqueError as exc:
                        problems.extend(exc.issues)
                if copied:
                    notes.append(f"copied {copied} new or changed file(s) to {slot.url}")
            except CommuniqueError as exc:
                problems.extend(exc.issues)
        return notes, problems

    def close(self) -> None:
        """Remove the local stand-ins."""
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    # -------------------------------------------------------------------------------------- fetching

    def _fetch(self, remote: Remote, slot: _Slot) -> None:
        """Copy what ``slot``'s kind reads of ``remote`` to ``slot.local``; raise every refusal at once."""
        try:
            info = remote.fs.info(remote.path)
        except FileNotFoundError:
            return  # missing: the command reports it as it reports a missing path
        except Exception as exc:
            raise CommuniqueError([failure(exc, remote.url, "read")]) from None
        cap = default_limit()
        if info.get("type") == "file":
            wanted = {"": (remote, info.get("size"))}
        elif info.get("type") == "directory":
            if not slot.kind.folder:
                raise not_regular(remote.url, 0o040000)
            wanted = self._listing(remote, slot.kind)
            slot.local.mkdir()
        else:
            raise not_regular(remote.url, 0)
        refused = [
            too_large(source.url, size, cap).issue
            for source, size in wanted.values()
            if isinstance(size, int) and size > cap
        ]
        if refused:
            raise CommuniqueError(refused)
        with ThreadPoolExecutor(min(FETCH_THREADS, max(1, len(wanted)))) as pool:
            copies = [
                (name, pool.submit(_copy, source, slot.local / name if name else slot.local, cap))
                for name, (source, _) in sorted(wanted.items())
            ]
            for name, copy in copies:
                try:
                    slot.fetched[name] = copy.result()
                except CommuniqueError as exc:
                    refused.extend(exc.issues)
        if refused:
            raise CommuniqueError(refused)

    def _listing(self, remote: Remote, kind: Kind) -> dict[str, tuple[Remote, int | None]]:
        """The objects under the folder ``remote`` that ``kind`` reads, by relative name, with their sizes."""
        base = remote.path.rstrip("/") + "/"
        try:
            found = remote.fs.find(remote.path, maxdepth=None if kind.recursive else 1, withdirs=False, detail=True)
        except Exception as exc:
            raise CommuniqueError([failure(exc, remote.url, "list the folder")]) from None
        wanted: dict[str, tuple[Remote, int | None]] = {}
        unsafe: list[Issue] = []
        for full, info in found.items():
            full = str(full)
            name = full[len(base) :] if full.startswith(base) else full
            if info.get("type") != "file" or not name.endswith(kind.suffixes or ("",)):
                continue
            source = Remote(remote.fs, full, f"{remote.url.rstrip('/')}/{name}")
            problem = name_problem(name) if full.startswith(base) else "it is not under the folder listed"
            if problem is not None:  # before the hidden names are left out: `..` is no hidden name
                unsafe.append(issue("input-name-unsafe", f"not read: {problem}", file=source.url))
                continue
            if not kind.hidden and any(part.startswith(".") for part in name.split("/")):
                continue
            size = info.get("size")
            wanted[name] = (source, size if isinstance(size, int) else None)
        if unsafe:
            raise CommuniqueError(unsafe)
        return wanted

    def _changed(self, slot: _Slot) -> Iterator[tuple[str, Path, str | None]]:
        """The files of ``slot`` the command created or changed: (relative name, local path, sha256 fetched)."""
        if slot.local.is_file():
            files = [("", slot.local)]
        elif slot.local.is_dir():
            files = sorted((p.relative_to(slot.local).as_posix(), p) for p in slot.local.rglob("*") if p.is_file())
        else:
            return
        for name, path in files:
            before = slot.fetched.get(name)
            # the bytes, not the time stamp, decide: a file rewritten within the clock's tick keeps its mtime
            if before is not None and path.stat().st_size == before[0] and _sha256(path) == before[1]:
                continue
            yield name, path, before[1] if before is not None else None


def _copy(source: Remote, target: Path, cap: int) -> tuple[int, str]:
    """Copy one object to the new local file ``target`` within ``cap`` bytes: its size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with source.fs.open(source.path, "rb") as handle, open(target, "xb") as sink:
            size, digest = copy_capped(handle, sink, source.url, cap)
    except InputRefused:
        target.unlink(missing_ok=True)
        raise
    except Exception as exc:  # the object went away, or the connection failed half-way
        target.unlink(missing_ok=True)
        raise CommuniqueError([failure(exc, source.url, "read")]) from None
    return size, digest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_back(path: Path, url: str, fetched: str | None) -> None:
    """Write the local file ``path`` to ``url`` if the object there is still what was fetched (absent, for
    ``fetched=None``); else ``output-changed``, and the object is left as it is."""
    remote = open_url(url)
    now = _remote_sha256(remote)
    if now != fetched:
        said = "appeared" if fetched is None else "was removed" if now is None else "changed"
        raise CommuniqueError(
            [
                issue(
                    "output-changed",
                    f"{said} after communique read it; it is left as it is and the local result is not copied",
                    file=url,
                    hint="run the command again",
                )
            ]
        )
    try:
        with open(path, "rb") as handle:
            write_atomic(url, iter(lambda: handle.read(_CHUNK), b""))
    except OSError as exc:
        raise output_error("write-failed", url, f"cannot read the local result: {exc.strerror or exc}") from None


def _remote_sha256(remote: Remote) -> str | None:
    """sha256 of the object's bytes (``None`` when there is none), read a chunk at a time."""
    if remote.kind() is None:
        return None
    digest = hashlib.sha256()
    try:
        with remote.fs.open(remote.path, "rb") as handle:
            while block := handle.read(_CHUNK):
                digest.update(block)
    except Exception as exc:
        raise CommuniqueError([failure(exc, remote.url, "read")]) from None
    return digest.hexdigest()
