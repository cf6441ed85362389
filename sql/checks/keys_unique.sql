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
SELECT 'amounts', amount_id, count(*) FROM raw.amounts GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'marts.events', event_id, count(*) FROM marts.events GROUP BY ALL HAVING count(*) > 1
UNION ALL
-- An event_id must name one event: same actors, code and date in every mention.
SELECT 'event_mentions: event_id with conflicting codes', event_id,
       count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, '')))
FROM raw.event_mentions GROUP BY event_id
HAVING count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, ''))) > 1;
