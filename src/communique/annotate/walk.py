"""Walk raw (not yet validated) annotation data along the Pydantic models.

Validation must report *every* problem, including span and reference problems in a file whose types are
partly wrong, so these checks run on the raw parsed data rather than on a validated model. What counts as
a span or a reference is read from the models (a :class:`~communique.schema.models.SpanModel` subclass, a field
marked with :class:`~communique.schema.models.Ref`), so the walk never drifts from the schema. The reading of the
models is compiled once per model into a plan; the walk itself only follows the plan.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from communique.io.parse import JsonPath
from communique.schema.models import Ref, SpanModel


@dataclass(frozen=True)
class SpanNode:
    path: JsonPath
    value: Any  # the raw mapping (may be malformed)
    model: type[SpanModel]


@dataclass(frozen=True)
class RefNode:
    path: JsonPath
    value: Any
    layer: str


def _strip(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """Remove ``Annotated`` and ``X | None`` wrappers; return the core type and collected metadata."""
    metadata: tuple[Any, ...] = ()
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


# A plan node: ("span", model) | ("ref", layer) | ("model", model) | ("list", plan) | None (nothing inside)
Plan = tuple[str, Any] | None


def _plan(annotation: Any, metadata: tuple[Any, ...] = ()) -> Plan:
    core, extra = _strip(annotation)
    metadata += extra
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


def _follow(plan: Plan, value: Any, path: JsonPath) -> Iterator[SpanNode | RefNode]:
    if value is None or plan is None:
        return
    kind, arg = plan
    if kind == "span":
        yield SpanNode(path, value, arg)
    elif kind == "ref":
        yield RefNode(path, value, arg)
    elif kind == "list":
        if isinstance(value, list):
            for i, element in enumerate(value):
                yield from _follow(arg, element, (*path, i))
    else:
        yield from walk(arg, value, path)


def walk(model: type[BaseModel], data: Any, path: JsonPath = ()) -> Iterator[SpanNode | RefNode]:
    """Yield every span and reference in ``data``, read as an instance of ``model``, in document order."""
    if not isinstance(data, dict):
        return
    for name, plan in _fields(model):
        if name in data:
            yield from _follow(plan, data[name], (*path, name))
