"""Reading annotation files: parse fast, locate slowly.

Files are parsed with a fast safe loader: ``json`` for ``.json`` files, PyYAML's libyaml-based loader
otherwise (no object construction, no comments kept, duplicate keys refused, and the YAML 1.2 reading of
scalars: ``no`` stays a string and dates stay strings). Only when a file has problems is it parsed a
second time with ruamel.yaml, which keeps line and column information, to turn JSON paths into
``line:column`` positions. Writing back (``communique anchor``) uses ruamel's round-trip mode so comments
and layout survive.

Hostile input costs bounded work (README, "Limits"): YAML aliases may not expand a file to more than
:func:`alias_limit` nodes, mapping keys must be scalars, and integers may not have more than
:data:`MAX_INT_DIGITS` digits; each is refused with a located, coded issue rather than a traceback.
"""

from __future__ import annotations

import bisect
import io
import json
import re
from collections import deque
from collections.abc import Hashable, Sequence
from typing import Any, NoReturn, TypeAlias

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import PlainScalarString, SingleQuotedScalarString

from communique.schema.errors import Issue, issue
from communique.schema.jsontypes import JsonObject, JsonValue

PathPart = str | int
JsonPath = tuple[PathPart, ...]

#: Longest integer read (Python's own default limit for decimal conversion); longer ones are refused.
MAX_INT_DIGITS = 4300
#: Deepest nesting of lists and mappings read from YAML (a valid document nests about 6 deep): refused on
#: libyaml's events before the round-trip reader, whose cost grows steeply with depth, sees the text.
MAX_DEPTH = 100
#: Aliases may expand a YAML file to at most max(ALIAS_FLOOR, ALIAS_FACTOR x its written nodes) nodes.
ALIAS_FLOOR = 10_000
ALIAS_FACTOR = 20
#: Deepest nesting of lists and objects read from JSON (a prediction line needs about 8 levels).
MAX_JSON_DEPTH = 200


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
    for kind in (str, SingleQuotedScalarString, PlainScalarString):
        yaml.representer.add_representer(kind, _represent_text)
    return yaml


_YAML_1_1_BREAK = re.compile("[\x85\u2028\u2029]")


def _represent_text(representer: RoundTripRepresenter, data: str) -> ScalarNode:
    """A string holding NEL, LS or PS in double quotes, where they are escapes (``\\N``, ``\\L``, ``\\P``):
    written raw, libyaml (YAML 1.1) reads them as line breaks and folds them, so the text would change."""
    node: ScalarNode
    if _YAML_1_1_BREAK.search(data):
        node = representer.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')
    elif isinstance(data, SingleQuotedScalarString):
        node = representer.represent_single_quoted_scalarstring(data)
    elif isinstance(data, PlainScalarString):
        node = representer.represent_plain_scalarstring(data)
    else:
        node = representer.represent_str(data)
    return node


def _load(yaml: YAML, text: str) -> JsonValue:
    check_yaml_events(text)
    try:
        data: JsonValue = yaml.load(text)
        return data
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
    except (ValueError, IndexError) as exc:  # ruamel reads some plain values (`._`, `0b_`) as numbers it cannot build
        line, column = _unbuildable_scalar(yaml, text)
        raise ParseFailure(
            issue(
                "yaml-syntax",
                f"a plain value reads as a number but is none ({str(exc)[:80]}); quote it",
                line=line,
                column=column,
            )
        ) from None
    except YAMLError as exc:
        raise ParseFailure(issue("yaml-syntax", str(exc).strip() or type(exc).__name__)) from None
    except RecursionError:
        raise ParseFailure(issue("too-deep", "the document is nested too deeply to read")) from None


def _unbuildable_scalar(yaml: YAML, text: str) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the first plain scalar ``yaml`` cannot build, or (None, None)."""
    nodes: deque[Node] = deque([yaml.compose(text)])  # in document order, linear on a large file
    while nodes:
        node = nodes.popleft()
        if isinstance(node, ScalarNode):
            try:
                yaml.constructor.construct_object(node)
            except (ValueError, IndexError):
                return node.start_mark.line + 1, node.start_mark.column + 1
        elif isinstance(node, MappingNode):
            nodes.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            nodes.extend(node.value)
    return None, None


def alias_limit(written_nodes: int) -> int:
    """How many nodes a YAML file with ``written_nodes`` nodes may expand to through aliases."""
    return max(ALIAS_FLOOR, ALIAS_FACTOR * written_nodes)


def _digits(value: str) -> int:
    """Digits of a plain scalar that reads as a decimal integer (0 when it does not)."""
    body = value.lstrip("+-").replace("_", "")
    return len(body) if body.isdigit() else 0


def _too_long_int(digits: int, line: int, column: int) -> ParseFailure:
    return ParseFailure(
        issue(
            "number-too-large",
            f"an integer with {digits} digits is longer than the {MAX_INT_DIGITS} digits communique reads",
            hint="no offset or count needs that many digits; quote it if it is text",
            line=line,
            column=column,
        )
    )


def _too_deep(line: int, column: int) -> ParseFailure:
    return ParseFailure(
        issue(
            "too-deep",
            f"lists and mappings nest more than {MAX_DEPTH} deep here; no valid document nests that deep",
            line=line,
            column=column,
        )
    )


def _complex_key(line: int, column: int) -> ParseFailure:
    return ParseFailure(
        issue(
            "yaml-unsupported",
            "a mapping key is a list or mapping (a YAML complex key); keys must be plain strings",
            hint="use a string key",
            line=line,
            column=column,
        )
    )


def check_yaml_events(text: str, *, keys_and_numbers: bool = True) -> None:
    """Refuse, without building anything, YAML that nests deeper than :data:`MAX_DEPTH`, whose aliases
    expand it beyond :func:`alias_limit`, recursive aliases and (with ``keys_and_numbers``) complex keys and
    over-long integers.

    One pass over libyaml's events: the expanded size of every anchored node is counted as it closes, so
    an alias costs one addition however much it stands for. Text that does not parse is left to the
    loader, which reports it.
    """
    sizes: dict[str, int] = {}  # anchor -> expanded node count
    open_anchors: set[str] = set()
    stack: list[tuple[str | None, int, bool, int]] = []  # (anchor, total before, is mapping, children)
    total = written = 0
    alias_uses: list[tuple[int, int, int]] = []  # (total after the alias, line, column)

    def child() -> bool:
        """Count a child of the innermost collection; True when it sits in a key position."""
        if not stack:
            return False
        anchor, before, is_mapping, children = stack[-1]
        stack[-1] = (anchor, before, is_mapping, children + 1)
        return is_mapping and children % 2 == 0

    try:
        for event in pyyaml.parse(text, Loader=_FastBase):
            mark: Any = event.start_mark  # libyaml always sets it
            if isinstance(event, pyyaml.AliasEvent):
                child()
                if event.anchor in open_anchors:
                    raise ParseFailure(
                        issue(
                            "yaml-unsupported",
                            f"alias *{event.anchor} refers to a node that contains it (a recursive alias)",
                            line=mark.line + 1,
                            column=mark.column + 1,
                        )
                    )
                total += sizes.get(event.anchor or "", 0)
                alias_uses.append((total, mark.line + 1, mark.column + 1))
            elif isinstance(event, pyyaml.ScalarEvent):
                child()
                total += 1
                written += 1
                if event.anchor:
                    sizes[event.anchor] = 1
                if keys_and_numbers and event.implicit[0] and len(event.value) > MAX_INT_DIGITS:
                    digits = _digits(event.value)
                    if digits > MAX_INT_DIGITS:
                        raise _too_long_int(digits, mark.line + 1, mark.column + 1)
            elif isinstance(event, (pyyaml.SequenceStartEvent, pyyaml.MappingStartEvent)):
                if child() and keys_and_numbers:
                    raise _complex_key(mark.line + 1, mark.column + 1)
                total += 1
                written += 1
                if event.anchor:
                    open_anchors.add(event.anchor)
                stack.append((event.anchor, total - 1, isinstance(event, pyyaml.MappingStartEvent), 0))
                if len(stack) > MAX_DEPTH:
                    raise _too_deep(mark.line + 1, mark.column + 1)
            elif isinstance(event, (pyyaml.SequenceEndEvent, pyyaml.MappingEndEvent)):
                anchor, before, _, _ = stack.pop()
                if anchor:
                    open_anchors.discard(anchor)
                    sizes[anchor] = total - before
    except pyyaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem) and exc.problem_mark is not None:  # libyaml's own limit (1,000)
            raise _too_deep(exc.problem_mark.line + 1, exc.problem_mark.column + 1) from None
        return  # not well-formed: the loader reports where
    except pyyaml.YAMLError:
        return
    limit = alias_limit(written)
    if total > limit:
        at = bisect.bisect_right([use[0] for use in alias_uses], limit)
        _, line, column = alias_uses[min(at, len(alias_uses) - 1)]
        raise ParseFailure(
            issue(
                "alias-expansion",
                f"YAML aliases expand this file to {_count(total)} nodes; at most {limit:,} are read "
                f"(max({ALIAS_FLOOR:,}, {ALIAS_FACTOR} x its {written:,} written nodes))",
                hint="write the repeated values out, or repeat them less",
                line=line,
                column=column,
            )
        )


def _count(n: int) -> str:
    """A node count for a message; astronomically large counts are given by their order of magnitude."""
    return f"{n:,}" if n < 10**15 else f"about 10^{n.bit_length() * 3 // 10}"


_FastBase: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


class _FastLoader(_FastBase):  # type: ignore[misc]
    """libyaml parser, YAML 1.2-like scalars, duplicate keys refused."""

    def construct_mapping(self, node: pyyaml.MappingNode, deep: bool = False) -> dict[Hashable, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, pyyaml.ScalarNode):
                mark = key_node.start_mark
                raise _complex_key(mark.line + 1, mark.column + 1)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise pyyaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Hashable, object] = super().construct_mapping(node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: pyyaml.ScalarNode) -> int:
        digits = _digits(node.value) if len(node.value) > MAX_INT_DIGITS else 0
        if digits > MAX_INT_DIGITS:
            raise _too_long_int(digits, node.start_mark.line + 1, node.start_mark.column + 1)
        try:
            return int(super().construct_yaml_int(node))
        except (ValueError, IndexError):  # a plain value the resolver takes for a number (`0b_`, `0x_`)
            raise _not_a_number(node) from None

    def construct_yaml_float(self, node: pyyaml.ScalarNode) -> float:
        try:
            return float(super().construct_yaml_float(node))
        except (ValueError, IndexError):  # the same for a value the float pattern takes
            raise _not_a_number(node) from None


def _not_a_number(node: pyyaml.ScalarNode) -> pyyaml.constructor.ConstructorError:
    return pyyaml.constructor.ConstructorError(
        None, None, f"the plain value {node.value[:40]!r} reads as a number but is none; quote it", node.start_mark
    )


_FastLoader.add_constructor("tag:yaml.org,2002:int", _FastLoader.construct_yaml_int)
_FastLoader.add_constructor("tag:yaml.org,2002:float", _FastLoader.construct_yaml_float)

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


def no_duplicate_keys(pairs: list[tuple[str, JsonValue]]) -> JsonObject:
    """``object_pairs_hook`` for ``json.loads`` that refuses duplicate keys."""
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: only then look for the culprit
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


_LONG_INT = re.compile(rf"-?[0-9]{{{MAX_INT_DIGITS + 1},}}")


def long_json_int(text: str) -> ParseFailure:
    """The over-long integer that made ``json`` raise a plain ``ValueError``, located (``json`` does not
    say where)."""
    found = _LONG_INT.search(text)
    if found is None:  # another value error: report it without a position
        return ParseFailure(issue("json-syntax", "the text is not valid JSON", line=1, column=1))
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return _too_long_int(len(found[0].lstrip("-")), line, column)


class NonFinite(ValueError):
    """A JSON text holds ``NaN``, ``Infinity`` or ``-Infinity`` (which ``json`` accepts and JSON does not)."""


def _refuse_constant(name: str) -> NoReturn:
    """``parse_constant`` for ``json.loads``: JSON has no NaN or infinities."""
    raise NonFinite(name)


_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:NaN|Infinity))')


def _non_finite(text: str, name: str) -> ParseFailure:
    """The refusal of the constant ``name``, located at its first occurrence outside a string."""
    line = column = 1
    for found in _CONSTANT.finditer(text):
        if found[1] is not None:
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
            break
    return ParseFailure(
        issue(
            "number-not-finite",
            f"{name} is not a JSON number",
            hint="write a finite number, or null where the value is unknown",
            line=line,
            column=column,
        )
    )


_Container: TypeAlias = "dict[str, JsonValue] | list[JsonValue]"


def too_deep(value: JsonValue, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests lists and objects more than ``limit`` levels deep; level by
    level, without recursion."""
    level: list[_Container] = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[_Container] = []
        for node in level:
            below.extend(
                [c for c in (node.values() if isinstance(node, dict) else node) if isinstance(c, (dict, list))]
            )
        level = below
    return False


def parse_json(text: str) -> JsonValue:
    """Parse JSON strictly: duplicate keys, ``NaN`` and infinities, integers over :data:`MAX_INT_DIGITS`
    digits and nesting deeper than :data:`MAX_JSON_DEPTH` levels are refused (:class:`ParseFailure`)."""
    try:
        value: JsonValue = json.loads(text, object_pairs_hook=no_duplicate_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ParseFailure(issue("json-syntax", exc.msg, line=exc.lineno, column=exc.colno)) from None
    except DuplicateKey as exc:
        raise ParseFailure(issue("json-syntax", str(exc), line=1, column=1)) from None
    except NonFinite as exc:
        raise _non_finite(text, str(exc)) from None
    except ValueError:  # json refuses to convert an integer longer than Python's limit
        raise long_json_int(text) from None
    except RecursionError:
        value = None
        deep = True
    else:
        deep = len(text) > 2 * MAX_JSON_DEPTH and too_deep(value, MAX_JSON_DEPTH)
    if deep:
        raise ParseFailure(
            issue(
                "too-deep",
                f"the document nests lists and objects more than {MAX_JSON_DEPTH} levels deep",
                hint="no communique file needs that many levels",
                line=1,
                column=1,
            )
        )
    return value


def parse_yaml(text: str, *, is_json: bool = False) -> JsonValue:
    """Parse YAML (or, with ``is_json``, JSON) safely into plain dicts, lists and scalars."""
    if is_json:
        data = parse_json(text) if text.strip() else None
    else:
        if "*" in text:  # an alias is possible: bound what it expands to before building anything
            check_yaml_events(text, keys_and_numbers=False)
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


def load_round_trip(text: str) -> JsonValue:
    """Parse YAML keeping comments, key order and positions (for locating and for writing back)."""
    return _load(_round_trip_yaml(), text)


def dump_round_trip(data: object) -> str:
    """``data`` (round-trip YAML nodes, or plain data) as YAML, as communique writes it: comments and styles
    kept, ``null`` written out, long lines never wrapped."""
    stream = io.StringIO()
    _round_trip_yaml().dump(data, stream)
    return stream.getvalue()


#: A node of the position index: a scalar is the offset where it starts; a collection is its offset and
#: its children (a mapping's string keys -> (offset of the key, value node); a sequence's items).
_Node = int | tuple[int, "dict[str, tuple[int, _Node]] | list[_Node]"]


class Locator:
    """Maps JSON paths to 1-based ``(line, column)`` positions in a YAML or JSON text.

    One cheap pass builds an index of where every node starts: a small JSON tokenizer for JSON text (any
    text ``json`` reads, however deep or long its numbers), libyaml's events for YAML (their marks). A
    position is then a lookup; lines and columns count code points as the round-trip YAML reader counts
    them (a line ends at ``\\n`` or a lone ``\\r``; a BOM takes no column), so they are the same as before
    this index replaced a whole round-trip parse, at a small fraction of its time and memory.
    """

    def __init__(self, text: str):
        self._text = text
        self._root: _Node | None = _json_index(text)
        if self._root is None:
            self._root = _yaml_index(text)
        self._line_starts: list[int] | None = None

    def find(self, path: Sequence[PathPart]) -> tuple[int | None, int | None]:
        """Position of the value at ``path``, or of its deepest existing ancestor (the file's start when
        the text cannot be read): an item's start; a key's value when it is a scalar, else the key."""
        node = self._root
        found: int | None = None
        for part in path:
            if node is None or isinstance(node, int):
                break
            children = node[1]
            if isinstance(part, int) and isinstance(children, list) and 0 <= part < len(children):
                node = children[part]
                found = node if isinstance(node, int) else node[0]
            elif isinstance(part, str) and isinstance(children, dict) and part in children:
                key, node = children[part]
                found = node if isinstance(node, int) else key
            else:
                break
        return (1, 1) if found is None else self._line_column(found)

    def _line_column(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(self._text))]
        line = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        column = offset - start
        if "\ufeff" in self._text:  # a BOM, wherever it is, takes no column
            column -= self._text.count("\ufeff", start, offset)
        return line + 1, column + 1


_LINE_BREAK = re.compile(r"\n|\r(?!\n)")
#: one step of the JSON tokenizer: an optional comma, then a key with its colon, a string, a bracket or
#: another scalar (a comma and a key with its colon are read in the same step as what follows them)
_JSON_TOKEN = re.compile(
    r'[ \t\n\r]*(,[ \t\n\r]*)?(?:("[^"\\]*(?:\\.[^"\\]*)*")([ \t\n\r]*:)?|([{}\[\]])|'
    r"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|NaN|-?Infinity))",
    re.DOTALL,
)
_JSON_END = re.compile(r"[ \t\n\r]*\Z")
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _AFTER = range(5)  # what the JSON tokenizer expects next


def _json_index(text: str) -> _Node | None:
    """The position index of a JSON text, or None when it is not JSON. Iterative: any depth."""
    at = 1 if text.startswith("\ufeff") else 0
    stack: list[tuple[int, dict[str, tuple[int, _Node]] | list[_Node]]] = []  # open collections
    key: tuple[str, int] = ("", 0)  # the key read last, waiting for its value
    root: _Node | None = None
    state = _VALUE
    match = _JSON_TOKEN.match
    while stack or root is None:
        token = match(text, at)
        if token is None:
            return None
        at = token.end()
        comma, string, colon, bracket, _ = token.groups()
        if comma is not None:
            if state != _AFTER or not stack:
                return None
            state = _KEY if isinstance(stack[-1][1], dict) else _VALUE
        if colon is not None:  # a key
            if state not in (_KEY, _KEY_OR_CLOSE):
                return None
            key = (string[1:-1] if "\\" not in string else json.loads(string), token.start(2))
            state = _VALUE
            continue
        if bracket in ("}", "]"):
            if not stack or state not in (_AFTER, _KEY_OR_CLOSE if bracket == "}" else _VALUE_OR_CLOSE):
                return None
            if (bracket == "}") != isinstance(stack.pop()[1], dict):
                return None
            state = _AFTER
            continue
        if state not in (_VALUE, _VALUE_OR_CLOSE):
            return None
        node: _Node
        if bracket is None:
            node = token.start(token.lastindex or 0)
            state = _AFTER
        else:
            node = (token.start(4), {} if bracket == "{" else [])
            state = _KEY_OR_CLOSE if bracket == "{" else _VALUE_OR_CLOSE
        if not stack:
            root = node
        elif isinstance(children := stack[-1][1], list):
            children.append(node)
        else:
            children[key[0]] = (key[1], node)
        if isinstance(node, tuple):
            stack.append(node)
    return root if _JSON_END.match(text, at) else None


def _yaml_index(text: str) -> _Node | None:
    """The position index of a YAML text from libyaml's events, or None when it does not parse (or holds
    more than one document). An alias stands for its anchored node, positions included, as it does for
    the round-trip reader; merge keys (``<<``) and keys that are not strings are left out."""
    shift = 1 if text.startswith("\ufeff") else 0  # libyaml's offsets do not count a leading BOM
    anchors: dict[str, _Node] = {}
    stack: list[tuple[int, dict[str, tuple[int, _Node]] | list[_Node]]] = []
    pending: list[tuple[str, int] | bool | None] = []  # per open mapping: its key (None: none yet; False: skipped)
    root: _Node | None = None
    documents = 0
    try:
        event: Any
        for event in pyyaml.parse(text, Loader=_FastBase):
            if isinstance(event, pyyaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return None
                continue
            if isinstance(event, (pyyaml.SequenceEndEvent, pyyaml.MappingEndEvent)):
                stack.pop(), pending.pop()
                continue
            node: _Node
            offset: int = event.start_mark.index + shift
            if isinstance(event, pyyaml.AliasEvent):
                if event.anchor is None or event.anchor not in anchors:
                    return None
                node = anchors[event.anchor]
            elif isinstance(event, pyyaml.ScalarEvent):
                node = offset
            elif isinstance(event, pyyaml.MappingStartEvent):
                node = (offset, {})
            elif isinstance(event, pyyaml.SequenceStartEvent):
                node = (offset, [])
            else:
                continue
            anchor = getattr(event, "anchor", None)
            if anchor and not isinstance(event, pyyaml.AliasEvent):
                anchors[anchor] = node
            parent = stack[-1][1] if stack else None
            if parent is None:
                root = node
            elif isinstance(parent, list):
                parent.append(node)
            elif pending[-1] is None:  # a key
                string_key = isinstance(event, pyyaml.ScalarEvent) and _string_key(event)
                pending[-1] = (event.value, node) if string_key and isinstance(node, int) else False
            else:
                key = pending[-1]
                if isinstance(key, tuple):
                    parent[key[0]] = (key[1], node)
                pending[-1] = None
            if isinstance(node, tuple) and not isinstance(event, pyyaml.AliasEvent):
                stack.append(node)
                pending.append(None)
    except (pyyaml.YAMLError, RecursionError):
        return None
    return root


def _string_key(event: pyyaml.ScalarEvent) -> bool:
    """Whether a scalar key reads as a string, as :func:`parse_yaml` reads it (not ``1``, ``true``,
    ``null`` or the merge key ``<<``)."""
    if event.tag not in (None, "!"):
        return bool(event.tag == "tag:yaml.org,2002:str")
    if event.style or not event.implicit[0]:
        return True  # quoted or a block scalar
    value = event.value
    for tag, regexp in [
        *_FastLoader.yaml_implicit_resolvers.get(value[:1] if value else "", []),
        *_FastLoader.yaml_implicit_resolvers.get(None, []),
    ]:
        if regexp.match(value):
            return bool(tag == "tag:yaml.org,2002:str")
    return True


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> JsonPath:
    """``$.officials[0].name`` -> ``("officials", 0, "name")``."""
    return tuple(int(m[2]) if m[2] is not None else m[1] for m in _PATH_PART.finditer(path.removeprefix("$")))
