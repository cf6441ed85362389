-- Question: Who is named in the same sentences as Nicolás Maduro?
WITH maduro AS (
    SELECT entity_id FROM marts.entities
    WHERE entity_type = 'PERSON' AND name ILIKE '%Maduro%'
)
SELECT
    CASE WHEN c.entity_id_1 = m.entity_id THEN c.name_2 ELSE c.name_1 END AS named_with,
    CASE WHEN c.entity_id_1 = m.entity_id THEN c.entity_type_2 ELSE c.entity_type_1 END
        AS entity_type,
    c.num_sentences,
    c.num_documents
FROM marts.entity_cooccurrence AS c
JOIN maduro AS m ON m.entity_id IN (c.entity_id_1, c.entity_id_2)
WHERE c.num_sentences > 0
ORDER BY c.num_sentences DESC, named_with;
