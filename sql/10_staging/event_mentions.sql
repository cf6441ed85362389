-- quad_class is TINYINT in the contract; INTEGER avoids surprises in BI tools and Postgres.
CREATE OR REPLACE VIEW staging.event_mentions AS
SELECT * REPLACE (quad_class::INTEGER AS quad_class)
FROM raw.event_mentions;
