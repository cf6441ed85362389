-- An event_id names one event: the same actors, code and date in every mention (zero rows =
-- pass). The contract tables' own keys are checked by checks generated from their
-- declarations, and mart keys by the loader as it builds them (wirehouse/warehouse/).
SELECT 'event_mentions: event_id with conflicting codes' AS problem, event_id,
       count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, '')))
FROM checked.event_mentions GROUP BY event_id
HAVING count(DISTINCT (coalesce(source_code, ''), coalesce(target_code, ''), event_code,
                       coalesce(event_date::VARCHAR, ''))) > 1;
