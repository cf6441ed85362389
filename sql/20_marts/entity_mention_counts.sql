-- How often each entity is mentioned in each document, by entity type.
CREATE OR REPLACE VIEW marts.entity_mention_counts AS
SELECT
    m.doc_id,
    d.title,
    d.published_at,
    e.entity_type,
    m.entity_id,
    e.name,
    e.country_iso3,
    count(*) AS mentions
FROM raw.mentions AS m
JOIN raw.entities AS e USING (doc_id, entity_id)
JOIN raw.documents AS d USING (doc_id)
GROUP BY ALL;

-- One row per entity across all documents.
CREATE OR REPLACE VIEW marts.entities AS
SELECT
    entity_id,
    any_value(entity_type) AS entity_type,
    arg_max(name, num_mentions) AS name,
    mode(country_iso3) AS country_iso3,
    mode(role) AS role,
    sum(num_mentions)::BIGINT AS num_mentions,
    count(DISTINCT doc_id) AS num_documents
FROM raw.entities
GROUP BY entity_id;
