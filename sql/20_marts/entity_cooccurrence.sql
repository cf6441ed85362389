-- Pairs of entities named in the same document, and how often in the same sentence. One row
-- per unordered pair (entity_id_1 < entity_id_2). Documents come from staging.entities
-- (already one row per document and entity) rather than a DISTINCT over every mention.
WITH pair_entities AS (
    SELECT doc_id, entity_id FROM staging.entities
    WHERE entity_id IN (SELECT entity_id_1 FROM touched UNION SELECT entity_id_2 FROM touched)  -- incremental
),
in_sentence AS MATERIALIZED (
    SELECT DISTINCT doc_id, sentence_index, entity_id
    FROM staging.mentions WHERE entity_id IS NOT NULL
      AND entity_id IN (SELECT entity_id_1 FROM touched UNION SELECT entity_id_2 FROM touched)  -- incremental
),
doc_pairs AS (
    SELECT a.entity_id AS entity_id_1, b.entity_id AS entity_id_2,
           count(*) AS num_documents
    FROM pair_entities AS a
    JOIN pair_entities AS b ON a.doc_id = b.doc_id AND a.entity_id < b.entity_id
    GROUP BY ALL
),
sentence_pairs AS (
    SELECT a.entity_id AS entity_id_1, b.entity_id AS entity_id_2,
           count(*) AS num_sentences
    FROM in_sentence AS a
    JOIN in_sentence AS b
      ON a.doc_id = b.doc_id AND a.sentence_index = b.sentence_index
     AND a.entity_id < b.entity_id
    GROUP BY ALL
)
SELECT
    p.entity_id_1,
    e1.name AS name_1,
    e1.entity_type AS entity_type_1,
    p.entity_id_2,
    e2.name AS name_2,
    e2.entity_type AS entity_type_2,
    p.num_documents,
    coalesce(s.num_sentences, 0) AS num_sentences
FROM doc_pairs AS p
LEFT JOIN sentence_pairs AS s USING (entity_id_1, entity_id_2)
JOIN marts.entities AS e1 ON e1.entity_id = p.entity_id_1
JOIN marts.entities AS e2 ON e2.entity_id = p.entity_id_2
ORDER BY p.entity_id_1, p.entity_id_2
