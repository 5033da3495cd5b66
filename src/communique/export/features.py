"""Hugging Face ``datasets`` features derived from the Pydantic models.

Labels (``Literal`` types) become ``ClassLabel`` with the models' label order; lists become ``datasets.List``
(never ``Sequence`` of a dict, which would turn a list of structs into a struct of lists); optional fields
become nullable values. Nothing here lists a label by hand.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Literal, TypeAlias, Union, get_args, get_origin

import datasets
from pydantic import BaseModel

from communique.schema.models import MentionForm, labels

#: a ``datasets`` feature as communique uses them: a label, a value, a list, or a struct of features
Feature: TypeAlias = "datasets.ClassLabel | datasets.Value | datasets.List | dict[str, Feature]"
#: a row of an exported config, as given to ``datasets`` (Arrow-compatible Python values)
Row: TypeAlias = "dict[str, object]"


def feature_for(annotation: object) -> Feature:
    """The ``datasets`` feature for a model field annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return feature_for(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) > 1 and all(isinstance(a, type) and issubclass(a, BaseModel) for a in inner):
            return _merged_struct(inner)
        if len(inner) != 1:
            raise TypeError(f"cannot map union {annotation!r}")
        return feature_for(inner[0])  # nullable: arrow values are nullable
    if origin is Literal:
        return datasets.ClassLabel(names=list(get_args(annotation)))
    if origin is list:
        return datasets.List(feature_for(get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return features_for(annotation)
    if annotation is bool:
        return datasets.Value("bool")
    if annotation is int:
        return datasets.Value("int64")
    if annotation is str:
        return datasets.Value("string")
    raise TypeError(f"no feature for {annotation!r}")


def _merged_struct(members: list[type[BaseModel]]) -> dict[str, Feature]:
    """A union of models (a discriminated union) as one struct with every member's fields (absent ones null);
    labels of the same name (the tag) are merged in member order."""
    merged: dict[str, Feature] = {}
    for member in members:
        for name, feature in features_for(member).items():
            known = merged.get(name)
            if isinstance(known, datasets.ClassLabel) and isinstance(feature, datasets.ClassLabel):
                feature = datasets.ClassLabel(names=[*known.names, *(n for n in feature.names if n not in known.names)])
            merged[name] = feature
    return merged


def features_for(model: type[BaseModel], *, exclude: tuple[str, ...] = ()) -> dict[str, Feature]:
    """A dict of features, one per model field, in field order."""
    return {
        name: feature_for(info.rebuild_annotation()) for name, info in model.model_fields.items() if name not in exclude
    }


def bio_tags() -> list[str]:
    """CoNLL-style IOB2 tags for official mentions, one type per mention form: O, B-NAME, I-NAME, ..."""
    return ["O", *(f"{prefix}-{form.upper()}" for form in labels(MentionForm) for prefix in ("B", "I"))]


def decode_labels(value: object, feature: Feature) -> object:
    """Turn ``ClassLabel`` integers back into label names, recursively (for rebuilding models from rows)."""
    if value is None:
        return None
    if isinstance(feature, datasets.ClassLabel):
        return feature.int2str(value) if isinstance(value, int) else value
    if isinstance(feature, datasets.List) and isinstance(value, Iterable):
        return [decode_labels(v, feature.feature) for v in value]
    if isinstance(feature, dict) and isinstance(value, Mapping):
        return {k: decode_labels(value.get(k), f) for k, f in feature.items()}
    return value


#: what encodes the labels inside one value (a column's, or a struct member's)
Encoder: TypeAlias = Callable[[object], object]


def _label_index(feature: datasets.ClassLabel) -> dict[object, int | None]:
    """Label name -> id; ids and ``None`` map to themselves, so one lookup encodes any value."""
    return {
        None: None,
        **{i: i for i in range(len(feature.names))},
        **{name: i for i, name in enumerate(feature.names)},
    }


def _encoder(feature: Feature) -> Encoder | None:
    """A function turning label names into ``ClassLabel`` ids inside a value of ``feature`` (in place for
    structs, which are freshly built dicts), or ``None`` when the feature holds no label."""
    if isinstance(feature, datasets.ClassLabel):
        return _label_index(feature).__getitem__
    if isinstance(feature, datasets.List):
        if isinstance(feature.feature, datasets.ClassLabel):
            label = _label_index(feature.feature).__getitem__
            return lambda v: list(map(label, v)) if isinstance(v, Iterable) else v
        inner = _encoder(feature.feature)
        return None if inner is None else (lambda v: [inner(x) for x in v] if isinstance(v, Iterable) else v)
    if isinstance(feature, dict):
        parts = [(k, f) for k, f in ((k, _encoder(v)) for k, v in feature.items()) if f is not None]
        if not parts:
            return None

        def encode_struct(v: object) -> object:
            if isinstance(v, dict):
                for key, f in parts:
                    v[key] = f(v.get(key))
            return v

        return encode_struct
    return None


def make_encoder(features: datasets.Features) -> Callable[[Row], Row]:
    """A fast, in-place row encoder: label names to ``ClassLabel`` ids, everything else left as it is.

    ``Features.encode_example`` walks and copies every value in Python; this visits only the paths that
    hold labels, and leaves the rest to Arrow. Rows are freshly built dicts, so they are changed in place.
    """
    encode = _encoder(dict(features))

    def encode_row(row: Row) -> Row:
        if encode is not None:
            encode(row)  # in place
        return row

    return encode_row


def column_encoders(features: datasets.Features) -> list[Encoder | None]:
    """For each column of ``features``, in order, the function that encodes its labels (``None``: no label)."""
    return [_encoder(feature) for feature in features.values()]
