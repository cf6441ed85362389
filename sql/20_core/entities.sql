-- marts.entities: one row per entity across all documents (the entity dimension every
-- entity mart joins; in core so it exists before the marts that use it).
CREATE OR REPLACE VIEW marts.entities AS
SELECT
    entity_id,
    any_value(entity_type) AS entity_type,
    arg_max(name, num_mentions) AS name,
    mode(country_iso3) AS country_iso3,
    mode(role) AS role,
    sum(num_mentions)::BIGINT AS num_mentions,
    count(DISTINCT doc_id) AS num_documents
FROM staging.entities
GROUP BY entity_id;
