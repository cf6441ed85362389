CREATE OR REPLACE VIEW staging.mentions AS
SELECT * FROM raw.mentions;
