CREATE OR REPLACE VIEW staging.entities AS
SELECT * FROM raw.entities;
