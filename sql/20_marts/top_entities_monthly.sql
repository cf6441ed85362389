-- Top named entities per month of publication (null month: publication date unknown), ranked
-- from marts.entity_months, with their names from marts.entities.
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
FROM marts.entity_months AS p
JOIN marts.entities AS e USING (entity_id)
WHERE coalesce(p.month, DATE '0001-01-01')  -- incremental
      IN (SELECT coalesce(month, DATE '0001-01-01') FROM touched)  -- incremental
ORDER BY p.month, rank, p.entity_id
