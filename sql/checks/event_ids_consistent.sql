-- marts.events has one row per event_id, and an event_id names one event: the same actors,
-- code and date in every mention (zero rows = pass). The contract tables' own keys are
-- checked by checks generated from their declarations (wirehouse/warehouse/models.py).
SELECT 'marts.events' AS tbl, event_id AS key, count(*) AS n
FROM marts.events GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'event_mentions: event_id with conflicting codes', event_id,
       count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, '')))
FROM raw.event_mentions GROUP BY event_id
HAVING count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, ''))) > 1;
