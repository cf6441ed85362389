-- Schemas: raw (loaded from the Arrow contract, created by the loader), ref (reference CSVs),
-- staging (renames and casts only), marts (answers to questions).
CREATE SCHEMA IF NOT EXISTS staging;
-- marts holds nothing but the models below, all rebuilt on every load: dropping it first lets
-- a model change between VIEW and TABLE (CREATE OR REPLACE cannot) with no migration step.
DROP SCHEMA IF EXISTS marts CASCADE;
CREATE SCHEMA marts;
