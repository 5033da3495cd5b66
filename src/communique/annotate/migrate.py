"""``communique migrate``: rewrite annotation files of format 1 in format 2.0.

The mapping is mechanical (guidelines 2.0, changelog): ``quotes`` become ``attributions`` whose source is the
quoted official; a commitment's ``actor_id``/``country`` become one actor; the eight v1 kinds map onto the
ten v2 kinds; ``quote_id`` becomes ``attribution_id``; a ``sources`` layer is added. Fields format 1 did not
have and that a person must decide (a meeting's ``mode``, an attribution's ``speech_act``, a commitment's
``modality_type``) are filled with a guess, and the item is marked ``review: draft`` with a comment saying
what was guessed, so ``validate`` warns until someone has checked it.

YAML files are rewritten with the round-trip loader (comments, key order and flow style survive), JSON files
as JSON; both atomically, keeping the file's encoding details. A file already in format 2.0 is left alone, so
migrating twice changes nothing. A v1 file that does not match the v1 models is reported and left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from communique.annotate.checks import structure_issues
from communique.annotate.validate import V1_VERSION, schema_version_of
from communique.io.parse import (
    Locator,
    ParseFailure,
    decode_utf8,
    dump_round_trip,
    load_round_trip,
    parse_json,
    parse_path,
)
from communique.io.read import InputRefused, read_input
from communique.io.write import encode_like, write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import PLOVER_KINDS, SCHEMA_VERSION
from communique.schema.v1 import V1AnnotatedDocument

__all__ = ["KIND_MAP", "MigrateResult", "migrate_data", "migrate_file"]

#: v1 commitment kind -> v2 kind (issue 12).
KIND_MAP: dict[str, str] = {
    "pledge": "promise",
    "offer": "offer",
    "invitation": "invite",
    "proposal": "propose",
    "intention": "intend",
    "expectation": "predict",
    "support": "support",
    "readiness": "offer",
}

DRAFT_COMMENT = "guessed by communique migrate: {fields}; check, then remove `review: draft`"


@dataclass(frozen=True)
class MigrateResult:
    changed: bool  # the file was (or, with write=False, would be) rewritten
    drafts: int  # items marked review: draft
    issues: list[Issue]


def migrate_file(path: Path, *, write: bool = True) -> MigrateResult:
    """Migrate one annotation file to format 2.0 in place (nothing is written unless it is clean)."""
    name = str(path)
    is_json = path.suffix == ".json"
    try:
        raw = read_input(path)
        text = decode_utf8(raw)
        data = parse_json(text) if is_json else load_round_trip(text)
    except InputRefused as refused:
        return MigrateResult(False, 0, [refused.issue])
    except ParseFailure as failure:
        return MigrateResult(False, 0, [failure.issue.located(name, failure.issue.line, failure.issue.column)])
    version = schema_version_of(data)
    if version is None or not isinstance(data, dict):
        return MigrateResult(False, 0, [issue("type-error", "the top level must be a mapping", file=name)])
    if version == SCHEMA_VERSION:
        return MigrateResult(False, 0, [])
    if version != V1_VERSION:
        found = issue("schema-unknown", f"cannot migrate annotation format {version!r}", path="$.schema_version")
        return MigrateResult(False, 0, [found.located(name, *Locator(text).find(parse_path(found.path)))])
    problems = v1_problems(data)
    if problems:
        locator = Locator(text)
        return MigrateResult(False, 0, [i.located(name, *locator.find(parse_path(i.path))) for i in problems])
    drafts = migrate_data(data)
    if write:
        out = json.dumps(data, ensure_ascii=False, indent=2) + "\n" if is_json else dump_round_trip(data)
        try:
            write_atomic(path, encode_like(out, raw))
        except CommuniqueError as exc:
            return MigrateResult(False, 0, exc.issues)
    return MigrateResult(True, drafts, [])


def v1_problems(data: Mapping[str, object]) -> list[Issue]:
    """Structure problems of v1 data against the frozen v1 models (offsets of text-only spans may be missing)."""
    try:
        V1AnnotatedDocument.model_validate(json.loads(json.dumps(data)))
    except ValidationError as exc:
        return [
            i
            for i in structure_issues(exc, V1AnnotatedDocument)
            if not (i.code == "missing-field" and i.path.rsplit(".", 1)[-1] in ("start", "end"))
        ]
    return []


#: a mapping of annotation data being rewritten in place: a plain ``dict``, or a round-trip ``CommentedMap``
_Data = dict[str, object]


def _items(data: _Data, layer: str) -> list[_Data]:
    """The items of a layer (a v1 file checked against the v1 models: a list of mappings, or absent)."""
    found = data.get(layer)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def migrate_data(data: _Data) -> int:
    """Rewrite v1 annotation data in place as format 2.0; return how many items were marked draft."""
    round_trip = isinstance(data, CommentedMap)
    _put(data, "schema_version", DoubleQuotedScalarString(SCHEMA_VERSION) if round_trip else SCHEMA_VERSION, 0)
    officials_at = list(data).index("officials") + 1 if "officials" in data else len(data)
    if "sources" not in data:
        _put(data, "sources", _seq(round_trip), officials_at)
    if "quotes" in data:
        _put(
            data,
            "attributions",
            data.pop("quotes"),
            list(data).index("meetings") + 1 if "meetings" in data else len(data),
        )
    drafts = 0
    for meeting in _items(data, "meetings"):
        _put(meeting, "mode", "unspecified", _after(meeting, "status"))
        drafts += _draft(meeting, ["mode"])
    cited: dict[str, str] = {}  # attribution id -> v2 kind of a commitment citing it
    for commitment in _items(data, "commitments"):
        drafts += _migrate_commitment(commitment, round_trip)
        cites = commitment.get("attribution_id")
        if isinstance(cites, str):
            cited.setdefault(cites, str(commitment["kind"]))
    for attribution in _items(data, "attributions"):
        source = _map(round_trip, {"type": "official", "official_id": attribution["speaker_id"]})
        _replace(attribution, "speaker_id", "source", source)
        attribution_id = attribution.get("id")
        kind = cited.get(attribution_id) if isinstance(attribution_id, str) else None
        act = PLOVER_KINDS[kind].searle[0] if kind in PLOVER_KINDS else "assertive"
        _put(attribution, "speech_act", act, _after(attribution, "kind"))
        drafts += _draft(attribution, ["speech_act"])
    return drafts


def _migrate_commitment(commitment: _Data, round_trip: bool) -> int:
    actor = _map(round_trip, {"official_id": commitment["actor_id"], "country": commitment.get("country")})
    _replace(commitment, "actor_id", "actors", _seq(round_trip, [actor], flow=False))
    commitment.pop("country", None)
    commitment["kind"] = KIND_MAP[str(commitment["kind"])]
    if "quote_id" in commitment:
        _replace(commitment, "quote_id", "attribution_id", commitment["quote_id"])
    if commitment.get("modality") is None:
        return 0
    guess = "epistemic" if commitment["kind"] == "predict" else "deontic"
    _put(commitment, "modality_type", guess, _after(commitment, "modality"))
    return _draft(commitment, ["modality_type"])


def _draft(item: _Data, fields: list[str]) -> int:
    """Mark ``item`` as a draft whose ``fields`` were guessed (a YAML comment says which)."""
    _put(item, "review", "draft", len(item))
    if isinstance(item, CommentedMap):
        slot = item.ca.items.get("review")
        after = getattr(slot[2], "value", "") if slot and len(slot) > 2 else ""  # lines moved by _put
        item.yaml_add_eol_comment(DRAFT_COMMENT.format(fields=", ".join(fields)), "review")
        if after.startswith("\n") and len(after) > 1:
            token = item.ca.items["review"][2]
            token.value = token.value.rstrip("\n") + after
    return 1


def _after(mapping: _Data, key: str) -> int:
    return list(mapping).index(key) + 1 if key in mapping else len(mapping)


def _put(mapping: _Data, key: str, value: object, at: int) -> None:
    """Set ``key`` at position ``at`` (a plain dict is reordered; a round-trip map keeps its comments)."""
    if key in mapping:
        mapping[key] = value
        return
    if isinstance(mapping, CommentedMap):
        last = list(mapping)[-1] if mapping else None
        mapping.insert(at, key, value)
        if last is not None and at >= len(mapping) - 1:
            _move_trailing_lines(mapping, last, key)
        return
    items = list(mapping.items())
    items.insert(at, (key, value))
    mapping.clear()
    mapping.update(items)


def _move_trailing_lines(mapping: CommentedMap, old: str, new: str) -> None:
    """Keep the blank lines and comments that followed the old last key after the map's new last key."""
    slot = mapping.ca.items.get(old)
    token = slot[2] if slot and len(slot) > 2 else None
    value = getattr(token, "value", None)
    if token is None or not isinstance(value, str) or "\n" not in value:
        return
    own, _, rest = value.partition("\n")  # the old key's own end-of-line comment stays with it
    if not rest:
        return
    token.value = own + "\n"
    mapping.yaml_add_eol_comment("# placeholder", new)
    mapping.ca.items[new][2].value = "\n" + rest if not own else rest


def _replace(mapping: _Data, old: str, new: str, value: object) -> None:
    at = list(mapping).index(old)
    mapping.pop(old)
    _put(mapping, new, value, at)


def _map(round_trip: bool, values: _Data) -> _Data:
    if not round_trip:
        return dict(values)
    out = CommentedMap(values)
    out.fa.set_flow_style()
    return out


def _seq(round_trip: bool, items: list[object] | None = None, *, flow: bool = True) -> list[object]:
    if not round_trip:
        return list(items or [])
    out = CommentedSeq(items or [])
    if flow:
        out.fa.set_flow_style()
    return out
