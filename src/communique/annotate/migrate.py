"""``communique migrate``: rewrite annotation files of an older format (1 or 2.0) in the current format, 2.1.

**2.0 -> 2.1** (exact, nothing guessed): the commitments of the six kinds that do not bind the actor's side
(propose, request, invite, support, praise, predict) move, in order, to a new ``stances`` layer after
``commitments``, their ids ``c<n>`` renamed ``st<n>`` (an id of another form, or one whose new name is taken, is
kept); a YAML comment on each moved item records the move. The remaining commitments get ``condition: null``;
``schema_version`` and ``guidelines_version`` become 2.1. Nothing else changes, and nothing is marked draft.

**1 -> 2.0** (then on to 2.1), mechanical (guidelines 2.0, changelog): ``quotes`` become ``attributions`` whose
source is the quoted official; a commitment's ``actor_id``/``country`` become one actor; the eight v1 kinds map
onto the ten 2.0 kinds; ``quote_id`` becomes ``attribution_id``; a ``sources`` layer is added. Fields format 1
did not have and that a person must decide (a meeting's ``mode``, an attribution's ``speech_act``, a
commitment's ``modality_type``) are filled with a guess, and the item is marked ``review: draft`` with a comment
saying what was guessed, so ``validate`` warns until someone has checked it.

YAML files are rewritten with the round-trip loader (comments, key order and flow style survive), JSON files
as JSON; both atomically, keeping the file's encoding details. A file already in the current format is left
alone, so migrating twice changes nothing. A file that does not match the models of its own format is reported
and left as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError
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
from communique.schema.models import ANNOTATION_LAYERS, PLOVER_KINDS, SCHEMA_VERSION, StanceKind, labels
from communique.schema.v1 import V1AnnotatedDocument
from communique.schema.v20 import V20_VERSION, V20AnnotatedDocument, V20CommitmentKind

__all__ = [
    "KIND_MAP",
    "MOVED_KINDS",
    "MigrateResult",
    "Migrated",
    "migrate_data",
    "migrate_file",
    "migrate_v1_data",
    "migrate_v20_data",
]

#: v1 commitment kind -> 2.0 kind (issue 12).
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
#: 2.0 commitment kinds that are stances in 2.1 (every 2.0 kind that is a 2.1 stance kind)
MOVED_KINDS: tuple[str, ...] = tuple(k for k in labels(V20CommitmentKind) if k in labels(StanceKind))

DRAFT_COMMENT = "guessed by communique migrate: {fields}; check, then remove `review: draft`"
MOVE_COMMENT = "moved from commitments ({old}) by communique migrate 2.1"
_COMMITMENT_ID = re.compile(r"c(\d+)")


@dataclass(frozen=True)
class Migrated:
    """What a migration did to one document."""

    drafts: int  # items marked review: draft (fields format 1 lacked were guessed)
    stances: int  # commitments moved to the stances layer


@dataclass(frozen=True)
class MigrateResult:
    changed: bool  # the file was (or, with write=False, would be) rewritten
    drafts: int  # items marked review: draft
    issues: list[Issue]
    version: str | None = None  # the format the file was in
    stances: int = 0  # commitments moved to the stances layer


def migrate_file(path: Path, *, write: bool = True) -> MigrateResult:
    """Migrate one annotation file to the current format in place (nothing is written unless it is clean)."""
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
    models: dict[str, type[BaseModel]] = {V1_VERSION: V1AnnotatedDocument, V20_VERSION: V20AnnotatedDocument}
    model = models.get(version)
    if model is None:
        found = issue("schema-unknown", f"cannot migrate annotation format {version!r}", path="$.schema_version")
        return MigrateResult(False, 0, [found.located(name, *Locator(text).find(parse_path(found.path)))], version)
    problems = format_problems(data, model)
    if problems:
        locator = Locator(text)
        located = [i.located(name, *locator.find(parse_path(i.path))) for i in problems]
        return MigrateResult(False, 0, located, version)
    done = migrate_data(data)
    if write:
        out = json.dumps(data, ensure_ascii=False, indent=2) + "\n" if is_json else dump_round_trip(data)
        try:
            write_atomic(path, encode_like(out, raw))
        except CommuniqueError as exc:
            return MigrateResult(False, 0, exc.issues, version)
    return MigrateResult(True, done.drafts, [], version, done.stances)


def format_problems(data: Mapping[str, object], model: type[BaseModel]) -> list[Issue]:
    """Structure problems of data against the frozen models of its format (offsets of text-only spans may be
    missing)."""
    try:
        model.model_validate(json.loads(json.dumps(data)))
    except ValidationError as exc:
        return [
            i
            for i in structure_issues(exc, model)
            if not (i.code == "missing-field" and i.path.rsplit(".", 1)[-1] in ("start", "end"))
        ]
    return []


#: a mapping of annotation data being rewritten in place: a plain ``dict``, or a round-trip ``CommentedMap``
_Data = dict[str, object]


def _items(data: _Data, layer: str) -> list[_Data]:
    """The items of a layer (a file checked against the models of its format: a list of mappings, or absent)."""
    found = data.get(layer)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def migrate_data(data: _Data) -> Migrated:
    """Rewrite annotation data of format 1 or 2.0 in place in the current format (2.1)."""
    drafts = migrate_v1_data(data) if schema_version_of(data) == V1_VERSION else 0
    return Migrated(drafts, migrate_v20_data(data))


def migrate_v20_data(data: _Data) -> int:
    """Rewrite 2.0 annotation data in place as format 2.1; return how many commitments moved to ``stances``.

    Exact, so nothing is marked draft: the six non-binding kinds move to ``stances`` (``c<n>`` -> ``st<n>``,
    order kept, a comment records the move), the other commitments get ``condition: null``."""
    round_trip = isinstance(data, CommentedMap)
    version = DoubleQuotedScalarString(SCHEMA_VERSION) if round_trip else SCHEMA_VERSION
    _put(data, "schema_version", version, 0)
    _put(data, "guidelines_version", version, _after(data, "text_sha256"))
    if "commitments" not in data:
        return 0
    commitments = data["commitments"] if isinstance(data["commitments"], list) else []
    taken = {
        item["id"] for layer in ANNOTATION_LAYERS for item in _items(data, layer) if isinstance(item.get("id"), str)
    }
    kept = [c for c in commitments if c.get("kind") not in MOVED_KINDS]
    moved = [c for c in commitments if c.get("kind") in MOVED_KINDS]
    for commitment in kept:
        _put(commitment, "condition", None, _after(commitment, "modality_type"))
    for stance in moved:
        old = stance.get("id")
        number = _COMMITMENT_ID.fullmatch(old) if isinstance(old, str) else None
        new = f"st{number[1]}" if number else old
        if new != old and new not in taken:
            stance["id"] = new
            taken.add(new)
        _note(stance, "id", MOVE_COMMENT.format(old=old))
    if moved:
        del commitments[:]  # the same list object: comments attached to the layer stay where they are
        commitments.extend(kept)
    _put(data, "stances", _seq(round_trip, moved, flow=not moved), _after(data, "commitments"))
    return len(moved)


def _note(item: _Data, key: str, note: str) -> None:
    """Add ``note`` to the end-of-line comment of ``key`` (after the comment already there)."""
    if not isinstance(item, CommentedMap):
        return
    slot = item.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    value = getattr(token, "value", None)
    if token is not None and isinstance(value, str) and value.startswith("#"):
        own, newline, rest = value.partition("\n")
        token.value = f"{own.rstrip()}; {note}{newline}{rest}"
        return
    item.yaml_add_eol_comment(f"# {note}", key)
    if isinstance(value, str) and value.startswith("\n"):  # lines that followed the key: keep them after it
        added = item.ca.items[key][2]
        added.value = added.value.rstrip("\n") + value


def migrate_v1_data(data: _Data) -> int:
    """Rewrite v1 annotation data in place as format 2.0; return how many items were marked draft."""
    round_trip = isinstance(data, CommentedMap)
    _put(data, "schema_version", DoubleQuotedScalarString(V20_VERSION) if round_trip else V20_VERSION, 0)
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
