-- Every event mention, quotation and amount belongs to a document loaded with it (a load
-- replaces a document with all its rows), and every actor or speaker entity id names an
-- entity of that document.
SELECT 'event_mentions' AS tbl, em.event_mention_id AS id, em.doc_id, 'no document' AS problem
FROM checked.event_mentions AS em ANTI JOIN checked.documents AS d USING (doc_id)
UNION ALL
SELECT 'event_mentions', em.event_mention_id, em.doc_id, 'no source entity ' || em.source_entity_id
FROM checked.event_mentions AS em
WHERE em.source_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM checked.entities AS e
                  WHERE e.doc_id = em.doc_id AND e.entity_id = em.source_entity_id)
UNION ALL
SELECT 'event_mentions', em.event_mention_id, em.doc_id, 'no target entity ' || em.target_entity_id
FROM checked.event_mentions AS em
WHERE em.target_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM checked.entities AS e
                  WHERE e.doc_id = em.doc_id AND e.entity_id = em.target_entity_id)
UNION ALL
SELECT 'quotations', q.quotation_id, q.doc_id, 'no document'
FROM checked.quotations AS q ANTI JOIN checked.documents AS d USING (doc_id)
UNION ALL
SELECT 'quotations', q.quotation_id, q.doc_id, 'no speaker entity ' || q.speaker_entity_id
FROM checked.quotations AS q
WHERE q.speaker_entity_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM checked.entities AS e
                  WHERE e.doc_id = q.doc_id AND e.entity_id = q.speaker_entity_id)
UNION ALL
SELECT 'amounts', a.amount_id, a.doc_id, 'no document'
FROM checked.amounts AS a ANTI JOIN checked.documents AS d USING (doc_id)
UNION ALL
SELECT 'entities', e.entity_id, e.doc_id, 'no document'
FROM checked.entities AS e ANTI JOIN checked.documents AS d USING (doc_id);
