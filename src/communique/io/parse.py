"""Reading annotation files: parse fast, locate slowly.

Files are parsed with a fast safe loader: ``json`` for ``.json`` files, PyYAML's libyaml-based loader
otherwise (no object construction, no comments kept, duplicate keys refused, and the YAML 1.2 reading of
scalars: ``no`` stays a string and dates stay strings). Only when a file has problems is it parsed a
second time with ruamel.yaml, which keeps line and column information, to turn JSON paths into
``line:column`` positions. Writing back (``communique anchor``) uses ruamel's round-trip mode so comments
and layout survive.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from communique.schema.errors import Issue, issue

PathPart = str | int
JsonPath = tuple[PathPart, ...]


class ParseFailure(Exception):
    """The text could not be read as a document; ``issue`` says where and why."""

    def __init__(self, found: Issue):
        super().__init__(found.message)
        self.issue = found


def format_path(path: Sequence[PathPart]) -> str:
    """``("officials", 0, "name")`` -> ``$.officials[0].name``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def decode_utf8(data: bytes) -> str:
    """Decode UTF-8 (a leading BOM is dropped), or raise :class:`ParseFailure` at the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseFailure(
            issue(
                "encoding-error",
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8",
                hint="save the file as UTF-8",
                line=line,
                column=column,
            )
        ) from None


def _safe_yaml() -> YAML:
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = False
    return yaml


def _round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long span texts
    yaml.indent(mapping=2, sequence=4, offset=2)
    # write None as an explicit `null` (the default writes nothing): unknown facts are stated as unknown
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def _load(yaml: YAML, text: str) -> Any:
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part) or str(exc)
        raise ParseFailure(
            issue(
                "yaml-syntax",
                message.strip(),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    except YAMLError as exc:
        raise ParseFailure(issue("yaml-syntax", str(exc).strip() or type(exc).__name__)) from None
    except RecursionError:
        raise ParseFailure(issue("too-deep", "the document is nested too deeply to read")) from None


_FastBase: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


class _FastLoader(_FastBase):  # type: ignore[misc]
    """libyaml parser, YAML 1.2-like scalars, duplicate keys refused."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise pyyaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


# YAML 1.1 reads yes/no/on/off as booleans and 2024-01-01 as a date; YAML 1.2 (and ruamel) do not.
_FastLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in pyyaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FastLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class DuplicateKey(ValueError):
    """A JSON object gives the same key twice; ``args[0]`` is the key."""

    def __str__(self) -> str:
        return f"found duplicate key {self.args[0]!r}"


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads`` that refuses duplicate keys."""
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: only then look for the culprit
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


def parse_json(text: str) -> Any:
    """Parse JSON strictly (duplicate keys refused)."""
    try:
        return json.loads(text, object_pairs_hook=no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ParseFailure(issue("json-syntax", exc.msg, line=exc.lineno, column=exc.colno)) from None
    except DuplicateKey as exc:
        raise ParseFailure(issue("json-syntax", str(exc), line=1, column=1)) from None
    except RecursionError:
        raise ParseFailure(issue("too-deep", "the document is nested too deeply to read", line=1, column=1)) from None


def parse_yaml(text: str, *, is_json: bool = False) -> Any:
    """Parse YAML (or, with ``is_json``, JSON) safely into plain dicts, lists and scalars."""
    if is_json:
        data = parse_json(text) if text.strip() else None
    else:
        try:
            data = pyyaml.load(text, Loader=_FastLoader)
        except pyyaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = " ".join(str(part) for part in (exc.context, exc.problem) if part) or str(exc)
            raise ParseFailure(
                issue(
                    "yaml-syntax",
                    message.strip(),
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                )
            ) from None
        except pyyaml.reader.ReaderError as exc:  # a character YAML does not allow
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            raise ParseFailure(
                issue(
                    "yaml-syntax",
                    f"character U+{code:04X} is not allowed in YAML",
                    hint="remove the control character",
                    line=line,
                    column=column,
                )
            ) from None
        except pyyaml.YAMLError as exc:
            raise ParseFailure(issue("yaml-syntax", str(exc).strip() or type(exc).__name__, line=1, column=1)) from None
        except RecursionError:
            raise ParseFailure(
                issue("too-deep", "the document is nested too deeply to read", line=1, column=1)
            ) from None
    if data is None:
        raise ParseFailure(issue("empty-file", "the file holds no document", line=1, column=1))
    return data


def load_round_trip(text: str) -> Any:
    """Parse YAML keeping comments, key order and positions (for locating and for writing back)."""
    return _load(_round_trip_yaml(), text)


def dump_round_trip(data: Any) -> str:
    stream = io.StringIO()
    _round_trip_yaml().dump(data, stream)
    return stream.getvalue()


class Locator:
    """Maps JSON paths to 1-based ``(line, column)`` positions in a YAML text."""

    def __init__(self, text: str):
        try:
            self._root: Any = load_round_trip(text)
        except ParseFailure:
            self._root = None

    def find(self, path: Sequence[PathPart]) -> tuple[int | None, int | None]:
        """Position of the value at ``path``, or of its deepest existing ancestor (the file's start when
        the text cannot be parsed with positions)."""
        node = self._root
        found: tuple[int, int] = (0, 0)
        for part in path:
            lc = getattr(node, "lc", None)
            if lc is None:
                break
            try:
                if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
                    found = lc.item(part)
                    node = node[part]
                elif isinstance(part, str) and isinstance(node, dict) and part in node:
                    value = node[part]
                    # point at the value when it is a scalar on the key's line, else at the key
                    found = lc.value(part) if not hasattr(value, "lc") else lc.key(part)
                    node = value
                else:
                    break
            except (KeyError, TypeError, IndexError):  # positions missing for this node
                break
        return found[0] + 1, found[1] + 1


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> JsonPath:
    """``$.officials[0].name`` -> ``("officials", 0, "name")``."""
    return tuple(int(m[2]) if m[2] is not None else m[1] for m in _PATH_PART.finditer(path.removeprefix("$")))
