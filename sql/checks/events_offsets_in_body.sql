-- Offsets of event actors and triggers, quotations and amounts lie inside the body, and
-- quotations and amounts slice the body to their text (as mentions do).
WITH spans AS (
    SELECT 'event_mentions.source' AS what, event_mention_id AS id, doc_id,
           source_start_char AS s, source_end_char AS e, NULL AS txt
    FROM checked.event_mentions WHERE source_start_char IS NOT NULL OR source_end_char IS NOT NULL
    UNION ALL
    SELECT 'event_mentions.target', event_mention_id, doc_id, target_start_char,
           target_end_char, NULL
    FROM checked.event_mentions WHERE target_start_char IS NOT NULL OR target_end_char IS NOT NULL
    UNION ALL
    SELECT 'event_mentions.trigger', event_mention_id, doc_id, trigger_start, trigger_end, NULL
    FROM checked.event_mentions WHERE trigger_start IS NOT NULL OR trigger_end IS NOT NULL
    UNION ALL
    SELECT 'quotations', quotation_id, doc_id, start_char, end_char, quote FROM checked.quotations
    UNION ALL
    SELECT 'amounts', amount_id, doc_id, start_char, end_char, text FROM checked.amounts
)
SELECT sp.what, sp.id, sp.doc_id, sp.s AS start_char, sp.e AS end_char, length(d.body) AS body_len
FROM spans AS sp
JOIN checked.documents AS d USING (doc_id)
WHERE sp.s IS NULL OR sp.e IS NULL
   OR sp.s < 0 OR sp.e > length(d.body) OR sp.s >= sp.e
   OR (sp.txt IS NOT NULL AND substring(d.body, sp.s + 1, sp.e - sp.s) <> sp.txt);
