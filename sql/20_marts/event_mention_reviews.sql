-- marts.event_mention_reviews: each reviewed event mention's verdict, the latest over all
-- reviewers (analysts who disagree: the last word counts, and num_reviewers shows there was
-- more than one). A table (event_mention_reviews.toml): the events mart reads it for each
-- event's review status and, with the setting exclude_reviewed_wrong, to leave out mentions
-- reviewed wrong.
SELECT
    r.event_mention_id,
    arg_max(r.event_id, r.reviewed_at) AS event_id,
    arg_max(r.doc_id, r.reviewed_at) AS doc_id,
    arg_max(r.verdict, r.reviewed_at) AS verdict,
    arg_max(r.verdict, r.reviewed_at) = 'right' AS is_right,
    arg_max(r.reviewer, r.reviewed_at) AS reviewer,
    max(r.reviewed_at) AS reviewed_at,
    arg_max(r.event_code, r.reviewed_at) AS event_code,
    arg_max(r.extractor_version, r.reviewed_at) AS extractor_version,
    count(*) AS num_reviewers
FROM staging.reviews AS r
WHERE r.event_mention_id IN (SELECT event_mention_id FROM touched)  -- incremental
GROUP BY r.event_mention_id
ORDER BY r.event_mention_id
