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
FROM staging.mentions AS m
JOIN staging.entities AS e USING (doc_id, entity_id)
JOIN staging.documents AS d USING (doc_id)
GROUP BY ALL;
