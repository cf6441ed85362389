-- The events in GDELT 2.0 Events column names and order (export-columns.txt: all 61 columns)
-- so that queries written for GDELT run unchanged. Fields we do not extract (known group,
-- ethnic and religion codes, actor geography, ADM codes, feature ids) are typed NULLs; types
-- follow the GDELT 2.0 codebook except GLOBALEVENTID, which is our stable string event_id.
-- Events are distinct (one row per event_id); NumArticles counts near-duplicate clusters,
-- so a syndicated story counts as one article.

SELECT
    e.event_id AS GLOBALEVENTID,
    strftime(e.event_date, '%Y%m%d')::INTEGER AS SQLDATE,
    strftime(e.event_date, '%Y%m')::INTEGER AS MonthYear,
    year(e.event_date)::INTEGER AS "Year",
    round(year(e.event_date) + dayofyear(e.event_date) / 365.0, 4) AS FractionDate,
    e.source_code AS Actor1Code,
    upper(e.source_name) AS Actor1Name,
    e.source_country AS Actor1CountryCode,
    NULL::VARCHAR AS Actor1KnownGroupCode,
    NULL::VARCHAR AS Actor1EthnicCode,
    NULL::VARCHAR AS Actor1Religion1Code,
    NULL::VARCHAR AS Actor1Religion2Code,
    e.source_role AS Actor1Type1Code,
    NULL::VARCHAR AS Actor1Type2Code,
    NULL::VARCHAR AS Actor1Type3Code,
    e.target_code AS Actor2Code,
    upper(e.target_name) AS Actor2Name,
    e.target_country AS Actor2CountryCode,
    NULL::VARCHAR AS Actor2KnownGroupCode,
    NULL::VARCHAR AS Actor2EthnicCode,
    NULL::VARCHAR AS Actor2Religion1Code,
    NULL::VARCHAR AS Actor2Religion2Code,
    e.target_role AS Actor2Type1Code,
    NULL::VARCHAR AS Actor2Type2Code,
    NULL::VARCHAR AS Actor2Type3Code,
    e.is_root_event::INTEGER AS IsRootEvent,
    e.event_code AS EventCode,
    e.base_code AS EventBaseCode,
    e.root_code AS EventRootCode,
    e.quad_class AS QuadClass,
    e.goldstein AS GoldsteinScale,
    e.num_mentions::INTEGER AS NumMentions,
    e.num_sources::INTEGER AS NumSources,
    e.num_articles::INTEGER AS NumArticles,
    e.avg_tone AS AvgTone,
    NULL::INTEGER AS Actor1Geo_Type,
    NULL::VARCHAR AS Actor1Geo_FullName,
    NULL::VARCHAR AS Actor1Geo_CountryCode,
    NULL::VARCHAR AS Actor1Geo_ADM1Code,
    NULL::VARCHAR AS Actor1Geo_ADM2Code,
    NULL::DOUBLE AS Actor1Geo_Lat,
    NULL::DOUBLE AS Actor1Geo_Long,
    NULL::VARCHAR AS Actor1Geo_FeatureID,
    NULL::INTEGER AS Actor2Geo_Type,
    NULL::VARCHAR AS Actor2Geo_FullName,
    NULL::VARCHAR AS Actor2Geo_CountryCode,
    NULL::VARCHAR AS Actor2Geo_ADM1Code,
    NULL::VARCHAR AS Actor2Geo_ADM2Code,
    NULL::DOUBLE AS Actor2Geo_Lat,
    NULL::DOUBLE AS Actor2Geo_Long,
    NULL::VARCHAR AS Actor2Geo_FeatureID,
    -- GDELT geo types: 1 country, 4 world city; a place with gazetteer coordinates that is
    -- not itself a country name is a city.
    CASE
        WHEN e.place_country IS NULL THEN NULL
        WHEN e.place_lat IS NULL OR pc.country_iso3 IS NOT NULL THEN 1
        ELSE 4
    END::INTEGER AS ActionGeo_Type,
    e.place_text AS ActionGeo_FullName,
    e.place_country AS ActionGeo_CountryCode,
    NULL::VARCHAR AS ActionGeo_ADM1Code,
    NULL::VARCHAR AS ActionGeo_ADM2Code,
    e.place_lat AS ActionGeo_Lat,
    e.place_lon AS ActionGeo_Long,
    NULL::VARCHAR AS ActionGeo_FeatureID,
    strftime(timezone('UTC', e.date_added), '%Y%m%d%H%M%S')::BIGINT AS DATEADDED,
    e.source_url AS SOURCEURL
FROM marts.events AS e
LEFT JOIN staging.countries AS pc ON lower(pc.country_name) = lower(e.place_text)
