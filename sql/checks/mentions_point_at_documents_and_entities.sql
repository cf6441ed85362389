-- Every mention points at an existing document and, for named entities, an existing entity.
SELECT m.mention_id, m.doc_id, m.entity_id, 'no document' AS problem
FROM checked.mentions AS m ANTI JOIN checked.documents AS d USING (doc_id)
UNION ALL
SELECT m.mention_id, m.doc_id, m.entity_id, 'no entity'
FROM checked.mentions AS m
WHERE m.entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM checked.entities AS e
                  WHERE e.doc_id = m.doc_id AND e.entity_id = m.entity_id);
