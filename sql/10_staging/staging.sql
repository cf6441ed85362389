-- Staging: one view per raw table, renames and casts only, so marts never read raw directly
-- and a contract change is absorbed in one place. `* REPLACE` keeps columns added to the
-- contract flowing through without editing this file (schema evolution needs no SQL change).
CREATE OR REPLACE VIEW staging.documents AS
SELECT *, published_at::DATE AS published_date
FROM raw.documents;

CREATE OR REPLACE VIEW staging.document_sources AS
SELECT * FROM raw.document_sources;

CREATE OR REPLACE VIEW staging.mentions AS
SELECT * FROM raw.mentions;

CREATE OR REPLACE VIEW staging.entities AS
SELECT * FROM raw.entities;

-- quad_class is TINYINT in the contract; INTEGER avoids surprises in BI tools and Postgres.
CREATE OR REPLACE VIEW staging.event_mentions AS
SELECT * REPLACE (quad_class::INTEGER AS quad_class)
FROM raw.event_mentions;

CREATE OR REPLACE VIEW staging.quotations AS
SELECT * FROM raw.quotations;

CREATE OR REPLACE VIEW staging.amounts AS
SELECT * FROM raw.amounts;

CREATE OR REPLACE VIEW staging.cameo_codes AS
SELECT code AS event_code, name AS event_name, level::INTEGER AS level, root_code, base_code,
       quad_class::INTEGER AS quad_class, goldstein::DOUBLE AS goldstein, plover_type,
       plover_mode
FROM ref.cameo_codes;

CREATE OR REPLACE VIEW staging.countries AS
SELECT iso3 AS country_iso3, iso2 AS country_iso2, name AS country_name, region
FROM ref.countries;
