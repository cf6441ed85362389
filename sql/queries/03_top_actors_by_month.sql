-- Question: Which actors (country + role) were most active each month, and did they mostly
-- act or were they mostly acted upon?
SELECT month, rank, actor_code, num_events, events_as_source, events_as_target,
       round(mean_goldstein, 2) AS mean_goldstein
FROM marts.top_actors_monthly
WHERE rank <= 5
ORDER BY month NULLS LAST, rank, actor_code;
