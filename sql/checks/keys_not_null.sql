-- Key columns are never null or empty (the contract declares them NOT NULL; this also
-- catches empty strings, which would silently merge rows).
SELECT 'documents' AS tbl, doc_id AS key FROM raw.documents WHERE coalesce(doc_id, '') = ''
UNION ALL
SELECT 'mentions', mention_id FROM raw.mentions
WHERE coalesce(mention_id, '') = '' OR coalesce(doc_id, '') = ''
UNION ALL
SELECT 'entities', doc_id FROM raw.entities
WHERE coalesce(doc_id, '') = '' OR coalesce(entity_id, '') = ''
UNION ALL
SELECT 'event_mentions', event_mention_id FROM raw.event_mentions
WHERE coalesce(event_mention_id, '') = '' OR coalesce(event_id, '') = ''
   OR coalesce(doc_id, '') = ''
UNION ALL
SELECT 'quotations', quotation_id FROM raw.quotations
WHERE coalesce(quotation_id, '') = '' OR coalesce(doc_id, '') = ''
UNION ALL
SELECT 'amounts', amount_id FROM raw.amounts
WHERE coalesce(amount_id, '') = '' OR coalesce(doc_id, '') = ''
UNION ALL
SELECT 'document_sources', doc_id FROM raw.document_sources
WHERE coalesce(doc_id, '') = '' OR coalesce(uri, '') = ''
UNION ALL
SELECT 'quarantine', quarantine_id FROM raw.quarantine WHERE coalesce(quarantine_id, '') = '';
