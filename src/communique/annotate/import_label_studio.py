"""``communique import label-studio``: a Label Studio JSON export back into validated annotation YAML.

The vocabulary here is the one ``communique export label-studio`` writes (its labelling configuration is
generated from these names and the models' labels). One task is one corpus document:

* task data: ``text``, ``document_id``, ``text_sha256``, ``guidelines_version``, ``annotators``;
* every span is a region of the ``label`` Labels control on the ``text`` object: ``Mention: <form>``,
  ``Source mention``, ``Attribution cue``/``content``/``source``, ``Meeting evidence``/``location``/``time``,
  ``Commitment evidence``/``content``/``modality``/``time``/``condition``, ``Stance evidence``/``content``/
  ``modality``/``time``;
* every region names the item it belongs to (official, source, attribution, meeting, commitment or stance id) in the
  per-region TextArea ``item``; item-level fields sit on one region of the item: official attributes
  (TextAreas ``name``, ``title``, ``rank``, ``country``, ``organisation``; Choices ``participation``), a
  source's ``country`` (TextArea) and ``source_type`` (Choices), a time's calendar ``value`` (TextArea), the
  countries a commitment's or stance's actors speak for (TextArea ``countries``: ``official_id:CODE`` pairs),
  the labels (Choices ``attribution_kind``, ``speech_act``, ``unresolved``, ``meeting_status``,
  ``meeting_mode``, ``commitment_kind``, ``stance_kind``, ``modality_type``) and ``review`` (Choices: ``draft``);
* references are relations: ``source`` (attribution to a mention of its official or of its source; an
  unresolved source is the ``unresolved`` choice instead), ``addressee`` (attribution to a mention),
  ``visitor``, ``host``, ``participant`` (meeting to a mention, in participant order), ``actor`` (commitment
  or stance to a mention, one per actor), ``attribution`` (commitment or stance to its attribution) and
  ``meeting`` (attribution, commitment or stance to its meeting).

Offsets in Label Studio are JavaScript string offsets (UTF-16 code units); they are converted to code
points. The submitted annotation of a task is used (the most recently updated one when there are several);
with ``predictions=True`` the pre-annotations are read instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communique.annotate.importers import ImportResult, Utf16Offsets, check_span, span_data, validate_rebuilt
from communique.corpus.store import CorpusStore, CorpusText, CorpusUnreadable
from communique.io.parse import JsonPath, Locator, ParseFailure, decode_utf8, parse_json, parse_path
from communique.schema.errors import Issue, issue
from communique.schema.models import (
    ANNOTATION_LAYERS,
    SCHEMA_VERSION,
    AnnotatedDocument,
    AttributionKind,
    CommitmentKind,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    ParticipantRole,
    Participation,
    Review,
    SourceType,
    SpeechAct,
    StanceKind,
    UnresolvedReason,
    labels,
)

#: names of the Text object and the Labels control in the labelling configuration
TEXT, LABEL = "text", "label"

MENTION_LABELS: dict[str, str] = {form: f"Mention: {form}" for form in labels(MentionForm)}
SOURCE_MENTION = "Source mention"
ATTRIBUTION_CUE, ATTRIBUTION_CONTENT, ATTRIBUTION_SOURCE = (
    "Attribution cue",
    "Attribution content",
    "Attribution source",
)
MEETING_EVIDENCE, MEETING_LOCATION, MEETING_TIME = "Meeting evidence", "Meeting location", "Meeting time"
COMMITMENT_EVIDENCE, COMMITMENT_CONTENT = "Commitment evidence", "Commitment content"
COMMITMENT_MODALITY, COMMITMENT_TIME = "Commitment modality", "Commitment time"
COMMITMENT_CONDITION = "Commitment condition"
STANCE_EVIDENCE, STANCE_CONTENT = "Stance evidence", "Stance content"
STANCE_MODALITY, STANCE_TIME = "Stance modality", "Stance time"

#: the annotation layers, in file order
LAYERS = ANNOTATION_LAYERS
#: span label -> (layer, role of the span in the item)
SPAN_LABELS: dict[str, tuple[str, str]] = {
    **{label: ("officials", "mentions") for label in MENTION_LABELS.values()},
    SOURCE_MENTION: ("sources", "mentions"),
    ATTRIBUTION_CUE: ("attributions", "cues"),
    ATTRIBUTION_CONTENT: ("attributions", "contents"),
    ATTRIBUTION_SOURCE: ("attributions", "source_span"),
    MEETING_EVIDENCE: ("meetings", "evidence"),
    MEETING_LOCATION: ("meetings", "location"),
    MEETING_TIME: ("meetings", "time"),
    COMMITMENT_EVIDENCE: ("commitments", "evidence"),
    COMMITMENT_CONTENT: ("commitments", "content"),
    COMMITMENT_MODALITY: ("commitments", "modality"),
    COMMITMENT_TIME: ("commitments", "time"),
    COMMITMENT_CONDITION: ("commitments", "condition"),
    STANCE_EVIDENCE: ("stances", "evidence"),
    STANCE_CONTENT: ("stances", "content"),
    STANCE_MODALITY: ("stances", "modality"),
    STANCE_TIME: ("stances", "time"),
}

#: per-region TextAreas: the item id, official and source attributes, a time's value, actors' countries
ITEM = "item"
COUNTRIES = "countries"
TEXT_FIELDS: tuple[str, ...] = (ITEM, "name", "title", "rank", "country", "organisation", "value", COUNTRIES)
#: the layers each TextArea (other than ``item``) may be given on
TEXT_LAYERS: dict[str, tuple[str, ...]] = {
    "name": ("officials",),
    "title": ("officials",),
    "rank": ("officials",),
    "country": ("officials", "sources"),
    "organisation": ("officials",),
    COUNTRIES: ("commitments", "stances"),
}
ANY_LAYER = "*"
UNRESOLVED = "unresolved"
#: per-region Choices: name -> (layers it belongs to, ``|``-separated; field; allowed values)
CHOICE_FIELDS: dict[str, tuple[str, str, list[str]]] = {
    "participation": ("officials", "participation", labels(Participation)),
    "source_type": ("sources", "type", labels(SourceType)),
    "attribution_kind": ("attributions", "kind", labels(AttributionKind)),
    "speech_act": ("attributions", "speech_act", labels(SpeechAct)),
    UNRESOLVED: ("attributions", UNRESOLVED, labels(UnresolvedReason)),
    "meeting_status": ("meetings", "status", labels(MeetingStatus)),
    "meeting_mode": ("meetings", "mode", labels(MeetingMode)),
    "commitment_kind": ("commitments", "kind", labels(CommitmentKind)),
    "stance_kind": ("stances", "kind", labels(StanceKind)),
    "modality_type": ("commitments|stances", "modality_type", labels(ModalityType)),
    "review": (ANY_LAYER, "review", labels(Review)),
}
PARTICIPANT = "participant"
#: relation label -> (layers of the item it starts from, layers it points into, field it fills)
RELATIONS: dict[str, tuple[str, str, str]] = {
    "source": ("attributions", "officials|sources", "source"),
    "addressee": ("attributions", "officials", "addressee_id"),
    **{role: ("meetings", "officials", role) for role in labels(ParticipantRole)},
    PARTICIPANT: ("meetings", "officials", PARTICIPANT),
    "actor": ("commitments|stances", "officials", "actors"),
    "attribution": ("commitments|stances", "attributions", "attribution_id"),
    "meeting": ("attributions|commitments|stances", "meetings", "meeting_id"),
}
#: item fields that hold one span (the others hold lists)
SINGLE_SPANS = {("meetings", "location"), ("meetings", "time"), ("attributions", "source_span")}
SINGLE_SPANS |= {(lay, f) for lay in ("commitments", "stances") for f in ("evidence", "content", "modality", "time")}
SINGLE_SPANS |= {("commitments", "condition")}
TIME_ROLES = {("meetings", "time"), ("commitments", "time"), ("stances", "time")}


@dataclass
class _Region:
    label: str
    layer: str
    role: str
    span: dict[str, Any]
    path: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, path)


@dataclass
class _Item:
    id: str
    spans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fields: dict[str, tuple[Any, str]] = field(default_factory=dict)  # field -> (value, where it was given)
    participants: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""  # path of the item's first region in the export
    span_paths: dict[str, list[str]] = field(default_factory=dict)  # role -> path of each span's region
    participant_paths: list[str] = field(default_factory=list)  # path of each participant's relation
    actors: list[str] = field(default_factory=list)  # official ids, in relation order
    actor_paths: list[str] = field(default_factory=list)


def read_label_studio(
    path: Path,
    corpus_dir: Path,
    *,
    predictions: bool = False,
    annotators: list[str] | None = None,
    guidelines_version: str | None = None,
) -> ImportResult:
    """Rebuild and validate the annotation documents of a Label Studio JSON export (nothing is written).

    ``annotators`` and ``guidelines_version`` fill in tasks whose data lacks them (tasks pre-annotated from
    an extractor's predictions).
    """
    name = str(path)
    result = ImportResult()
    try:
        text = decode_utf8(path.read_bytes())
        tasks = parse_json(text)
    except OSError as exc:
        result.issues.append(issue("file-not-found", f"cannot read: {exc.strerror or exc}", file=name))
        return result
    except ParseFailure as failure:
        result.issues.append(failure.issue.located(name, failure.issue.line, failure.issue.column))
        return result
    if not isinstance(tasks, list):
        result.issues.append(issue("type-error", "a Label Studio JSON export is a list of tasks", file=name))
        return result
    store = CorpusStore(corpus_dir)
    found: list[Issue] = []
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks):
        defaults = {"annotators": annotators, "guidelines_version": guidelines_version}
        document = _read_task(task, index, store, predictions, defaults, found, name)
        if document is None:
            continue
        if document.document_id in seen:
            found.append(
                issue(
                    "duplicate-document",
                    f"{document.document_id!r} is also the document of task {seen[document.document_id]}",
                    path=f"$[{index}].data.document_id",
                )
            )
            continue
        seen[document.document_id] = index
        result.documents.append(document)
    if found:
        locator = Locator(text)
        result.issues = [i.located(name, *locator.find(parse_path(i.path))) for i in found]
    if not tasks:
        result.issues.append(issue("empty-file", "the export holds no tasks", file=name))
    return result


def _read_task(
    task: Any,
    index: int,
    store: CorpusStore,
    predictions: bool,
    defaults: dict[str, Any],
    issues: list[Issue],
    file: str,
) -> AnnotatedDocument | None:
    where = f"$[{index}]"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        issues.append(issue("type-error", "a task is a mapping with a `data` mapping", path=where))
        return None
    data = task["data"]
    for key in ("document_id", "text"):
        if not isinstance(data.get(key), str):
            issues.append(issue("missing-field", f"task data has no {key!r} string", path=f"{where}.data.{key}"))
            return None
    try:
        corpus = store.text(data["document_id"])
    except CorpusUnreadable as exc:
        issues.append(exc.as_issue())
        return None
    if corpus is None:
        issues.append(
            issue("unknown-document", f"no corpus document {data['document_id']!r}", path=f"{where}.data.document_id")
        )
        return None
    if data["text"] != corpus.text:
        issues.append(
            issue(
                "stale-hash",
                "the task's text differs from the corpus document",
                path=f"{where}.data.text",
                hint="the export was made against another version of the text",
            )
        )
        return None
    key = "predictions" if predictions else "annotations"
    chosen = _choose(task.get(key))
    if chosen is None:
        issues.append(
            issue(
                "task-unannotated",
                f"task {task.get('id', index)} ({data['document_id']}) has no submitted {key[:-1]}; skipped",
                path=f"{where}.{key}",
            )
        )
        return None
    at, annotation = chosen
    results = annotation.get("result")
    result_path = f"{where}.{key}[{at}].result"
    if not isinstance(results, list):
        issues.append(issue("type-error", "an annotation's `result` is a list", path=result_path))
        return None
    before = len(issues)
    layers, sources = _rebuild(results, result_path, corpus, issues)
    if len(issues) > before:
        return None
    rebuilt = {
        "schema_version": SCHEMA_VERSION,
        "document_id": data["document_id"],
        "text_sha256": data.get("text_sha256", corpus.sha256),
        "guidelines_version": data.get("guidelines_version", defaults["guidelines_version"]),
        "annotators": data.get("annotators", defaults["annotators"]),
        **layers,
    }
    found, document = validate_rebuilt(rebuilt, store, sources, file)
    issues.extend(found)
    return document


def _choose(entries: Any) -> tuple[int, dict[str, Any]] | None:
    """The annotation to import: not cancelled, the most recently updated (the last one on a tie)."""
    if not isinstance(entries, list):
        return None
    usable = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict) and not e.get("was_cancelled")]
    if not usable:
        return None
    return max(usable, key=lambda pair: (str(pair[1].get("updated_at") or ""), pair[0]))


def _rebuild(
    results: list[Any], where: str, corpus: CorpusText, issues: list[Issue]
) -> tuple[dict[str, Any], dict[JsonPath, tuple[str, int | None]]]:
    """The annotation data of one annotation's results, and where in the export each part came from."""
    offsets = Utf16Offsets(corpus.text)
    regions: dict[str, _Region] = {}
    extras: list[tuple[int, dict[str, Any]]] = []
    relations: list[tuple[int, dict[str, Any]]] = []
    refused: set[str] = set()  # regions already reported: what hangs on them is not reported again
    for k, r in enumerate(results):
        path = f"{where}[{k}]"
        if not isinstance(r, dict):
            issues.append(issue("type-error", "a result is a mapping", path=path))
            continue
        kind = r.get("type")
        if kind == "relation":
            relations.append((k, r))
        elif kind == "labels":
            region = _region(r, path, offsets, corpus, issues)
            if region is None:
                refused.add(str(r.get("id")))
            else:
                if str(r.get("id")) in regions:
                    issues.append(issue("duplicate-id", f"two regions have the id {r.get('id')!r}", path=f"{path}.id"))
                regions[str(r.get("id"))] = region
        elif kind in ("textarea", "choices"):
            extras.append((k, r))
        else:
            issues.append(issue("unknown-label", f"result type {kind!r} is not part of the configuration", path=path))
    for k, r in extras:
        if str(r.get("id")) in refused:
            continue
        _attach(r, f"{where}[{k}]", regions, issues)

    items: dict[str, dict[str, _Item]] = {layer: {} for layer in LAYERS}
    owner: dict[str, tuple[str, str]] = {}  # region id -> (layer, item id)
    for rid, region in regions.items():
        item_id = region.fields.get(ITEM)
        if item_id is None:
            issues.append(issue("missing-field", f"region {rid!r} does not name its item", path=region.path))
            continue
        item = items[region.layer].setdefault(item_id[0], _Item(item_id[0]))
        owner[rid] = (region.layer, item.id)
        span = region.span
        if (region.layer, region.role) in TIME_ROLES and "value" in region.fields:
            span = {**span, "value": region.fields["value"][0]}
        if region.layer == "officials":
            span = {**span, "form": next(f for f, lab in MENTION_LABELS.items() if lab == region.label)}
        item.spans.setdefault(region.role, []).append(span)
        item.span_paths.setdefault(region.role, []).append(region.path)
        item.source = item.source or region.path
        for name, (value, path) in region.fields.items():
            if name in CHOICE_FIELDS:
                layer, fld, _ = CHOICE_FIELDS[name]
                if region.layer not in layer.split("|") and layer != ANY_LAYER:
                    issues.append(
                        issue("unknown-label", f"{name} belongs to {layer}, not to a {region.label}", path=path)
                    )
                else:
                    _set(item, fld, value, path, issues)
            elif name == "value" and (region.layer, region.role) not in TIME_ROLES:
                issues.append(
                    issue("invalid-value", f"value is a time's calendar date, not a {region.label}'s", path=path)
                )
            elif name in TEXT_LAYERS and region.layer not in TEXT_LAYERS[name]:
                issues.append(issue("unknown-label", f"{name} is not a field of a {region.label}", path=path))
            elif name not in (ITEM, "value"):
                _set(item, name, value, path, issues)
    for k, r in relations:
        if refused & {str(r.get("from_id")), str(r.get("to_id"))}:
            continue
        _relate(r, f"{where}[{k}]", owner, items, issues)
    sources: dict[JsonPath, tuple[str, int | None]] = {(): (where, None)}
    data = {
        layer: [_build(layer, n, item, issues, sources) for n, item in enumerate(group.values())]
        for layer, group in items.items()
    }
    return data, sources


def _region(
    r: dict[str, Any], path: str, offsets: Utf16Offsets, corpus: CorpusText, issues: list[Issue]
) -> _Region | None:
    value = r.get("value")
    if r.get("from_name") != LABEL or r.get("to_name") != TEXT or not isinstance(value, dict):
        issues.append(issue("unknown-label", "a labels result must come from `label` on `text`", path=path))
        return None
    names = value.get("labels")
    if not isinstance(names, list) or len(names) != 1 or not isinstance(names[0], str) or names[0] not in SPAN_LABELS:
        issues.append(
            issue(
                "unknown-label",
                f"region labels {names!r}: each region has exactly one of {', '.join(SPAN_LABELS)}",
                path=f"{path}.value.labels",
            )
        )
        return None
    start, end = value.get("start"), value.get("end")
    if isinstance(start, int) and isinstance(end, int):
        start, end = offsets.to_code_points(start), offsets.to_code_points(end)
    problem = check_span(corpus, start, end, value.get("text"), f"{path}.value.text")
    if problem is not None:
        issues.append(problem)
        return None
    layer, role = SPAN_LABELS[names[0]]
    assert isinstance(start, int) and isinstance(end, int)
    return _Region(names[0], layer, role, span_data(start, end, value["text"]), path)


def _attach(r: dict[str, Any], path: str, regions: dict[str, _Region], issues: list[Issue]) -> None:
    name, value = r.get("from_name"), r.get("value")
    region = regions.get(str(r.get("id")))
    if region is None:
        issues.append(issue("dangling-reference", f"{name} is given for no region ({r.get('id')!r})", path=path))
        return
    key = "text" if r.get("type") == "textarea" else "choices"
    allowed = TEXT_FIELDS if key == "text" else tuple(CHOICE_FIELDS)
    if name not in allowed:
        issues.append(issue("unknown-label", f"{r.get('type')} {name!r} is not part of the configuration", path=path))
        return
    given = value.get(key) if isinstance(value, dict) else None
    if not isinstance(given, list) or len(given) != 1 or not isinstance(given[0], str):
        issues.append(issue("type-error", f"{name} needs exactly one value", path=f"{path}.value.{key}"))
        return
    if key == "choices" and given[0] not in CHOICE_FIELDS[str(name)][2]:
        allowed_values = ", ".join(CHOICE_FIELDS[str(name)][2])
        issues.append(
            issue("unknown-label", f"{name} {given[0]!r} is not one of {allowed_values}", path=f"{path}.value.{key}")
        )
        return
    if name in region.fields and region.fields[str(name)][0] != given[0]:
        issues.append(issue("conflicting-values", f"{name} is given twice for one region", path=path))
        return
    region.fields[str(name)] = (given[0], f"{path}.value.{key}")


def _set(item: _Item, name: str, value: Any, path: str, issues: list[Issue]) -> None:
    if name in item.fields and item.fields[name][0] != value:
        issues.append(
            issue(
                "conflicting-values",
                f"{item.id}: {name} is {value!r} here but {item.fields[name][0]!r} elsewhere",
                path=path,
            )
        )
    item.fields.setdefault(name, (value, path))


def _relate(
    r: dict[str, Any],
    path: str,
    owner: dict[str, tuple[str, str]],
    items: dict[str, dict[str, _Item]],
    issues: list[Issue],
) -> None:
    names = r.get("labels")
    if not isinstance(names, list) or len(names) != 1 or not isinstance(names[0], str) or names[0] not in RELATIONS:
        issues.append(
            issue(
                "unknown-label",
                f"relation labels {names!r}: each relation has exactly one of {', '.join(RELATIONS)}",
                path=f"{path}.labels",
            )
        )
        return
    label = names[0]
    sources, target_layer, fld = RELATIONS[label]
    ends = [owner.get(str(r.get("from_id"))), owner.get(str(r.get("to_id")))]
    if None in ends:
        issues.append(issue("dangling-reference", f"the {label} relation joins an unknown region", path=path))
        return
    # the direction an annotator drew it in does not matter: the layers say which end is which
    for a, b in (ends, ends[::-1]):
        assert a is not None and b is not None
        if a[0] in sources.split("|") and b[0] in target_layer.split("|"):
            item = items[a[0]][a[1]]
            if fld in labels(ParticipantRole) or fld == PARTICIPANT:
                item.participants.append({"official_id": b[1], "role": None if fld == PARTICIPANT else fld})
                item.participant_paths.append(path)
            elif fld == "actors":
                item.actors.append(b[1])
                item.actor_paths.append(path)
            elif fld == "source":
                kind = "official" if b[0] == "officials" else "source"
                _set(item, "source", {"type": kind, f"{kind}_id": b[1]}, path, issues)
            else:
                _set(item, fld, b[1], path, issues)
            return
    issues.append(
        issue(
            "invalid-value",
            f"a {label} relation joins a {sources.replace('|', ' or ')} item and one of "
            f"{target_layer.replace('|', ' or ')}",
            path=path,
        )
    )


def _build(
    layer: str, index: int, item: _Item, issues: list[Issue], sources: dict[JsonPath, tuple[str, int | None]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id}
    sources[layer, index] = (item.source, None)
    for name, (value, path) in item.fields.items():
        out[name] = value
        sources[layer, index, name] = (path, None)
    for role, spans in item.spans.items():
        paths = item.span_paths[role]
        if (layer, role) in SINGLE_SPANS:
            if len(spans) > 1:
                issues.append(
                    issue("conflicting-values", f"{item.id}: {len(spans)} {role} spans, one allowed", path=paths[1])
                )
            out[role] = spans[0]
            sources[layer, index, role] = (paths[0], None)
        else:
            out[role] = spans
            sources.update(((layer, index, role, j), (path, None)) for j, path in enumerate(paths))
    sources.update(((layer, index, "participants", j), (path, None)) for j, path in enumerate(item.participant_paths))
    review = ("review",)
    if layer == "officials":
        for name in ("name", "title", "rank", "country", "organisation"):
            out.setdefault(name, None)
        order = ("id", "name", "title", "rank", "country", "organisation", "participation", "mentions", *review)
        return _ordered(out, order)
    if layer == "sources":
        out.setdefault("country", None)
        return _ordered(out, ("id", "type", "country", "mentions", *review))
    if layer == "meetings":
        out["participants"] = item.participants
        out.setdefault("location", None)
        out.setdefault("time", None)
        return _ordered(out, ("id", "participants", "location", "time", "evidence", "status", "mode", *review))
    if layer == "attributions":
        out.setdefault("cues", [])
        reason = out.pop(UNRESOLVED, None)
        if reason is not None:
            if "source" in out:
                issues.append(
                    issue(
                        "conflicting-values",
                        f"{item.id}: a source relation and an unresolved reason",
                        path=item.fields[UNRESOLVED][1],
                    )
                )
            out["source"] = {"type": "unresolved", "reason": reason}
            sources[layer, index, "source"] = (item.fields[UNRESOLVED][1], None)
        out.setdefault("source_span", None)
        order = ("id", "source", "source_span", "cues", "contents", "kind", "speech_act", "addressee_id", "meeting_id")
        return _ordered(out, (*order, *review))
    # commitments and stances: actors from the actor relations, their countries from the `countries` TextArea
    countries: dict[str, str | None] = {}
    given = out.pop(COUNTRIES, None)
    if given is not None:
        for pair in str(given).replace(",", " ").split():
            official, _, code = pair.partition(":")
            countries[official] = code or None
        unknown = set(countries) - set(item.actors)
        if unknown:
            issues.append(
                issue(
                    "invalid-value",
                    f"{item.id}: countries given for {', '.join(sorted(unknown))}, which are not its actors",
                    path=item.fields[COUNTRIES][1],
                )
            )
    out["actors"] = [{"official_id": o, "country": countries.get(o)} for o in item.actors]
    sources.update(((layer, index, "actors", j), (path, None)) for j, path in enumerate(item.actor_paths))
    order = ("id", "actors", "kind", "content", "evidence", "time", "modality", "modality_type", "condition")
    return _ordered(out, (*order, "attribution_id", "meeting_id", *review))


def _ordered(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    return {**{k: data[k] for k in order if k in data}, **{k: v for k, v in data.items() if k not in order}}
