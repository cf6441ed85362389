-- Every event mention, quotation and amount belongs to an existing document, and every
-- actor or speaker entity id names an entity of that document.
SELECT 'event_mentions' AS tbl, em.event_mention_id AS id, em.doc_id, 'no document' AS problem
FROM raw.event_mentions AS em ANTI JOIN raw.documents AS d USING (doc_id)
UNION ALL
SELECT 'event_mentions', em.event_mention_id, em.doc_id, 'no source entity ' || em.source_entity_id
FROM raw.event_mentions AS em
WHERE em.source_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM raw.entities AS e
                  WHERE e.doc_id = em.doc_id AND e.entity_id = em.source_entity_id)
UNION ALL
SELECT 'event_mentions', em.event_mention_id, em.doc_id, 'no target entity ' || em.target_entity_id
FROM raw.event_mentions AS em
WHERE em.target_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM raw.entities AS e
                  WHERE e.doc_id = em.doc_id AND e.entity_id = em.target_entity_id)
UNION ALL
SELECT 'quotations', q.quotation_id, q.doc_id, 'no document'
FROM raw.quotations AS q ANTI JOIN raw.documents AS d USING (doc_id)
UNION ALL
SELECT 'quotations', q.quotation_id, q.doc_id, 'no speaker entity ' || q.speaker_entity_id
FROM raw.quotations AS q
WHERE q.speaker_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM raw.entities AS e
                  WHERE e.doc_id = q.doc_id AND e.entity_id = q.speaker_entity_id)
UNION ALL
SELECT 'amounts', a.amount_id, a.doc_id, 'no document'
FROM raw.amounts AS a ANTI JOIN raw.documents AS d USING (doc_id)
UNION ALL
SELECT 'entities', e.entity_id, e.doc_id, 'no document'
FROM raw.entities AS e ANTI JOIN raw.documents AS d USING (doc_id);
