"""Walk raw (not yet validated) annotation data along the Pydantic models.

Validation must report *every* problem, including span and reference problems in a file whose types are
partly wrong, so these checks run on the raw parsed data rather than on a validated model. What counts as
a span or a reference is read from the models (a :class:`~communique.schema.models.SpanModel` subclass, a field
marked with :class:`~communique.schema.models.Ref`), so the walk never drifts from the schema. The reading of the
models is compiled once per model into a plan; the walk itself only follows the plan.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Literal, TypeAlias, Union, get_args, get_origin

from pydantic import BaseModel

from communique.annotate.anchor import Resolution, anchored, resolve, unanchored_issue
from communique.annotate.locate import Place, place_by_proximity
from communique.io.parse import JsonPath, format_path
from communique.schema.errors import Issue
from communique.schema.models import Ref, SpanModel


@dataclass(frozen=True)
class SpanNode:
    path: JsonPath
    value: object  # the raw mapping (may be malformed)
    model: type[SpanModel]


@dataclass(frozen=True)
class RefNode:
    path: JsonPath
    value: object
    layer: str


def _strip(annotation: object) -> tuple[object, tuple[object, ...]]:
    """Remove ``Annotated`` and ``X | None`` wrappers; return the core type and collected metadata."""
    metadata: tuple[object, ...] = ()
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata += tuple(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


#: how the walk reads a field: a span (its model), a reference (its layer), a model to walk, a list of one
#: plan, a discriminated union (its tag field and each tag's model); None: nothing inside to walk
Plan: TypeAlias = (
    "tuple[Literal['span'], type[SpanModel]] | tuple[Literal['ref'], str] | tuple[Literal['model'], type[BaseModel]]"
    " | tuple[Literal['list'], Plan] | tuple[Literal['union'], tuple[str, dict[str, type[BaseModel]]]] | None"
)


def tagged_union(core: object) -> tuple[str, dict[str, type[BaseModel]]] | None:
    """For a union of models told apart by a one-value ``Literal`` field (a discriminated union): that
    field's name and each tag's model; ``None`` for anything else."""
    if get_origin(core) not in (Union, types.UnionType):
        return None
    members = [a for a in get_args(core) if a is not type(None)]
    if not all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
        return None
    for name in members[0].model_fields:
        tags: dict[str, type[BaseModel]] = {}
        for member in members:
            info = member.model_fields.get(name)
            values = get_args(info.annotation) if info is not None and get_origin(info.annotation) is Literal else ()
            if len(values) != 1:
                break
            tags[str(values[0])] = member
        else:
            return name, tags
    return None


def _plan(annotation: object, metadata: tuple[object, ...] = ()) -> Plan:
    core, extra = _strip(annotation)
    metadata += extra
    union = tagged_union(core)
    if union is not None:
        return ("union", union)
    if get_origin(core) is list:
        inner = _plan(get_args(core)[0])
        return ("list", inner) if inner is not None else None
    if isinstance(core, type) and issubclass(core, BaseModel):
        if issubclass(core, SpanModel):
            return ("span", core)
        return ("model", core) if _fields(core) else None
    for marker in metadata:
        if isinstance(marker, Ref):
            return ("ref", marker.layer)
    return None


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, Plan], ...]:
    """The fields of ``model`` that can hold spans or references, with their plans."""
    out = []
    for name, info in model.model_fields.items():
        plan = _plan(info.annotation, tuple(info.metadata))
        if plan is not None:
            out.append((name, plan))
    return tuple(out)


def _follow(plan: Plan, value: object, path: JsonPath, found: list[SpanNode | RefNode]) -> None:
    if value is None or plan is None:
        return
    if plan[0] == "span":
        found.append(SpanNode(path, value, plan[1]))
    elif plan[0] == "ref":
        found.append(RefNode(path, value, plan[1]))
    elif plan[0] == "union":
        tag, members = plan[1]
        chosen = value.get(tag) if isinstance(value, dict) else None
        member = members.get(chosen) if isinstance(chosen, str) else None
        if member is not None:  # an unknown tag is a structure error: there is nothing to walk
            _walk(member, value, path, found)
    elif plan[0] == "list":
        if isinstance(value, list):
            for i, element in enumerate(value):
                _follow(plan[1], element, (*path, i), found)
    else:
        _walk(plan[1], value, path, found)


def _walk(model: type[BaseModel], data: object, path: JsonPath, found: list[SpanNode | RefNode]) -> None:
    if isinstance(data, dict):
        for name, plan in _fields(model):
            if name in data:
                _follow(plan, data[name], (*path, name), found)


def walk(model: type[BaseModel], data: object, path: JsonPath = ()) -> Iterator[SpanNode | RefNode]:
    """Yield every span and reference in ``data``, read as an instance of ``model``, in document order.

    The nodes are collected by plain recursion first (a chain of nested generators costs a frame switch per
    level for every node: about a fifth of validating a document)."""
    found: list[SpanNode | RefNode] = []
    _walk(model, data, path, found)
    return iter(found)


@dataclass
class Anchoring:
    """What anchoring the spans of raw data against a text found (nothing is changed in the data)."""

    nodes: list[SpanNode | RefNode]  # every span and reference, in document order
    issues: list[Issue] = field(default_factory=list)  # unlocated, in document order
    resolved: list[tuple[dict[str, object], int, int]] = field(default_factory=list)  # text-only spans found
    unanchored: set[str] = field(default_factory=set)  # formatted paths of the offsets of spans not found
    by_proximity: int = 0  # of the resolved spans, those placed by their item's other spans

    @property
    def refs(self) -> list[RefNode]:
        return [n for n in self.nodes if isinstance(n, RefNode)]


def anchor_spans(model: type[BaseModel], data: object, text: str | None) -> Anchoring:
    """Walk ``data`` as an instance of ``model`` and anchor each of its spans against ``text``.

    Spans that carry offsets are checked (never moved); text-only spans are resolved
    (:mod:`communique.annotate.locate`: whole tokens, ``occurrence``/``prefix``/``suffix``, else the place
    nearest the item's other spans) and listed in :attr:`Anchoring.resolved` with their offsets, for the
    caller to write (into a plain mapping for validation, in front of ``text`` in a round-trip file for
    ``communique anchor``). With no ``text`` (the document is unknown) only the walk is done.
    """
    found = Anchoring(list(walk(model, data)))
    if text is None:
        return found
    placed: dict[JsonPath, Place] = {}  # every span with offsets, given or found: the context of the others
    ambiguous: dict[JsonPath, tuple[dict[str, object], Resolution]] = {}  # the span's mapping, its resolution
    issues: dict[JsonPath, Sequence[Issue]] = {}  # per span, so that they stay in document order
    for node in found.nodes:
        if not isinstance(node, SpanNode) or not isinstance(node.value, dict):
            continue
        if anchored(text, node.value):  # the fast path: offsets given that agree with the text
            placed[node.path] = (node.value["start"], node.value["end"])
            continue
        result = resolve(text, node.value, node.path)
        if result is None:
            continue
        if result.start is not None and result.end is not None:
            placed[node.path] = (result.start, result.end)
        if result.candidates:
            ambiguous[node.path] = (node.value, result)  # its issue waits: the item's other spans may place it
            continue
        issues[node.path] = result.issues
        if result.written:
            continue
        if result.start is not None and result.end is not None:
            found.resolved.append((node.value, result.start, result.end))
        else:
            found.unanchored.update(format_path((*node.path, key)) for key in ("start", "end"))
    near = place_by_proximity({p: r.candidates for p, (_, r) in ambiguous.items()}, placed)
    for path, (span, result) in ambiguous.items():
        if path in near:
            start, end = near[path]
            found.resolved.append((span, start, end))
            found.by_proximity += 1
            by = "the occurrence nearest its item's other spans"
            issues[path] = [unanchored_issue(str(span["text"]), (start, end), path, by=by)]
        else:
            issues[path] = result.issues
            found.unanchored.update(format_path((*path, key)) for key in ("start", "end"))
    found.issues = [i for node in found.nodes if node.path in issues for i in issues[node.path]]
    return found
