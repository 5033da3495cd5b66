"""Walk raw (not yet validated) annotation data along the Pydantic models.

Validation must report *every* problem, including span and reference problems in a file whose types are
partly wrong, so these checks run on the raw parsed data rather than on a validated model. What counts as
a span or a reference is read from the models (a :class:`~communique.models.Span` subclass, a field
marked with :class:`~communique.models.Ref`), so the walk never drifts from the schema.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from .models import Ref, Span
from .yamlio import JsonPath


@dataclass(frozen=True)
class SpanNode:
    path: JsonPath
    value: Any  # the raw mapping (may be malformed)
    model: type[Span]


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


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, Any, tuple[Any, ...]], ...]:
    out = []
    for name, info in model.model_fields.items():
        core, metadata = _strip(info.annotation)
        out.append((name, core, tuple(info.metadata) + metadata))
    return tuple(out)


def _visit(annotation: Any, metadata: tuple[Any, ...], value: Any, path: JsonPath) -> Iterator[SpanNode | RefNode]:
    core, extra = _strip(annotation)
    metadata = metadata + extra
    if value is None:
        return
    if get_origin(core) is list:
        if isinstance(value, list):
            (item,) = get_args(core)
            for i, element in enumerate(value):
                yield from _visit(item, (), element, (*path, i))
        return
    if isinstance(core, type) and issubclass(core, BaseModel):
        if issubclass(core, Span):
            yield SpanNode(path, value, core)
        else:
            yield from walk(core, value, path)
        return
    for marker in metadata:
        if isinstance(marker, Ref):
            yield RefNode(path, value, marker.layer)


def walk(model: type[BaseModel], data: Any, path: JsonPath = ()) -> Iterator[SpanNode | RefNode]:
    """Yield every span and reference in ``data``, read as an instance of ``model``, in document order."""
    if not isinstance(data, dict):
        return
    for name, annotation, metadata in _fields(model):
        if name in data:
            yield from _visit(annotation, metadata, data[name], (*path, name))
