-- How often each entity is mentioned in each document, by entity type. Read off
-- staging.entities, which already holds one row per document and entity with its mention
-- count (the count of its mentions rows).
SELECT
    e.doc_id,
    d.title,
    d.published_at,
    e.entity_type,
    e.entity_id,
    e.name,
    e.country_iso3,
    e.num_mentions::BIGINT AS mentions
FROM staging.entities AS e
JOIN staging.documents AS d USING (doc_id)
