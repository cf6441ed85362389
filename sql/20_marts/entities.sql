-- marts.entities: one row per entity across all documents (the entity dimension every
-- entity mart joins). A table (entities.toml): as a view every entity query re-aggregated all
-- entity rows with two mode()s (1.6 s on a 1M-event warehouse, 3.7M entity rows;
-- bench/queries.py).
-- Country by agreement: the country that at least two thirds of the documents giving one
-- agree on and, for an entity named in three documents or more, at least two of them, so that
-- one stray document cannot decide it; else NULL. Documents give a place's country from the
-- gazetteer, a known person's or body's from the lexicon or the Phoenix dictionaries (none
-- for IGOs), else the one the text ties it to (raw.entities.country_iso3).
WITH e AS (
    SELECT * FROM staging.entities
    WHERE entity_id IN (SELECT entity_id FROM touched)  -- incremental
)
SELECT
    e.entity_id,
    any_value(e.entity_type) AS entity_type,
    -- The fullest form (most words), then the most mentioned: "Barack Obama", not "Obama".
    arg_max(e.name, (len(string_split(e.name, ' ')), e.num_mentions)) AS name,
    CASE
        WHEN 3 * list_max(map_values(histogram(e.country_iso3))) >= 2 * count(e.country_iso3)
             AND (list_max(map_values(histogram(e.country_iso3))) >= 2 OR count(*) <= 2)
        THEN mode(e.country_iso3)
    END AS country_iso3,
    mode(e.role) AS role,
    -- The latest article's code: a person's office changes over time.
    coalesce(arg_max(e.actor_code, d.published_at) FILTER (WHERE e.actor_code IS NOT NULL),
             mode(e.actor_code)) AS actor_code,
    sum(e.num_mentions)::BIGINT AS num_mentions,
    -- One entities row per (doc_id, entity_id) (checks/keys_unique.sql): no DISTINCT.
    count(*) AS num_documents
FROM e
LEFT JOIN (SELECT doc_id, published_at FROM staging.documents
           WHERE doc_id IN (SELECT doc_id FROM e)  -- incremental
          ) AS d USING (doc_id)
GROUP BY e.entity_id
ORDER BY e.entity_id
