-- Mentions and documents per entity and month of publication (null month: publication date
-- unknown). From staging.entities (one row per document and entity, with its mention count).
SELECT
    date_trunc('month', d.published_at)::DATE AS month,
    en.entity_id,
    sum(en.num_mentions)::BIGINT AS num_mentions,
    count(*) AS num_documents
FROM staging.entities AS en
JOIN staging.documents AS d USING (doc_id)
WHERE en.entity_id IN (SELECT entity_id FROM touched)  -- incremental
GROUP BY ALL
