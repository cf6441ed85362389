-- Review marks: a known verdict and no empty key (zero rows = pass). One mark per mention and
-- reviewer: the contract's key check on review_id. Reads the marks under test (checked.reviews:
-- a load's, or every mark in maintenance).
SELECT 'reviews: unknown verdict' AS problem, review_id AS key FROM checked.reviews
WHERE verdict NOT IN ('right', 'wrong_type', 'wrong_source', 'wrong_target', 'not_event')
UNION ALL
SELECT 'reviews: empty key', coalesce(review_id, '') FROM checked.reviews
WHERE coalesce(review_id, '') = '' OR coalesce(event_mention_id, '') = ''
   OR coalesce(reviewer, '') = '';
