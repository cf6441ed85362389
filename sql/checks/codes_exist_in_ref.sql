-- Every CAMEO event/base/root code, PLOVER type and country code exists in the ref tables
-- (a code missing there would silently drop out of every join in the marts).
SELECT 'event_code' AS field, event_mention_id AS id, event_code AS code
FROM checked.event_mentions WHERE event_code NOT IN (SELECT code FROM ref.cameo_codes)
UNION ALL
SELECT 'base_code', event_mention_id, base_code
FROM checked.event_mentions WHERE base_code NOT IN (SELECT code FROM ref.cameo_codes)
UNION ALL
SELECT 'root_code', event_mention_id, root_code
FROM checked.event_mentions WHERE root_code NOT IN (SELECT code FROM ref.cameo_codes)
UNION ALL
SELECT 'quad_class', event_mention_id, quad_class::VARCHAR
FROM checked.event_mentions WHERE quad_class NOT BETWEEN 1 AND 4
UNION ALL
SELECT 'plover_type', event_mention_id, plover_type
FROM checked.event_mentions
WHERE plover_type IS NOT NULL AND plover_type NOT IN (SELECT plover_type FROM ref.plover_types)
UNION ALL
SELECT 'source_country', event_mention_id, source_country
FROM checked.event_mentions
WHERE source_country IS NOT NULL AND source_country NOT IN (SELECT iso3 FROM ref.countries)
UNION ALL
SELECT 'target_country', event_mention_id, target_country
FROM checked.event_mentions
WHERE target_country IS NOT NULL AND target_country NOT IN (SELECT iso3 FROM ref.countries)
UNION ALL
SELECT 'place_country', event_mention_id, place_country
FROM checked.event_mentions
WHERE place_country IS NOT NULL AND place_country NOT IN (SELECT iso3 FROM ref.countries)
UNION ALL
SELECT 'entities.country_iso3', entity_id, country_iso3
FROM checked.entities
WHERE country_iso3 IS NOT NULL AND country_iso3 NOT IN (SELECT iso3 FROM ref.countries);
