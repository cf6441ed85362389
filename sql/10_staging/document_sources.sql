CREATE OR REPLACE VIEW staging.document_sources AS
SELECT * FROM raw.document_sources;
