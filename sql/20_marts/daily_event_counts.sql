-- Daily event counts by CAMEO root code and (directed) country dyad, with mean Goldstein.
-- Each distinct event counts once however many documents or syndicated copies report it.
SELECT
    e.event_date,
    e.root_code,
    c.root_name,
    e.source_country,
    e.target_country,
    count(*) AS num_events,
    sum(e.num_mentions)::BIGINT AS num_mentions,
    avg(e.goldstein) AS mean_goldstein
FROM marts.events AS e
LEFT JOIN staging.cameo_codes AS c ON c.event_code = e.root_code
WHERE coalesce(e.event_date, DATE '0001-01-01')  -- incremental
      IN (SELECT coalesce(event_date, DATE '0001-01-01') FROM touched)  -- incremental
GROUP BY ALL
ORDER BY ALL
