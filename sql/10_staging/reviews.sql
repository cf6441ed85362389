-- Analysts' verdicts as loaded; one row per mention and reviewer (the latest mark).
CREATE OR REPLACE VIEW staging.reviews AS
SELECT * FROM raw.reviews;
