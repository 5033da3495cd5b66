"""The dataset card (README.md) and the Croissant metadata of a Hugging Face export.

The YAML front matter is written by the Hugging Face libraries themselves (``DatasetCardData``,
``MetadataConfigs``, ``DatasetInfosDict``), so it uses their exact keys (``list:``, ``class_label:``).

Every free-text value that reaches the card's Markdown (the project's name, description, licence, notes and
citation; the documents' metadata; annotator names; folder names) is escaped on the way in
(:func:`markdown_text`, :func:`markdown_code`, :func:`code_block`): it shows as the text it is and can never
become markup, HTML (``<script>``), a link, a heading or a table cell of its own.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import datasets
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from communique.annotate.stats import Stats, format_stats
from communique.corpus.splits import SPLITS, Splitter
from communique.export.features import Feature
from communique.export.hf import ExportResult
from communique.export.rows import CONFIGS
from communique.io.project import Dataset
from communique.schema.jsontypes import JsonObject
from communique.schema.models import CommitmentKind, StanceKind, labels
from communique.version import __version__

DEFAULT_CONFIG = "documents"
MAX_CARD_DOCUMENTS = 100  # the card lists documents one by one up to this many
#: dataset card licence ids (lower case, as the Hub spells them) that an SPDX-like id maps to
HUB_LICENCES = {
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0",
    "cc0-1.0",
    "mit",
    "apache-2.0",
    "odc-by",
    "pddl",
    "odbl",
    "cc-by-3.0",
    "cc-by-sa-3.0",
}
GENERIC_DESCRIPTION = (
    "A news corpus annotated for **who met whom, who said what, and who committed to what**: officials (named or "
    "not) with every mention of them, non-official sources (institutions, statements, documents, groups), meetings "
    "between officials (with their medium and PLOVER CONSULT mode), attributions of reported speech (PARC 3.0: "
    "source, cue and content; direct, indirect or mixed; Searle speech act), commitments that bind the actor's side "
    f"({', '.join(labels(CommitmentKind))}; with the condition they depend on) and stances that do not "
    f"({', '.join(labels(StanceKind))}), each with its actors and the countries they "
    "speak for, modality and PLOVER event type; all anchored to the text by character spans."
)
METADATA_COLUMNS = ("title", "publisher", "publication_date", "url", "licence")


@dataclass
class CardFacts:
    """What the card reports besides the files, all taken from the corpus exported and its project."""

    stats: Stats
    dataset: Dataset = field(default_factory=Dataset)
    splitter: Splitter = field(default_factory=Splitter)
    units_per_split: Counter[str] = field(default_factory=Counter)
    documents: int = 0
    guidelines_versions: set[str] = field(default_factory=set)
    agreement_markdown: str | None = None
    #: pass folder names given for agreement, and whether an adjudication record exists beside them
    passes: list[str] = field(default_factory=list)
    adjudication: str | None = None
    #: per-document metadata (id plus METADATA_COLUMNS and language), the first MAX_CARD_DOCUMENTS documents
    document_metadata: list[dict[str, object]] = field(default_factory=list)
    text_licences: Counter[str | None] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    annotators: Counter[str] = field(default_factory=Counter)

    def add_document(self, metadata: Mapping[str, object], annotators: list[str]) -> None:
        """Record one exported document's metadata (as in its corpus document) and annotators."""
        if len(self.document_metadata) < MAX_CARD_DOCUMENTS:
            self.document_metadata.append(
                {"id": metadata["id"], "language": metadata.get("language")}
                | {k: metadata.get(k) for k in METADATA_COLUMNS}
            )
        licence, language = metadata.get("licence"), metadata.get("language")
        self.text_licences[licence if isinstance(licence, str) else None] += 1
        self.languages[language if isinstance(language, str) and language else "und"] += 1
        self.annotators.update(annotators)


def markdown_code(value: str) -> str:
    """``value`` as an inline Markdown code span that nothing in it can end early: control characters and
    line breaks become spaces and the fence is one backtick longer than the longest run inside (for prose,
    not table cells)."""
    flat = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", value)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


#: characters that can start inline Markdown or HTML (or KaTeX, on the Hub) wherever they stand
_INLINE = re.compile(r"[\\`*_\[\]|~#$!]")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: what can start a block at the beginning of a line: a list item, a setext underline, an ordered list item
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def markdown_text(value: str, *, lines: bool = False) -> str:
    """``value`` as Markdown prose that renders as exactly this text: HTML's ``& < >`` become entities,
    inline markup characters and line-start block markers are backslash-escaped, control characters become
    spaces. One line unless ``lines`` (then line breaks are kept; runs of spaces that would make code blocks
    are not)."""
    text = _CONTROL.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))
    rows = text.split("\n") if lines else [" ".join(text.split())]
    out = []
    for row in rows:
        row = " ".join(row.split())  # leading spaces would make an indented code block
        row = "".join(_HTML.get(char, char) for char in row)
        row = _INLINE.sub(lambda m: "\\" + m[0], row)
        row = _LINE_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], row)
        out.append(row)
    return "\n".join(out)


def code_block(value: str) -> str:
    """``value`` in a fenced code block whose fence is longer than any run of backticks inside it."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    return f"{fence}\n{value}\n{fence}"


def _feature_type(feature: Feature) -> str:
    if isinstance(feature, datasets.ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, datasets.List):
        return f"List[{_feature_type(feature.feature)}]"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{k}: {_feature_type(v)}" for k, v in feature.items()) + "}"
    if isinstance(feature, datasets.Value):
        return str(feature.dtype)
    return type(feature).__name__


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def card_licence(facts: CardFacts) -> tuple[str, str | None]:
    """The card's ``license`` (and ``license_name`` when it is ``other``): one id only when texts and
    annotations share one known licence."""
    annotations = (facts.dataset.licence or "").lower() or None
    texts = {(k or "").lower() or None for k in facts.text_licences}
    if annotations in HUB_LICENCES and texts == {annotations}:
        return annotations, None
    parts = [f"annotations-{annotations or 'unstated'}"]
    parts.append("texts-" + ("-".join(sorted(t or "unknown" for t in texts)) if len(texts) <= 2 else "mixed"))
    return "other", "-".join(parts).replace(".", "-")


def render_card(result: ExportResult, facts: CardFacts) -> str:
    licence, licence_name = card_licence(facts)
    data = DatasetCardData(
        language=sorted(facts.languages) or ["en"],
        license=licence,
        **({"license_name": licence_name} if licence_name else {}),  # type: ignore[arg-type]
        pretty_name=facts.dataset.name,
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition"],
        annotations_creators=["expert-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"] if len(facts.languages) <= 1 else ["multilingual"],
        size_categories=[_size_category(facts.documents)],
        source_datasets=["original"],
        tags=["quotation-attribution", "event-extraction", "coreference", "news", "diplomacy"],
    )
    configs: JsonObject = {}
    infos: dict[str, DatasetInfo] = {}
    for config in CONFIGS:
        splits = result.shards.get(config.name)
        if not splits or config.name in empty_configs(result):  # load_dataset cannot load a split of no rows
            continue
        configs[config.name] = {
            "data_files": [{"split": split, "path": [s.path for s in shards]} for split, shards in splits.items()],
            **({"default": True} if config.name == DEFAULT_CONFIG else {}),
        }
        split_dict = SplitDict()
        for split, shards in splits.items():
            split_dict.add(
                SplitInfo(
                    name=split,
                    num_bytes=sum(s.num_bytes for s in shards),
                    num_examples=sum(s.num_examples for s in shards),
                )
            )
        infos[config.name] = DatasetInfo(
            description=config.description,
            features=config.features,
            splits=split_dict,
            download_size=sum(s.size for shards in splits.values() for s in shards),
            dataset_size=sum(s.num_bytes for shards in splits.values() for s in shards),
        )
    MetadataConfigs(configs).to_dataset_card_data(data)
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return f"---\n{data.to_yaml()}\n---\n\n{_prose(result, facts)}"


def _md(value: object) -> str:
    """A value for a Markdown table cell or prose: escaped, one line, 'unknown' when null."""
    if value is None or value == "":
        return "unknown"
    return markdown_text(str(value))


def _documents_section(facts: CardFacts) -> str:
    rows = "\n".join(
        f"| {markdown_code(str(m['id']))} | " + " | ".join(_md(m.get(k)) for k in METADATA_COLUMNS) + " |"
        for m in facts.document_metadata
    )
    shown = len(facts.document_metadata)
    more = (
        f"\n\nThe first {shown} of {facts.documents} documents are listed; the `documents` config has every "
        "document's metadata."
        if shown < facts.documents
        else ""
    )
    return (
        "| id | title | publisher | date | url | licence |\n|---|---|---|---|---|---|\n" + rows + more
        if rows
        else "No documents."
    )


def _licence_section(facts: CardFacts) -> str:
    annotations = facts.dataset.licence or "not stated by the project"
    known = {k: n for k, n in facts.text_licences.items() if k}
    unknown = facts.text_licences.get(None, 0)
    lines = []
    if known and not unknown and len(known) == 1:
        lines.append(f"- **Texts:** {_md(next(iter(known)))} (every document's metadata says so).")
    else:
        for name, n in sorted(known.items()):
            lines.append(f"- **Texts:** {n} document(s) under {_md(name)}.")
        if unknown:
            lines.append(
                f"- **Texts of unknown licence:** {unknown} document(s) give no licence in their metadata. Their "
                "rights are not known to this project and no open licence is claimed for them: check them before "
                "redistributing the texts or anything derived from them."
            )
    lines.append(f"- **Annotations** (the spans, labels and links, not the text they point into): {_md(annotations)}.")
    return "\n".join(lines)


def _splits_section(facts: CardFacts, size_rows: str) -> str:
    split_names = ", ".join(f"{split}: {facts.units_per_split.get(split, 0)}" for split in SPLITS)
    ratios = " / ".join(f"{s} {r}%" for s, r in zip(SPLITS, facts.splitter.ratios))
    head = f"""| config | full | train | validation | test |
|---|---|---|---|---|
{size_rows}

- `documents` has a single split, `full`: whole documents, for benchmarking extractors and for rebuilding
  the gold exactly."""
    if facts.splitter.unit == "document":
        return f"""{head}
- The other configs are split **by document**: a document goes to a split by a hash of its id, {ratios};
  adding documents never moves an existing one, and a split with no rows is not declared. Documents per
  split: {split_names}. Different documents can still report the same people and events, so test scores
  measure generalisation to unseen articles, not necessarily to unseen officials."""
    return f"""{head}
- The other configs are split **by section** (a section heading and the paragraphs under it; the lead
  before the first heading is a section), because the corpus has too few documents to split by document
  (the threshold is `min_documents` in `communique.toml`). A section goes to a split by a hash of its id
  (`<document_id>#s<index>`), {ratios}; adding documents never moves an existing section, no section is in
  two splits, and a split with no rows is not declared. Every item goes with the section where its first span
  starts. Sections per split: {split_names}.
- **Leakage caveat:** all sections of an article share its officials, meetings and context, so the same
  people, names and topics appear in every split. Scores on the validation and test splits measure
  generalisation to unseen passages of the same articles, not to unseen articles or people."""


def _process_section(facts: CardFacts) -> str:
    versions = ", ".join(_md(v) for v in sorted(facts.guidelines_versions)) or "not recorded"
    who = ", ".join(f"{_md(name)} ({n} document(s))" for name, n in sorted(facts.annotators.items())) or "not recorded"
    parts = [
        f"Annotators followed the project's annotation guidelines (version {versions}). Annotators recorded in the "
        f"annotation files: {who}."
    ]
    if facts.passes and facts.agreement_markdown:
        parts.append(
            f"Double annotation: {len(facts.passes)} independent pass folders were given "
            f"({', '.join(markdown_code(p) for p in facts.passes)}); agreement was measured with the toolkit's comparison "
            "code (`communique agree`) on the documents they share"
            + (
                f", and every difference was adjudicated ({markdown_code(facts.adjudication)})."
                if facts.adjudication
                else "."
            )
        )
        parts.append(facts.agreement_markdown)
    else:
        parts.append(
            "No double-annotation passes were given to this export, so agreement between annotators was not "
            "measured for it."
        )
    if facts.dataset.annotation_notes.strip():
        parts.append(markdown_text(facts.dataset.annotation_notes.strip(), lines=True))
    return "\n\n".join(parts)


def empty_configs(result: ExportResult) -> dict[str, str]:
    """The configs with no row in this export, each with its one typed empty file (not declared in the card's
    front matter: ``datasets.load_dataset`` cannot load a split of no rows, huggingface/datasets#8401)."""
    return {
        config: shards[0].path
        for config, splits in result.shards.items()
        for shards in splits.values()
        if sum(s.num_examples for s in shards) == 0 and len(splits) == 1 and shards
    }


def _empty_note(result: ExportResult) -> str:
    """What the card says of the configs with no rows: which, where, and how to read them."""
    empty = empty_configs(result)
    if not empty:
        return ""
    listed = ", ".join(f"`{c}` (`{path}`)" for c, path in empty.items())
    return f"""

Configs with no rows in this corpus: {listed}. Each still has one typed Parquet file of no rows, with the
config's features, so code that reads it works on every corpus; `datasets.load_dataset` cannot load a split
of no rows, so the front matter does not declare these configs. Read one as a typed, empty dataset:

```python
import pyarrow.parquet as pq
from datasets import Dataset
empty = Dataset(pq.read_table("path/to/this/folder/{next(iter(empty.values()))}"))  # 0 rows, typed features
```"""


def _prose(result: ExportResult, facts: CardFacts) -> str:
    sizes = result.split_sizes()
    size_rows = "\n".join(
        f"| `{c}` | " + " | ".join(str(sizes.get(c, {}).get(s, "–")) for s in ("full", *SPLITS)) + " |" for c in sizes
    )
    schema = "\n\n".join(
        f"### `{config.name}`\n\n{config.description}\n\n| column | type |\n|---|---|\n"
        + "\n".join(f"| `{name}` | `{_feature_type(feature)}` |" for name, feature in config.features.items())
        for config in CONFIGS
        if config.name in sizes
    )
    complete = len(facts.stats["documents"]) == facts.documents
    stats = facts.stats if complete else Stats(documents={}, total=facts.stats["total"])
    small = (
        f"\n- A small corpus ({facts.documents} document(s)): a test bed for tools and extractors and a worked "
        "example of the guidelines, not a training set that generalises."
        if facts.documents < 100
        else ""
    )
    citation = (
        f"\n\n## Citation\n\n{code_block(facts.dataset.citation.strip())}" if facts.dataset.citation.strip() else ""
    )
    description = facts.dataset.description.strip()
    return f"""# {markdown_text(facts.dataset.name)}

{markdown_text(description, lines=True) if description else GENERIC_DESCRIPTION}

Made with the `communique` toolkit (version {__version__}); {facts.documents} document(s).

Offsets are Unicode code points (Python string indices), half-open `[start, end)`, and every span carries
its `text`. In the `documents` config spans are document offsets; in every other config a row has a
`context` passage and `context_start` (its offset in the document), and the row's spans are relative to
the context: `context[start:end] == text`.

## Documents

{_documents_section(facts)}

## Licence

{_licence_section(facts)}

## Loading

```python
import os
os.environ["HF_DATASETS_OFFLINE"] = "1"   # everything is local
from datasets import load_dataset

docs = load_dataset("path/to/this/folder")                 # default config: documents (split "full")
attributions = load_dataset("path/to/this/folder", "attributions")  # train / validation / test (with rows)
split = next(iter(attributions))
row = attributions[split][0]
span = row["contents"][0]
assert row["context"][span["start"]:span["end"]] == span["text"]
kind = attributions[split].features["kind"].int2str(row["kind"])
```

Parquet files carry their features in their own metadata as well, so `load_dataset("parquet",
data_files=...)`, pandas, Polars, DuckDB, Spark and Dask read them directly. File names carry a hash of their
content, so a changed export never returns stale cached rows. `croissant.json` describes the files (with
sha256 checksums) in MLCommons Croissant.{_empty_note(result)}

## Configs and schema

Labels are `ClassLabel` features whose names come from the toolkit's Pydantic models; a null label (for
instance a meeting participant whose role the text does not give) is stored as null.

{schema}

## Splits

{_splits_section(facts, size_rows)}

## Annotation process

{_process_section(facts)}

## Statistics

{format_stats(stats, "markdown")}

## Limitations
{small}
- Only what the text says is recorded: no dates, URLs, publishers or external identifiers beyond the
  documents' metadata. Unnamed officials have `name: null`; a country is given only when the text makes it
  explicit.
- Headings are annotated for mentions only (they are editorial summaries, not attributions, commitments or
  stances).{citation}
"""


def render_croissant(result: ExportResult, facts: CardFacts) -> str:
    """MLCommons Croissant 1.0 metadata: every parquet file with its sha256, one record set per config."""
    distribution: list[JsonObject] = []
    record_sets: list[JsonObject] = []
    for config in CONFIGS:
        splits = result.shards.get(config.name)
        if not splits:
            continue
        for shards in splits.values():
            for shard in shards:
                distribution.append(
                    {
                        "@type": "cr:FileObject",
                        "@id": shard.path,
                        "name": shard.path,
                        "contentUrl": shard.path,
                        "contentSize": f"{shard.size} B",
                        "encodingFormat": "application/x-parquet",
                        "sha256": shard.sha256,
                    }
                )
        file_set = f"{config.name}-files"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{config.name}/*.parquet",
            }
        )
        fields = []
        for name, feature in config.features.items():
            if isinstance(feature, datasets.Value) and feature.dtype in ("string", "int64"):
                data_type = "sc:Text" if feature.dtype == "string" else "sc:Integer"
            elif isinstance(feature, datasets.ClassLabel):
                data_type = "sc:Integer"
            else:
                continue  # nested lists and structs: described in the dataset card
            entry = {
                "@type": "cr:Field",
                "@id": f"{config.name}/{name}",
                "name": name,
                "dataType": data_type,
                "source": {"fileSet": {"@id": file_set}, "extract": {"column": name}},
            }
            if isinstance(feature, datasets.ClassLabel):
                entry["description"] = "ClassLabel index into: " + ", ".join(feature.names)
            fields.append(entry)
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": config.name,
                "name": config.name,
                "description": config.description,
                "field": fields,
            }
        )
    metadata = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": facts.dataset.name,
        "description": f"{facts.dataset.description.strip() or GENERIC_DESCRIPTION} {facts.documents} document(s); "
        "see README.md for the documents, schema, splits, annotation process and licence.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": " ".join(_licence_section(facts).replace("- ", "").replace("**", "").splitlines()),
        "url": "README.md",
        "version": __version__,
        "inLanguage": sorted(facts.languages)[0] if len(facts.languages) == 1 else sorted(facts.languages),
        **({"citeAs": facts.dataset.citation.strip()} if facts.dataset.citation.strip() else {}),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"


# The standard Croissant 1.0 JSON-LD context (as mlcroissant writes it).
CROISSANT_CONTEXT: JsonObject = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
