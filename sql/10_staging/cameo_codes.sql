-- Names as BI users read them: the codebook writes root names in capitals ("DISAPPROVE").
CREATE OR REPLACE VIEW staging.cameo_codes AS
SELECT code AS event_code, name AS event_name, level::INTEGER AS level, root_code, base_code,
       quad_class::INTEGER AS quad_class, goldstein::DOUBLE AS goldstein, plover_type,
       plover_mode,
       CASE WHEN level = 1 THEN upper(left(name, 1)) || lower(substr(name, 2)) END AS root_name,
       CASE quad_class
           WHEN 1 THEN 'Verbal cooperation' WHEN 2 THEN 'Material cooperation'
           WHEN 3 THEN 'Verbal conflict' WHEN 4 THEN 'Material conflict'
       END AS quad_class_name
FROM ref.cameo_codes;
