-- Review marks: one per mention and reviewer, with a known verdict (zero rows = pass).
SELECT 'reviews: duplicate key' AS problem, review_id AS key
FROM raw.reviews GROUP BY review_id HAVING count(*) > 1
UNION ALL
SELECT 'reviews: unknown verdict', review_id FROM raw.reviews
WHERE verdict NOT IN ('right', 'wrong_type', 'wrong_source', 'wrong_target', 'not_event')
UNION ALL
SELECT 'reviews: empty key', coalesce(review_id, '') FROM raw.reviews
WHERE coalesce(review_id, '') = '' OR coalesce(event_mention_id, '') = ''
   OR coalesce(reviewer, '') = '';
