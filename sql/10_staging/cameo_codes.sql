CREATE OR REPLACE VIEW staging.cameo_codes AS
SELECT code AS event_code, name AS event_name, level::INTEGER AS level, root_code, base_code,
       quad_class::INTEGER AS quad_class, goldstein::DOUBLE AS goldstein, plover_type,
       plover_mode
FROM ref.cameo_codes;
