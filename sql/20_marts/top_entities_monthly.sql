-- Top named entities per month of publication (null month: publication date unknown).
-- From staging.entities (one row per document and entity, with its mention count), not the
-- mentions: a third of the rows and no DISTINCT.
WITH per_month AS (
    SELECT
        date_trunc('month', d.published_at)::DATE AS month,
        en.entity_id,
        sum(en.num_mentions)::BIGINT AS num_mentions,
        count(*) AS num_documents
    FROM staging.entities AS en
    JOIN staging.documents AS d USING (doc_id)
    WHERE coalesce(date_trunc('month', d.published_at)::DATE, DATE '0001-01-01')  -- incremental
          IN (SELECT coalesce(month, DATE '0001-01-01') FROM touched)  -- incremental
    GROUP BY ALL
)
SELECT
    p.month,
    p.entity_id,
    e.name,
    e.entity_type,
    e.country_iso3,
    p.num_mentions,
    p.num_documents,
    rank() OVER (PARTITION BY p.month ORDER BY p.num_mentions DESC) AS rank,
    rank() OVER (PARTITION BY p.month, e.entity_type ORDER BY p.num_mentions DESC) AS rank_in_type
FROM per_month AS p
JOIN marts.entities AS e USING (entity_id)
ORDER BY p.month, rank, p.entity_id
