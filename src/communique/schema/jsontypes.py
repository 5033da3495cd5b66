"""JSON data whose shape no model gives: input as parsed (before validation), free-form ``meta``, a report or
the JSON envelope of a command. One named type, so that a signature says "JSON" and mypy checks what is done
with it (a value is narrowed with ``isinstance`` before it is indexed).

Its containers are the read-only ``Mapping`` and ``Sequence``, so that data built with precise types (a
``dict[str, int]`` of counts, a ``list`` of span objects) is JSON without a copy; a JSON object being built is
a :data:`JsonObject`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

__all__ = ["JsonObject", "JsonValue", "json_at", "json_object"]

#: any JSON value: what ``json.loads`` returns, or what ``json.dumps`` is given
JsonValue: TypeAlias = "Mapping[str, JsonValue] | Sequence[JsonValue] | str | int | float | bool | None"
#: a JSON object
JsonObject: TypeAlias = "dict[str, JsonValue]"


def json_object(value: JsonValue) -> Mapping[str, JsonValue]:
    """``value``, which must be a JSON object (``TypeError`` otherwise): for reading data whose layout is
    fixed, such as a report communique made."""
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a JSON object, not {type(value).__name__}")
    return value


def json_at(value: JsonValue, *path: str) -> JsonValue:
    """The member at ``path`` of nested JSON objects (``KeyError`` when one is missing, ``TypeError`` when a
    value on the way is not an object)."""
    for key in path:
        value = json_object(value)[key]
    return value
