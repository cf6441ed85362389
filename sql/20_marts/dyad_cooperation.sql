-- Cooperation and conflict between two countries: events per GDELT quad class, both actors
-- coded with a country (IGOs and uncoded actors have none and are left out).
SELECT
    e.source_country,
    sc.country_name AS source_country_name,
    e.target_country,
    tc.country_name AS target_country_name,
    count(*) AS num_events,
    count(*) FILTER (WHERE e.quad_class = 1) AS verbal_cooperation,
    count(*) FILTER (WHERE e.quad_class = 2) AS material_cooperation,
    count(*) FILTER (WHERE e.quad_class = 3) AS verbal_conflict,
    count(*) FILTER (WHERE e.quad_class = 4) AS material_conflict,
    count(*) FILTER (WHERE e.quad_class IN (1, 2)) / count(*) AS cooperation_share,
    avg(e.goldstein) AS mean_goldstein,
    sum(e.num_mentions)::BIGINT AS num_mentions,
    min(e.event_date) AS first_event_date,
    max(e.event_date) AS last_event_date
FROM marts.events AS e
LEFT JOIN staging.countries AS sc ON sc.country_iso3 = e.source_country
LEFT JOIN staging.countries AS tc ON tc.country_iso3 = e.target_country
WHERE e.source_country IS NOT NULL AND e.target_country IS NOT NULL
  AND e.source_country IN (SELECT source_country FROM touched)  -- incremental
GROUP BY ALL
ORDER BY e.source_country, e.target_country
