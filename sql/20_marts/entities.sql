-- marts.entities: one row per entity across all documents (the entity dimension every entity
-- mart joins).
SELECT
    entity_id,
    any_value(entity_type) AS entity_type,
    arg_max(name, num_mentions) AS name,
    mode(country_iso3) AS country_iso3,
    mode(role) AS role,
    sum(num_mentions)::BIGINT AS num_mentions,
    -- One entities row per (doc_id, entity_id) (checks/keys_unique.sql): no DISTINCT.
    count(*) AS num_documents
FROM staging.entities
GROUP BY entity_id
ORDER BY entity_id
