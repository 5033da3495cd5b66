"""The dataset card (README.md) and the Croissant metadata of a Hugging Face export.

The YAML front matter is written by the Hugging Face libraries themselves (``DatasetCardData``,
``MetadataConfigs``, ``DatasetInfosDict``), so it uses their exact keys (``list:``, ``class_label:``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import datasets
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from communique import __version__
from communique.corpus.splits import RATIOS, SPLITS
from communique.export.hf import ExportResult
from communique.export.rows import CONFIGS
from communique.review.stats import format_stats

PRETTY_NAME = "communique: officials, meetings, quotes and commitments in news"
DEFAULT_CONFIG = "documents"
ANNOTATION_LICENCE = "CC-BY-4.0"


@dataclass
class CardFacts:
    """What the card reports besides the files: counts, split units, agreement, guidelines."""

    stats: dict[str, Any]
    units_per_split: Counter[str] = field(default_factory=Counter)
    documents: int = 0
    guidelines_versions: set[str] = field(default_factory=set)
    agreement_markdown: str | None = None


def markdown_code(value: str) -> str:
    """``value`` as an inline Markdown code span that nothing in it can end early: control characters and
    line breaks become spaces and the fence is one backtick longer than the longest run inside (for prose,
    not table cells)."""
    flat = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", value)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _feature_type(feature: Any) -> str:
    if isinstance(feature, datasets.ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, datasets.List):
        return f"List[{_feature_type(feature.feature)}]"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{k}: {_feature_type(v)}" for k, v in feature.items()) + "}"
    if isinstance(feature, datasets.Value):
        return str(feature.dtype)
    return type(feature).__name__


def render_card(result: ExportResult, facts: CardFacts) -> str:
    data = DatasetCardData(
        language=["en"],
        license="other",
        license_name="unknown-text-and-cc-by-4.0-annotations",
        pretty_name=PRETTY_NAME,
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition"],
        annotations_creators=["expert-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"],
        size_categories=["n<1K"],
        source_datasets=["original"],
        tags=["quotation-attribution", "event-extraction", "coreference", "news", "diplomacy"],
    )
    configs: dict[str, Any] = {}
    infos: dict[str, DatasetInfo] = {}
    for config in CONFIGS:
        splits = result.shards.get(config.name)
        if not splits:
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
    units = ", ".join(f"{split}: {facts.units_per_split.get(split, 0)}" for split in SPLITS)
    ratios = " / ".join(f"{s} {r}%" for s, r in zip(SPLITS, RATIOS))
    agreement = facts.agreement_markdown or "No double-annotation passes were given to this export."
    versions = ", ".join(sorted(facts.guidelines_versions)) or "n/a"
    return f"""# {PRETTY_NAME}

A gold-annotated news corpus of **who met whom, who said what, and who committed to what**: officials
(named or not) with every mention of them, meetings between officials (with visitor and host roles),
quotations (direct, indirect, mixed; speaker, cue and content) and commitments (pledges, offers,
invitations, proposals, intentions, expectations, support, readiness), all anchored to the text by
character spans. Made with the `communique` toolkit (version {__version__}); {facts.documents} document(s).

Offsets are Unicode code points (Python string indices), half-open `[start, end)`, and every span carries
its `text`. In the `documents` config spans are document offsets; in every other config a row has a
`context` passage and `context_start` (its offset in the document), and the row's spans are relative to
the context: `context[start:end] == text`.

## Licence

- **Text: unknown.** The article is a third-party news text. Its publisher, publication date, URL and
  licence are not stated in the text and are not known to this project; no open licence is claimed for it.
  Check the rights before redistributing the text or anything derived from it.
- **Annotations** (the spans, labels and links, not the text they point into): {ANNOTATION_LICENCE}.
- The card's `license: other` says exactly this: the whole cannot be given one open licence.

## Loading

```python
import os
os.environ["HF_DATASETS_OFFLINE"] = "1"   # everything is local
from datasets import load_dataset

docs = load_dataset("path/to/this/folder")                 # default config: documents (split "full")
quotes = load_dataset("path/to/this/folder", "quotes")     # train / validation / test
row = quotes["train"][0]
span = row["contents"][0]
assert row["context"][span["start"]:span["end"]] == span["text"]
kind = quotes["train"].features["kind"].int2str(row["kind"])
```

Parquet files carry their features in their own metadata as well, so `load_dataset("parquet",
data_files=...)`, pandas, Polars, DuckDB, Spark and Dask read them directly. File names carry a hash of their
content, so a changed export never returns stale cached rows. `croissant.json` describes the files (with
sha256 checksums) in MLCommons Croissant.

## Configs and schema

Labels are `ClassLabel` features whose names come from the toolkit's Pydantic models; a null label (for
instance a meeting participant whose role the text does not give) is stored as null.

{schema}

## Splits

| config | full | train | validation | test |
|---|---|---|---|---|
{size_rows}

- `documents` has a single split, `full`: whole documents, for benchmarking extractors and for rebuilding
  the gold exactly.
- The other configs are split **by section** (a section heading and the paragraphs under it; the lead
  before the first heading is a section), because the corpus is too small to split by document. A section
  goes to a split by a hash of its id (`<document_id>#s<index>`), {ratios}; adding documents never moves an
  existing section, no section is in two splits, and a split with no rows is not declared. Every item goes
  with the section where its first span starts. Sections per split: {units}.
- **Leakage caveat:** all sections of an article share its officials, meetings and context, so the same
  people, names and topics appear in every split. Scores on the validation and test splits measure
  generalisation to unseen passages of the same article, not to unseen articles or people.

## Annotation process

Annotators followed `annotations/GUIDELINES.md` (version {versions}). The seed article was annotated in
two independent passes (neither saw the other), agreement was measured with the toolkit's comparison code
(`communique agree`), and every difference was adjudicated into the gold (`annotations/ADJUDICATION.md`).
Both passes were made by AI annotator sessions working from the same guidelines, so the agreement is an
upper bound on what two human annotators would reach.

{agreement}

## Statistics

{format_stats(facts.stats if len(facts.stats["documents"]) == facts.documents else {**facts.stats, "documents": {}}, "markdown")}

## Limitations

- One English news article: the dataset is a seed for a larger corpus, a test bed for tools and extractors,
  and a worked example of the guidelines, not a training set that generalises.
- The annotators were AI sessions, not trained human annotators; the gold was adjudicated against the
  guidelines, but shared biases of the annotators are not exposed by their agreement.
- Only what the text says is recorded: no dates, URLs, publishers or external identifiers. Unnamed officials
  have `name: null`; a country is given only when the text makes it explicit.
- Headings are annotated for mentions only (they are editorial summaries, not quotes or commitments).
"""


def render_croissant(result: ExportResult, facts: CardFacts) -> str:
    """MLCommons Croissant 1.0 metadata: every parquet file with its sha256, one record set per config."""
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = []
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
        "name": "communique",
        "description": f"{PRETTY_NAME}. {facts.documents} document(s); see README.md for the schema, splits, "
        "annotation process and licence.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": f"Text: unknown (third-party news article, licence not known). Annotations: {ANNOTATION_LICENCE}.",
        "url": "README.md",
        "version": __version__,
        "inLanguage": "en",
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"


# The standard Croissant 1.0 JSON-LD context (as mlcroissant writes it).
CROISSANT_CONTEXT: dict[str, Any] = {
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
