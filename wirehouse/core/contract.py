"""The data contract: one Arrow schema per table.

The Parquet writer, the DuckDB loader, the warehouse DDL and the tests all read these schemas;
nothing else declares a table's columns. Column descriptions live in the field metadata so the
warehouse comments (COMMENT ON) and the README table reference come from the same place.

Every table is keyed by ``doc_id`` except ``quarantine`` and ``reviews``: loading a batch
replaces the rows of its documents, so re-running the same documents never duplicates rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Bump when a column is added; the loader migrates older warehouses by ALTER TABLE ADD COLUMN.
SCHEMA_VERSION = 3  # 2: entities.actor_code; 3: event_mentions.sentence_start/end

TS = pa.timestamp("us", tz="UTC")


def col(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


def _run_id() -> pa.Field:
    return col("run_id", pa.string(), "Id of the ETL run that wrote this row.", nullable=False)


def _doc_id() -> pa.Field:
    return col("doc_id", pa.string(), "Document id (documents.doc_id).", nullable=False)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    schema: pa.Schema
    key: tuple[str, ...]
    # Rows are replaced per document (doc-keyed tables) or upserted by key (the others).
    replace_by_doc: bool = True


DOCUMENTS = Table(
    "documents",
    "One row per distinct article (same normalised body = same document).",
    pa.schema([
        col("doc_id", pa.string(), "Stable id: hash of the normalised body.", nullable=False),
        col("title", pa.string(), "Headline."),
        col("body", pa.string(), "Article text handed to NLP; every offset points into it."),
        col("author", pa.string(), "Byline author(s)."),
        col("caption", pa.string(), "Photo caption and credit, kept out of the body."),
        col("url", pa.string(), "Canonical URL where known."),
        col("source", pa.string(), "Publisher or feed name where known."),
        col("published_at", TS, "Publication time (UTC); null where unknown."),
        col("language", pa.string(), "ISO 639-1 language code."),
        col("source_uri", pa.string(), "Location the document was first read from."),
        col("cluster_id", pa.string(), "Near-duplicate cluster (syndicated copies share it)."),
        col("tone", pa.float64(), "Document tone, VADER compound score in [-1, 1]."),
        col("word_count", pa.int32(), "Number of word tokens in the body."),
        col("sentence_count", pa.int32(), "Number of sentences in the body."),
        col("extractor_version", pa.string(), "wirehouse extractor version that made the rows."),
        col("model", pa.string(), "spaCy pipeline name and version used."),
        _run_id(),
    ]),
    key=("doc_id",),
)

DOCUMENT_SOURCES = Table(
    "document_sources",
    "Every source location that held a document (exact duplicates share one doc_id).",
    pa.schema([
        _doc_id(),
        col("uri", pa.string(), "File path, URL or archive record that held the document.",
            nullable=False),
        col("first_seen", TS, "First run time the location was seen with this document."),
        col("last_seen", TS, "Latest run time the location was seen with this document."),
        _run_id(),
    ]),
    key=("doc_id", "uri"),
    replace_by_doc=False,
)

MENTIONS = Table(
    "mentions",
    "Every named-entity mention, with offsets into documents.body.",
    pa.schema([
        col("mention_id", pa.string(), "Stable id: hash of doc_id, offsets and label.",
            nullable=False),
        _doc_id(),
        col("entity_id", pa.string(),
            "Canonical entity (entities.entity_id); null for DATE/MONEY/QUANTITY/CARDINAL."),
        col("label", pa.string(), "spaCy/OntoNotes label (PERSON, ORG, GPE, ...).",
            nullable=False),
        col("text", pa.string(), "Mention text, equal to body[start_char:end_char].",
            nullable=False),
        col("start_char", pa.int32(), "Start offset into documents.body.", nullable=False),
        col("end_char", pa.int32(), "End offset (exclusive) into documents.body.",
            nullable=False),
        col("sentence_index", pa.int32(), "0-based sentence number in the body.",
            nullable=False),
        _run_id(),
    ]),
    key=("mention_id",),
)

ENTITIES = Table(
    "entities",
    "Canonical entities as resolved in each document; entity_id is stable across documents.",
    pa.schema([
        _doc_id(),
        col("entity_id", pa.string(), "Stable id: hash of type and canonical key.",
            nullable=False),
        col("entity_type", pa.string(), "PERSON, ORG, GPE, LOC, NORP, FAC, EVENT or LAW.",
            nullable=False),
        col("name", pa.string(), "Canonical name (longest full form in the document).",
            nullable=False),
        col("country_iso3", pa.string(),
            "ISO 3166 alpha-3 country of the entity in this document, by evidence: a place's "
            "from the gazetteer; a known person's or body's from the lexicon or the Phoenix "
            "dictionaries on the publication date; else the one the text ties it to "
            "(\"Chinese official X\"). Null for IGOs, NGOs and armed groups across borders. "
            "marts.entities keeps a country only where documents agree."),
        col("role", pa.string(), "CAMEO role code when the text gives one (GOV, MIL, MED...)."),
        col("actor_code", pa.string(),
            "CAMEO actor code the lexicon or the Phoenix dictionaries give the entity on the "
            "publication date (USAGOV, IGOUNO, IGOWSTNAT; a country's own code for a "
            "country); null when neither knows it."),
        col("num_mentions", pa.int32(), "Mentions of the entity in the document.",
            nullable=False),
        col("first_start_char", pa.int32(), "Offset of the first mention.", nullable=False),
        _run_id(),
    ]),
    key=("doc_id", "entity_id"),
)

_ACTOR = [
    ("entity_id", pa.string(), "entity id (entities.entity_id)"),
    ("text", pa.string(), "text as written"),
    ("code", pa.string(), "CAMEO actor code, country + role (e.g. VENGOV)"),
    ("country", pa.string(), "ISO 3166 alpha-3 country"),
    ("role", pa.string(), "CAMEO role type (GOV, MIL, MED, ...)"),
    ("start_char", pa.int32(), "start offset into the body"),
    ("end_char", pa.int32(), "end offset into the body"),
]


def _actor(side: str) -> list[pa.Field]:
    return [col(f"{side}_{n}", t, f"{side.capitalize()} actor {d}.") for n, t, d in _ACTOR]


EVENT_MENTIONS = Table(
    "event_mentions",
    "One row per sentence that reports an event (GDELT 2.0 Mentions), with offsets.",
    pa.schema([
        col("event_mention_id", pa.string(), "Stable id: hash of doc_id, sentence and actors.",
            nullable=False),
        col("event_id", pa.string(), "Distinct event (events.event_id).", nullable=False),
        _doc_id(),
        col("sentence_index", pa.int32(), "0-based sentence number in the body.",
            nullable=False),
        *_actor("source"),
        *_actor("target"),
        col("event_code", pa.string(), "CAMEO event code, leading zeros kept.", nullable=False),
        col("base_code", pa.string(), "CAMEO base (3-digit) code.", nullable=False),
        col("root_code", pa.string(), "CAMEO root (2-digit) code.", nullable=False),
        col("quad_class", pa.int8(), "1 verbal coop, 2 material coop, 3 verbal conflict, "
            "4 material conflict.", nullable=False),
        col("goldstein", pa.float64(), "Goldstein score of the event code."),
        col("plover_type", pa.string(), "PLOVER event type (CONSULT, AGREE, AID, ...)."),
        col("plover_mode", pa.string(), "PLOVER mode where it applies."),
        col("trigger_text", pa.string(), "The action words."),
        col("trigger_start", pa.int32(), "Start offset of the trigger."),
        col("trigger_end", pa.int32(), "End offset of the trigger."),
        col("date_text", pa.string(), "Date expression as written."),
        col("event_date", pa.date32(), "Resolved date (start of the period)."),
        col("date_precision", pa.string(), "day, week, month or year of the event's own date; "
            "article: the event has none, event_date is the article's publication date."),
        col("place_text", pa.string(), "Where the action happened, as written."),
        col("place_country", pa.string(), "ISO 3166 alpha-3 of the place."),
        col("place_lat", pa.float64(), "Latitude of the place (gazetteer)."),
        col("place_lon", pa.float64(), "Longitude of the place (gazetteer)."),
        col("confidence", pa.float64(), "Coder confidence in [0, 1].", nullable=False),
        _run_id(),
        # Last, where ALTER TABLE ADD COLUMN puts them in a warehouse migrated from version 2.
        col("sentence_start", pa.int32(), "Start offset of the sentence in the body (null in "
            "rows extracted before schema version 3)."),
        col("sentence_end", pa.int32(), "End offset of the sentence in the body."),
    ]),
    key=("event_mention_id",),
)

QUOTATIONS = Table(
    "quotations",
    "Direct quotations with their speaker (GKG-style).",
    pa.schema([
        col("quotation_id", pa.string(), "Stable id: hash of doc_id and offsets.",
            nullable=False),
        _doc_id(),
        col("speaker_entity_id", pa.string(), "Speaker (entities.entity_id)."),
        col("speaker_text", pa.string(), "Speaker as written."),
        col("quote", pa.string(), "Quoted text without the quote marks.", nullable=False),
        col("start_char", pa.int32(), "Start offset of the quote text.", nullable=False),
        col("end_char", pa.int32(), "End offset of the quote text.", nullable=False),
        col("sentence_index", pa.int32(), "Sentence of the quote start.", nullable=False),
        _run_id(),
    ]),
    key=("quotation_id",),
)

AMOUNTS = Table(
    "amounts",
    "Numeric amounts with unit and object (GKG-style).",
    pa.schema([
        col("amount_id", pa.string(), "Stable id: hash of doc_id and offsets.", nullable=False),
        _doc_id(),
        col("value", pa.float64(), "Numeric value (1 million -> 1000000)."),
        col("unit", pa.string(), "Unit (tons, barrels, dollars, ...)."),
        col("object", pa.string(), "What is counted (medicine, projects, ...)."),
        col("text", pa.string(), "The amount as written.", nullable=False),
        col("start_char", pa.int32(), "Start offset.", nullable=False),
        col("end_char", pa.int32(), "End offset.", nullable=False),
        col("sentence_index", pa.int32(), "Sentence number.", nullable=False),
        _run_id(),
    ]),
    key=("amount_id",),
)

QUARANTINE = Table(
    "quarantine",
    "Inputs that could not be read, with the reason; nothing is silently dropped.",
    pa.schema([
        col("quarantine_id", pa.string(), "Stable id: hash of uri, record and reason.",
            nullable=False),
        col("uri", pa.string(), "File, URL or archive that held the bad input.", nullable=False),
        col("record", pa.int64(), "Line or record number inside the file (1-based)."),
        col("reason", pa.string(), "Reason code (empty, binary, invalid_utf8, ...).",
            nullable=False),
        col("message", pa.string(), "Human-readable explanation."),
        col("first_bytes", pa.binary(), "First bytes of the bad input."),
        col("seen_at", TS, "When the run saw it."),
        _run_id(),
    ]),
    key=("quarantine_id",),
    replace_by_doc=False,
)

# Not doc-keyed: re-extracting a document must not drop what analysts said about its mentions.
REVIEWS = Table(
    "reviews",
    "Analysts' verdicts on event mentions, from the report's review export "
    "(wirehouse review import); one row per mention and reviewer, the latest mark.",
    pa.schema([
        col("review_id", pa.string(), "Stable id: hash of event_mention_id and reviewer.",
            nullable=False),
        col("event_mention_id", pa.string(), "The reviewed mention "
            "(event_mentions.event_mention_id).", nullable=False),
        col("event_id", pa.string(), "Its event when reviewed (event_mentions.event_id)."),
        col("doc_id", pa.string(), "Its document (documents.doc_id); null if the mention was "
            "not in the warehouse when imported."),
        col("verdict", pa.string(), "right, wrong_type, wrong_source, wrong_target or "
            "not_event.", nullable=False),
        col("reviewer", pa.string(), "Who marked it (the name entered in the report).",
            nullable=False),
        col("reviewed_at", TS, "When it was marked (the browser's clock, UTC).",
            nullable=False),
        col("extractor_version", pa.string(), "Extractor version that coded the mention."),
        col("event_code", pa.string(), "CAMEO event code the reviewer saw."),
        _run_id(),
    ]),
    key=("review_id",),
    replace_by_doc=False,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (DOCUMENTS, DOCUMENT_SOURCES, MENTIONS, ENTITIES, EVENT_MENTIONS, QUOTATIONS,
              AMOUNTS, QUARANTINE, REVIEWS)
}


def field_doc(field: pa.Field) -> str:
    meta = field.metadata or {}
    return meta.get(b"doc", b"").decode()


def empty(name: str) -> pa.Table:
    return TABLES[name].schema.empty_table()


def to_table(name: str, rows: list[dict[str, object]]) -> pa.Table:
    """Rows (dicts) to an Arrow table of the contract schema; fails loudly on a contract break."""
    return pa.Table.from_pylist(rows, schema=TABLES[name].schema)
