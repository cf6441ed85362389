-- Schemas: raw (loaded from the Arrow contract, created by the loader), ref (reference CSVs),
-- staging (renames and casts only), marts (answers to questions, built from sql/20_marts by
-- wirehouse/warehouse/marts.py: kept from load to load, only the rows a load touches change).
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;
