-- Question: What has China done with Venezuela and Cuba, and how cooperative was it?
-- Every distinct event between China and either country (both directions), most cooperative
-- first, with the CAMEO and PLOVER names of the action.
SELECT
    e.source_name,
    e.source_code,
    c.event_name AS action,
    e.event_code,
    e.plover_type,
    e.target_name,
    e.target_code,
    e.goldstein,
    CASE e.quad_class
        WHEN 1 THEN 'verbal cooperation' WHEN 2 THEN 'material cooperation'
        WHEN 3 THEN 'verbal conflict' ELSE 'material conflict'
    END AS kind,
    e.num_mentions
FROM marts.events AS e
JOIN staging.cameo_codes AS c USING (event_code)
WHERE (e.source_country = 'CHN' AND e.target_country IN ('VEN', 'CUB'))
   OR (e.target_country = 'CHN' AND e.source_country IN ('VEN', 'CUB'))
ORDER BY e.goldstein DESC, e.event_code, e.source_code, e.target_code;
