CREATE OR REPLACE VIEW staging.quotations AS
SELECT * FROM raw.quotations;
