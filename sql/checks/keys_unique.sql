-- Primary keys are unique (zero rows = pass).
SELECT 'documents' AS tbl, doc_id AS key, count(*) AS n FROM raw.documents GROUP BY ALL HAVING n > 1
UNION ALL
SELECT 'mentions', mention_id, count(*) FROM raw.mentions GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'entities', doc_id || '/' || entity_id, count(*) FROM raw.entities GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'document_sources', doc_id || ' ' || uri, count(*) FROM raw.document_sources GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'quarantine', quarantine_id, count(*) FROM raw.quarantine GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'event_mentions', event_mention_id, count(*) FROM raw.event_mentions GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'quotations', quotation_id, count(*) FROM raw.quotations GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'amounts', amount_id, count(*) FROM raw.amounts GROUP BY ALL HAVING count(*) > 1;
