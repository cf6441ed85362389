CREATE OR REPLACE VIEW staging.countries AS
SELECT iso3 AS country_iso3, iso2 AS country_iso2, name AS country_name, region
FROM ref.countries;
