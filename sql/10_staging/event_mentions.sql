-- What counts as one distinct event is decided here (event_id of this view; the coder's own
-- id is kept as coder_event_id). Mentions that name a resolved source actor (an entity or a
-- CAMEO code) and carry a date merge into one event when the coder gave them one id: the same
-- source, target, CAMEO code and date, in one sentence or in many documents. A mention
-- without a resolved source or without a date is an event of its own document only
-- ("<coder id>@<doc_id>"): nothing says two such reports in two documents are one act.
-- has_actor is false when a mention names neither a source nor a target: it stays in
-- raw.event_mentions but is no event in the marts.
-- quad_class is TINYINT in the contract; INTEGER avoids surprises in BI tools and Postgres.
CREATE OR REPLACE VIEW staging.event_mentions AS
SELECT
    * REPLACE (
        CASE
            WHEN coalesce(source_entity_id, source_code) IS NOT NULL
                 AND event_date IS NOT NULL THEN event_id
            ELSE event_id || '@' || doc_id
        END AS event_id,
        quad_class::INTEGER AS quad_class),
    event_id AS coder_event_id,
    coalesce(source_entity_id, source_code, source_text,
             target_entity_id, target_code, target_text) IS NOT NULL AS has_actor
FROM raw.event_mentions;
