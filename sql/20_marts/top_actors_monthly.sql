-- Top CAMEO actors (country + role, e.g. VENGOV) per month, as source or target of events.
-- The month is the event's date, else the first time it was seen; null when neither is known.
WITH event AS (
    SELECT date_trunc('month', coalesce(event_date, first_seen::DATE))::DATE AS month, *
    FROM marts.events
),
side AS (
    SELECT month, source_code AS actor_code, source_country AS country, source_role AS role,
           1 AS as_source, 0 AS as_target, num_mentions, goldstein
    FROM event WHERE source_code IS NOT NULL
      AND coalesce(month, DATE '0001-01-01')  -- incremental
          IN (SELECT coalesce(month, DATE '0001-01-01') FROM touched)  -- incremental
    UNION ALL
    SELECT month, target_code, target_country, target_role, 0, 1, num_mentions, goldstein
    FROM event WHERE target_code IS NOT NULL
      AND coalesce(month, DATE '0001-01-01')  -- incremental
          IN (SELECT coalesce(month, DATE '0001-01-01') FROM touched)  -- incremental
)
SELECT
    month,
    actor_code,
    any_value(country ORDER BY country) AS country,
    any_value(role ORDER BY role) AS role,
    count(*) AS num_events,
    sum(as_source)::BIGINT AS events_as_source,
    sum(as_target)::BIGINT AS events_as_target,
    sum(num_mentions)::BIGINT AS num_mentions,
    avg(goldstein) AS mean_goldstein,
    rank() OVER (PARTITION BY month ORDER BY count(*) DESC) AS rank
FROM side
GROUP BY month, actor_code
ORDER BY month, rank, actor_code
