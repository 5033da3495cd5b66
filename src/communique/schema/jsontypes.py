"""JSON data whose shape no model gives: input as parsed (before validation), free-form ``meta``, the JSON
envelope of a command. One named type, so that a signature says "JSON" and mypy checks what is done with it
(a value must be narrowed with ``isinstance`` before it is indexed)."""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JsonObject", "JsonValue"]

#: any JSON value: what ``json.loads`` returns
JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
#: a JSON object
JsonObject: TypeAlias = "dict[str, JsonValue]"
