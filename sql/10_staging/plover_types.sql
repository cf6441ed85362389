CREATE OR REPLACE VIEW staging.plover_types AS
SELECT plover_type, upper(left(plover_type, 1)) || lower(substr(plover_type, 2)) AS plover_name,
       quad_class::INTEGER AS quad_class, description AS plover_description
FROM ref.plover_types;
