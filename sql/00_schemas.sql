-- Schemas: raw (loaded from the Arrow contract, created by the loader), ref (reference CSVs),
-- staging (renames and casts only), marts (answers to questions).
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;
