-- Question: Which country pairs interact most, and how much of it is cooperation?
SELECT
    source_country_name || ' -> ' || target_country_name AS dyad,
    num_events,
    verbal_cooperation + material_cooperation AS cooperative,
    verbal_conflict + material_conflict AS conflictual,
    round(cooperation_share, 2) AS cooperation_share,
    round(mean_goldstein, 2) AS mean_goldstein
FROM marts.dyad_cooperation
WHERE source_country <> target_country
ORDER BY num_events DESC, dyad;
