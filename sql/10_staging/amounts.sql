CREATE OR REPLACE VIEW staging.amounts AS
SELECT * FROM raw.amounts;
