"""An LLM extractor: any OpenAI-compatible chat-completions server (vLLM, llama.cpp, Ollama, a hosted API).

Each document is sent by parts (whole sections, up to ``max_chars`` characters each), with the prediction
JSON Schema (``schema/prediction.schema.json``) as the structured-output format. The answers are merged
into one prediction line per document:

* spans come back as text; each is placed inside the part it was found in (so that a ``said`` in section 3
  does not land in section 1) and written with its offsets; text not found in the part stays text-only
  and the bench reports it;
* officials of different parts whose names nest (*Bagheri*, *Mohammad Bagheri*) become one official;
  ids of items are prefixed with their part.

Answers are cached on disk by model, prompt (every message but the text) and the part's text sha256, so a
rerun sends nothing; each entry holds its key material and a digest of its answer and is verified on read
(:mod:`communique.extract.llm_cache`). Only answers that were used are cached, so a bad answer is asked
again next time.

Every request has a wall-clock deadline (retries included) and an answer-size cap, and its response is
parsed here, strictly and bounded (:mod:`communique.extract.llm_client`). A response that is not a chat
completion, an answer that is not JSON or not valid against the schema, a request that fails or runs out of
time: each is a warning located at the document (and the JSON path), and that document predicts nothing:
it is never a crash, and it is never dropped silently. Token usage is recorded in each line's ``meta.llm``.

``openai`` is imported only in these modules (``pip install 'communique[llm]'``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from communique.annotate.names import name_words
from communique.extract.llm_cache import CacheKey, read_entry, write_entry
from communique.extract.llm_client import HEADERS, Limits, exchange, http_client
from communique.io.parse import ParseFailure, parse_json
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonObject, JsonValue
from communique.schema.models import CommitmentKind, CorpusDocument, StanceKind, labels
from communique.schema.predictions import PredictedDocument, PredictedOfficial, PredictedSpan

__all__ = [
    "EXAMPLES",
    "INSTRUCTIONS",
    "LLMSettings",
    "base_url_problem",
    "extract_llm",
    "parts_of",
    "prediction_schema",
    "usage_summary",
]

METHOD = "communique llm"

INSTRUCTIONS = """You annotate news text about officials for the communique benchmark (guidelines 2.1).
Return one JSON object that follows the given JSON Schema, for the text in the user's message:
- officials: every official (a person serving a state or an organisation) with name, title, rank, country
  (ISO 3166-1 alpha-3) and every mention (names, titles such as "the defence minister" or "his counterpart",
  pronouns) as {{"text": ...}} copied exactly from the text, with "form": name, nominal or pronoun;
- sources: bodies, statements, documents, groups and other non-official people that statements are
  attributed to ("the ministry", "a joint statement"), with "type" (institution, statement, document, group,
  other) and their mentions;
- meetings: meetings between officials, with participants by "official_id" (and "role": visitor or host when
  the text says who hosted), evidence spans, "status" (stated or implied) and "mode" (in_person, telephone,
  video, or unspecified when the text does not say);
- attributions: what is reported as said, direct (in quotation marks), indirect ("said that ...") or mixed,
  with contents, cues (the reporting verbs) and the source: an official by "speaker_id", a source by
  "source_id", or "source_unresolved" (no-antecedent, ambiguous, unnamed); and "speech_act": assertive
  (states), directive (urges, asks, invites), commissive (pledges, offers), expressive (thanks, praises),
  declarative;
- commitments: acts that bind the actor's side to a future action or state, with "actors" (each by
  "official_id", with the "country" spoken for), the "kind" ({commitment_kinds}), the evidence clause, the
  content, the modality ("will", "ready to") with "modality_type" (deontic or epistemic), the "condition"
  clause it depends on ("if ...", "provided that ...") when one is stated, and the "attribution_id" of the
  attribution that contains it;
- stances: positions an official takes that do not bind the actor's side, with the same fields as
  commitments (no condition) and the "kind" ({stance_kinds}); an invitation is a stance (invite).
Copy every span's "text" exactly as it is written, character for character; give no offsets.
When the same words occur more than once, add a few words of "prefix" or "suffix".
Use "document_id" as given. Answer with the JSON object only.""".format(
    commitment_kinds=", ".join(labels(CommitmentKind)), stance_kinds=", ".join(labels(StanceKind))
)

#: worked examples for ``--few-shot N`` (text, answer); short texts written for the purpose
EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    (
        "Foreign Minister Ana Silva met her Chilean counterpart in Lima on Tuesday. "
        "“We will open a new consulate,” Silva said.",
        {
            "officials": [
                {
                    "id": "silva",
                    "name": "Ana Silva",
                    "title": "Foreign Minister",
                    "mentions": [
                        {"text": "Foreign Minister Ana Silva", "form": "name"},
                        {"text": "her", "form": "pronoun"},
                        {"text": "Silva", "form": "name"},
                    ],
                },
                {"id": "chile-fm", "country": "CHL", "mentions": [{"text": "Chilean counterpart", "form": "nominal"}]},
            ],
            "meetings": [
                {
                    "id": "m1",
                    "participants": [{"official_id": "silva"}, {"official_id": "chile-fm"}],
                    "evidence": [{"text": "met her Chilean counterpart"}],
                    "location": {"text": "Lima"},
                    "time": {"text": "Tuesday", "value": None},
                    "status": "stated",
                    "mode": "in_person",
                }
            ],
            "attributions": [
                {
                    "id": "a1",
                    "speaker_id": "silva",
                    "cues": [{"text": "said"}],
                    "contents": [{"text": "We will open a new consulate,"}],
                    "kind": "direct",
                    "speech_act": "commissive",
                }
            ],
            "commitments": [
                {
                    "actors": [{"official_id": "silva"}],
                    "kind": "intend",
                    "evidence": {"text": "We will open a new consulate"},
                    "content": {"text": "open a new consulate"},
                    "modality": {"text": "will"},
                    "modality_type": "deontic",
                    "attribution_id": "a1",
                }
            ],
        },
    ),
    (
        "General Omar Haddad said by telephone that his army was ready to train Jordanian officers. "
        "He praised the Jordanian army. The ministry welcomed the offer.",
        {
            "officials": [
                {
                    "id": "haddad",
                    "name": "Omar Haddad",
                    "rank": "General",
                    "mentions": [
                        {"text": "General Omar Haddad", "form": "name"},
                        {"text": "his", "form": "pronoun"},
                        {"text": "He", "form": "pronoun"},
                    ],
                }
            ],
            "sources": [{"id": "ministry", "type": "institution", "mentions": [{"text": "The ministry"}]}],
            "attributions": [
                {
                    "id": "a1",
                    "speaker_id": "haddad",
                    "cues": [{"text": "said"}],
                    "contents": [{"text": "his army was ready to train Jordanian officers"}],
                    "kind": "indirect",
                    "speech_act": "commissive",
                },
                {
                    "id": "a2",
                    "speaker_id": "haddad",
                    "cues": [{"text": "praised"}],
                    "contents": [{"text": "the Jordanian army"}],
                    "kind": "indirect",
                    "speech_act": "expressive",
                },
                {
                    "id": "a3",
                    "source_id": "ministry",
                    "cues": [{"text": "welcomed"}],
                    "contents": [{"text": "the offer"}],
                    "kind": "indirect",
                    "speech_act": "expressive",
                },
            ],
            "commitments": [
                {
                    "actors": [{"official_id": "haddad"}],
                    "kind": "offer",
                    "evidence": {"text": "his army was ready to train Jordanian officers"},
                    "content": {"text": "train Jordanian officers"},
                    "modality": {"text": "ready to"},
                    "modality_type": "deontic",
                    "attribution_id": "a1",
                }
            ],
            "stances": [
                {
                    "actors": [{"official_id": "haddad"}],
                    "kind": "praise",
                    "evidence": {"text": "praised the Jordanian army"},
                    "content": {"text": "the Jordanian army"},
                    "attribution_id": "a2",
                }
            ],
        },
    ),
]

#: fields naming an official; they sit on an item, a meeting's participant or a commitment's or stance's actor
_REF_FIELDS = ("speaker_id", "addressee_id", "official_id")
#: fields naming an item of another layer -> that layer
_ITEM_REFS = {"meeting_id": "meetings", "attribution_id": "attributions", "source_id": "sources"}
LAYERS = ("sources", "meetings", "attributions", "commitments", "stances")


@dataclass
class LLMSettings:
    """How to reach the server and what to ask it."""

    base_url: str
    model: str
    api_key_env: str | None = "OPENAI_API_KEY"
    instructions: str = INSTRUCTIONS
    few_shot: int = 0
    concurrency: int = 4
    cache: Path | None = None
    timeout: float = 300.0  # wall-clock seconds for one part's request, retries and their waits included
    max_answer_bytes: int = 4 * 2**20  # a longer response is refused, having read no more than this
    max_retries: int = 4
    max_chars: int = 12000
    temperature: float = 0.0


@dataclass
class _Part:
    doc: CorpusDocument
    index: int
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]


#: deepest nesting of an answer (the schema needs 5 levels; ``meta`` is free-form)
MAX_DEPTH = 64


@dataclass
class _Answer:
    data: JsonObject | None  # the answer as given (with our document_id): what the cache keeps
    prediction: PredictedDocument | None = None  # the answer as a model, once it proved valid
    usage: dict[str, int] = field(default_factory=dict)
    cached: bool = False
    problem: Issue | None = None
    cache_path: Path | None = None  # where to keep it once the whole document's answers proved usable
    cache_key: CacheKey | None = None
    notes: list[Issue] = field(default_factory=list)  # warnings that do not sink the answer (the cache's)


def prediction_schema() -> JsonObject:
    """``schema/prediction.schema.json``, as generated from the models."""
    from communique.schema.generate import render_schemas

    schema: JsonObject = json.loads(render_schemas()["prediction.schema.json"])
    return schema


def parts_of(doc: CorpusDocument, max_chars: int) -> list[tuple[int, int]]:
    """The document cut into parts of whole sections (whole paragraphs for an overlong section), each at
    most ``max_chars`` characters unless one paragraph alone is longer."""
    if len(doc.text) <= max_chars:
        return [(0, len(doc.text))]
    units: list[tuple[int, int]] = []
    for section in doc.sections or []:
        if section.span.end - section.span.start <= max_chars:
            units.append((section.span.start, section.span.end))
        else:
            units += [(doc.paragraphs[i].start, doc.paragraphs[i].end) for i in section.paragraphs]
    if not units:
        units = [(p.start, p.end) for p in doc.paragraphs] or [(0, len(doc.text))]
    parts: list[tuple[int, int]] = []
    for start, end in units:
        if parts and end - parts[-1][0] <= max_chars:
            parts[-1] = (parts[-1][0], end)
        else:
            parts.append((start, end))
    return parts


def _messages(settings: LLMSettings, document_id: str, text: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": settings.instructions}]
    for example_text, answer in EXAMPLES[: settings.few_shot]:
        messages.append({"role": "user", "content": _user(f"example-{len(messages)}", example_text)})
        messages.append(
            {"role": "assistant", "content": json.dumps({"document_id": f"example-{len(messages) - 1}", **answer})}
        )
    messages.append({"role": "user", "content": _user(document_id, text)})
    return messages


def _user(document_id: str, text: str) -> str:
    return f"document_id: {document_id}\n\nText:\n{text}"


def _cache_key(settings: LLMSettings, messages: list[dict[str, str]], text: str) -> tuple[str, CacheKey]:
    """The cache file's name (as before entries held their key) and the key material stored in it."""
    prompt = json.dumps(messages[:-1], sort_keys=True) + messages[-1]["content"].replace(text, "")
    text_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    material = "\n".join((settings.model, prompt, text_sha256))
    key = CacheKey(
        model=settings.model,
        prompt_sha256=hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
        text_sha256=text_sha256,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest(), key


def _too_deep(value: JsonValue, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def base_url_problem(url: str) -> Issue | None:
    """Why ``url`` cannot be a server's base URL (an http or https URL with a host and a valid port), if so."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        return issue("invalid-value", f"--base-url {url!r} is not a URL ({exc})")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return issue("invalid-value", f"--base-url {url!r} is not an http or https URL with a host")
    return None


class _Client:
    """One ``openai`` client shared by the worker threads (it is thread-safe)."""

    def __init__(self, settings: LLMSettings):
        problem = base_url_problem(settings.base_url)
        if problem is not None:
            raise CommuniqueError([problem])
        try:
            import openai
        except ImportError:
            raise CommuniqueError(
                [
                    issue(
                        "missing-library",
                        "the llm method needs the 'openai' package",
                        hint="pip install 'communique[llm]'",
                    )
                ]
            ) from None
        self.settings = settings
        key = os.environ.get(settings.api_key_env, "") if settings.api_key_env else ""
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=key or "not-needed",  # local servers take any key
            timeout=settings.timeout,
            max_retries=0,  # ours, within the deadline (llm_client)
            default_headers=HEADERS,
            http_client=http_client(),
        )
        self.limits = Limits(settings.timeout, settings.max_answer_bytes, settings.max_retries)
        self.schema = prediction_schema()

    def close(self) -> None:
        self.client.close()

    def ask(self, part: _Part) -> _Answer:
        settings = self.settings
        messages = _messages(settings, part.doc.id, part.text)
        name, key = _cache_key(settings, messages, part.text)
        where = f"{part.doc.id} (part {part.index + 1}, characters {part.start}-{part.end})"
        notes: list[Issue] = []
        cached = settings.cache / f"{name}.json" if settings.cache else None
        if cached is not None:
            stored, problem = read_entry(cached, key, settings.max_answer_bytes)
            if stored is not None:
                checked = self._check_data(stored, part, f"{where}, from the cache")
                if isinstance(checked, PredictedDocument):
                    return _Answer(stored, checked, cached=True, cache_path=cached)
                problem = issue(
                    "llm-cache-invalid",
                    f"cache entry holds an answer that is no longer valid ({checked.message}); the request is "
                    "sent again",
                    file=str(cached),
                    path=f"$.data{checked.path.removeprefix('$')}",
                )
            if problem is not None:
                notes.append(problem)
        request = {
            "model": settings.model,
            "messages": messages,
            "temperature": settings.temperature,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "communique_prediction", "schema": self.schema, "strict": False},
            },
        }
        reply = exchange(self.client, request, self.limits, where=where, file=part.doc.id)
        if reply.problem is not None or reply.content is None:
            return _Answer(None, problem=reply.problem, notes=notes)
        data, prediction, problem = self._check(reply.content, part, where)
        return _Answer(data, prediction, reply.usage, problem=problem, cache_path=cached, cache_key=key, notes=notes)

    def _check(
        self, content: str, part: _Part, where: str
    ) -> tuple[JsonObject | None, PredictedDocument | None, Issue | None]:
        """The answer ``content`` parsed (strictly and bounded) and checked against the prediction schema: the
        answer as given (for the cache) and as a model, or the problem."""
        try:
            data = parse_json(content)
        except ParseFailure as failure:
            found = failure.issue
            return (
                None,
                None,
                issue(
                    "llm-invalid-json",
                    f"{where}: the answer is not JSON ({found.message} at line {found.line}, column {found.column} "
                    "of the answer)",
                    file=part.doc.id,
                ),
            )
        if isinstance(data, dict):
            data = {**data, "document_id": part.doc.id}  # the id is ours, not the model's to get wrong
        checked = self._check_data(data, part, where)
        if isinstance(checked, Issue):
            return None, None, checked
        assert isinstance(data, dict)  # the schema asks for an object
        return data, checked, None

    def _check_data(self, data: JsonValue, part: _Part, where: str) -> PredictedDocument | Issue:
        """An answer as a model, when it is valid against the prediction schema; else its first problem."""
        import jsonschema  # type: ignore[import-untyped]

        if _too_deep(data, MAX_DEPTH):
            return issue(
                "llm-invalid-answer",
                f"{where}: the answer nests lists and objects more than {MAX_DEPTH} levels deep",
                file=part.doc.id,
            )
        errors = sorted(jsonschema.Draft202012Validator(self.schema).iter_errors(data), key=lambda e: e.json_path)
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return issue(
                "llm-invalid-answer",
                f"{where}: {_shorten(first.message)}{more}",
                file=part.doc.id,
                path=first.json_path,
            )
        try:  # the schema is generated from the model, so this holds; the model is what the bench reads
            return PredictedDocument.model_validate(data)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
            return issue("llm-invalid-answer", f"{where}: {error['msg']}", file=part.doc.id, path=path)


def _shorten(message: str, limit: int = 300) -> str:
    """A message of jsonschema's (which quotes the offending value whole) cut to ``limit`` characters."""
    return message if len(message) <= limit else message[:limit] + "..."


# -- merging the parts

_Model = TypeVar("_Model", bound=BaseModel)
_Span = TypeVar("_Span", bound=PredictedSpan)


def _placed(span: _Span, part: _Part) -> _Span:
    """``span`` with offsets when its text is found in its part: by occurrence, prefix or suffix, or as the only
    one (and the hints dropped, as they have served). A model's own offsets are not trusted: it counts tokens,
    not code points."""
    given = span.model_dump(exclude_unset=True, exclude={"start", "end"})
    text = span.text.strip()
    if text:
        body = part.text
        found = [m.start() for m in re.finditer(re.escape(text), body)]
        if span.prefix:
            found = [f for f in found if body[:f].endswith(span.prefix)] or found
        if span.suffix:
            found = [f for f in found if body[f + len(text) :].startswith(span.suffix)] or found
        if span.occurrence is not None and 1 <= span.occurrence <= len(found):
            found = [found[span.occurrence - 1]]
        if len(found) == 1:
            start = part.start + found[0]
            given = {k: v for k, v in given.items() if k not in ("occurrence", "prefix", "suffix")}
            given.update(start=start, end=start + len(text), text=text)
    return type(span).model_validate(given)


def _place_all(item: _Model, part: _Part) -> _Model:
    """``item`` with every span in it placed in ``part`` (:func:`_placed`); ``meta`` is left as it is."""
    update = {name: _place_value(getattr(item, name), part) for name in item.model_fields_set}
    return item.model_copy(update=update)


def _place_value(value: object, part: _Part) -> object:
    if isinstance(value, PredictedSpan):
        return _placed(value, part)
    if isinstance(value, BaseModel):
        return _place_all(value, part)
    if isinstance(value, list):
        return [_place_value(v, part) for v in value]
    return value


def _renamed(item: _Model, prefix: str, renamed: dict[str, str]) -> _Model:
    """``item`` of one part with its id and its references to items of its part prefixed with the part, and its
    references to officials renamed (an official joined with one of an earlier part has that one's id)."""
    update: dict[str, object] = {}
    for name in item.model_fields_set:
        value = getattr(item, name)
        if isinstance(value, str) and value and (name == "id" or name in _ITEM_REFS):
            update[name] = prefix + value
        elif isinstance(value, str) and value and name in _REF_FIELDS:
            update[name] = renamed.get(value, prefix + value)
        elif name in ("participants", "actors"):
            update[name] = [_renamed(who, prefix, renamed) for who in value]
    return item.model_copy(update=update)


def _merge(doc: CorpusDocument, answers: Sequence[tuple[_Part, PredictedDocument]]) -> PredictedDocument:
    officials: list[PredictedOfficial] = []
    layers: dict[str, list[BaseModel]] = {name: [] for name in LAYERS}
    for part, answer in answers:
        data = _place_all(answer, part)
        prefix = f"p{part.index + 1}-"
        renamed: dict[str, str] = {}
        for official in data.officials:
            old = official.id
            words = name_words(official.name or "")
            at = next(
                (
                    i
                    for i, o in enumerate(officials)
                    if words and (w := name_words(o.name or "")) and (words <= w or w <= words)
                ),
                None,
            )
            if at is not None:  # one official named in several parts: the first keeps what it has
                same = officials[at]
                extra = {key: getattr(official, key) for key in official.model_fields_set - same.model_fields_set}
                officials[at] = same.model_copy(update={**extra, "mentions": [*same.mentions, *official.mentions]})
                if old and same.id:
                    renamed[old] = same.id
                continue
            new = prefix + (old or f"o{len(officials) + 1}")
            if old:
                renamed[old] = new
            officials.append(official.model_copy(update={"id": new}))
        for layer in LAYERS:
            layers[layer] += [_renamed(item, prefix, renamed) for item in getattr(data, layer)]
    return PredictedDocument.model_validate(
        {"document_id": doc.id, "text_sha256": doc.sha256, "annotators": [METHOD], "officials": officials, **layers}
    )


def _empty(doc: CorpusDocument) -> PredictedDocument:
    """The line of a document whose answer could not be used: it predicts nothing."""
    return PredictedDocument.model_validate(
        {
            "document_id": doc.id,
            "text_sha256": doc.sha256,
            "annotators": [METHOD],
            **{name: [] for name in ("officials", *LAYERS)},
        }
    )


def _people_at(item: BaseModel, path: str) -> list[tuple[str, BaseModel]]:
    """The objects of an item that may name an official (the item, its participants, its actors), each with
    its JSON path."""
    found = [(path, item)]
    for key in ("participants", "actors"):
        found += [(f"{path}.{key}[{i}]", who) for i, who in enumerate(getattr(item, key, None) or [])]
    return found


def _merged_problem(line: PredictedDocument) -> Issue | None:
    """A problem the schema cannot see (a reference to nothing), as the bench would find it."""
    declared = {o.id for o in line.officials if o.id}
    items = {layer: {i.id for i in getattr(line, layer) if i.id} for layer in LAYERS}
    for layer in LAYERS:
        for n, item in enumerate(getattr(line, layer)):
            for where, who in _people_at(item, f"$.{layer}[{n}]"):
                for ref in _REF_FIELDS:
                    value = getattr(who, ref, None)
                    if value and value not in declared:
                        return issue(
                            "llm-invalid-answer",
                            f"{line.document_id}: {ref} {value!r} names no official of the answer",
                            file=line.document_id,
                            path=f"{where}.{ref}",
                        )
            for ref, target in _ITEM_REFS.items():
                value = getattr(item, ref, None)
                if value and value not in items[target]:
                    return issue(
                        "llm-invalid-answer",
                        f"{line.document_id}: {ref} {value!r} names nothing",
                        file=line.document_id,
                        path=f"$.{layer}[{n}].{ref}",
                    )
    return None


# -- the run


def extract_llm(
    docs: Sequence[CorpusDocument], settings: LLMSettings, *, progress: bool | None = None
) -> tuple[list[PredictedDocument], list[Issue]]:
    """Prediction lines for ``docs`` (in their order) and the warnings met. A document with a failed,
    non-JSON or invalid answer for any part predicts nothing (its line has no items; ``meta.llm.error``
    gives the code)."""
    client = _Client(settings)
    if settings.cache is not None:
        try:
            settings.cache.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            client.close()
            raise CommuniqueError(
                [issue("io-error", f"cannot make the cache folder: {exc.strerror or exc}", file=str(settings.cache))]
            ) from None
    parts = [_Part(doc, i, s, e) for doc in docs for i, (s, e) in enumerate(parts_of(doc, settings.max_chars))]
    answers: dict[tuple[str, int], _Answer] = {}
    show = progress if progress is not None else (sys.stderr.isatty() and not os.environ.get("CI"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
            futures = {pool.submit(client.ask, part): part for part in parts}
            done: Iterable[Any] = as_completed(futures)
            if show:
                from tqdm import tqdm  # type: ignore[import-untyped]  # comes with datasets

                done = tqdm(done, total=len(futures), desc=settings.model, unit="part", file=sys.stderr)
            for future in done:
                part = futures[future]
                answers[(part.doc.id, part.index)] = future.result()
    finally:
        client.close()
    lines, issues = [], []
    for doc in docs:
        mine = [(p, answers[(doc.id, p.index)]) for p in parts if p.doc.id == doc.id]
        for _, answer in mine:
            issues += answer.notes
        problems = [a.problem for _, a in mine if a.problem is not None]
        issues += problems
        usage: dict[str, int] = {}
        for _, answer in mine:
            for key, value in answer.usage.items():
                usage[key] = usage.get(key, 0) + value
        meta: JsonObject = {
            "model": settings.model,
            "parts": len(mine),
            "cached_parts": sum(a.cached for _, a in mine),
            "usage": dict(usage),
        }
        if problems:
            meta["error"] = problems[0].code
            line = _empty(doc)
        else:
            line = _merge(doc, [(p, a.prediction) for p, a in mine if a.prediction is not None])
            problem = _merged_problem(line)
            if problem is not None:  # e.g. a speaker_id naming no official: the bench would reject the file
                issues.append(problem)
                meta["error"] = problem.code
                line = _empty(doc)
                for _, answer in mine:  # a cached part took part in it: ask again next time, not forever
                    if answer.cached and answer.cache_path is not None:
                        with contextlib.suppress(OSError):
                            answer.cache_path.unlink()
            else:
                for _, answer in mine:  # only answers that were used are kept: a bad one is asked again
                    if answer.cache_path and answer.cache_key and answer.data is not None and not answer.cached:
                        failed = write_entry(answer.cache_path, answer.cache_key, answer.data)
                        if failed is not None:
                            issues.append(failed)
        lines.append(line.model_copy(update={"meta": {"llm": meta}}))
    return lines, issues


def usage_summary(lines: Iterable[PredictedDocument]) -> str:
    """One line for stderr: documents, parts from the cache, tokens used."""
    totals: dict[str, int] = {}
    docs = parts = cached = 0
    for line in lines:
        meta = (line.meta or {}).get("llm", {})
        docs += 1
        parts += meta.get("parts", 0)
        cached += meta.get("cached_parts", 0)
        for key, value in meta.get("usage", {}).items():
            totals[key] = totals.get(key, 0) + value
    tokens = ", ".join(f"{k.removesuffix('_tokens')} {v}" for k, v in sorted(totals.items())) or "none"
    return f"{docs} document(s), {parts} part(s), {cached} from the cache; tokens: {tokens}"
