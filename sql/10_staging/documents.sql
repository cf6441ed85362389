-- Staging: one view per raw table, renames and casts only, so marts never read raw directly
-- and a contract change is absorbed in one place. `* REPLACE` keeps columns added to the
-- contract flowing through without editing this file (schema evolution needs no SQL change).
CREATE OR REPLACE VIEW staging.documents AS
SELECT *, published_at::DATE AS published_date
FROM raw.documents;
