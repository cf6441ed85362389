-- Precision of the event coder as analysts judged it: the share of reviewed event mentions
-- marked right, by CAMEO root, by news source, by extractor version, and overall (the
-- `breakdown` column says which), with a 95% Wilson score interval. Reads each mention's
-- latest verdict (marts.event_mention_reviews). The figure is an honest estimate only over a
-- random sample (`wirehouse review sample`): marks an analyst chose to make lean towards what
-- caught the eye.
WITH judged AS (
    SELECT
        v.verdict,
        left(v.event_code, 2) AS root_code,
        coalesce(v.extractor_version, 'unknown') AS extractor_version,
        coalesce(d.source, nullif(regexp_extract(d.url, '//([^/:]+)', 1), ''), 'unknown')
            AS news_source
    FROM marts.event_mention_reviews AS v
    LEFT JOIN staging.documents AS d USING (doc_id)
),
grouped AS (
    SELECT
        CASE
            WHEN grouping(root_code) = 0 THEN 'cameo_root'
            WHEN grouping(news_source) = 0 THEN 'news_source'
            WHEN grouping(extractor_version) = 0 THEN 'extractor_version'
            ELSE 'overall'
        END AS breakdown,
        root_code,
        news_source,
        extractor_version,
        count(*) AS reviewed,
        count(*) FILTER (WHERE verdict = 'right') AS num_right,
        count(*) FILTER (WHERE verdict = 'wrong_type') AS wrong_type,
        count(*) FILTER (WHERE verdict = 'wrong_source') AS wrong_source,
        count(*) FILTER (WHERE verdict = 'wrong_target') AS wrong_target,
        count(*) FILTER (WHERE verdict = 'not_event') AS not_event
    FROM judged
    GROUP BY GROUPING SETS ((root_code), (news_source), (extractor_version), ())
),
-- Wilson score interval, z = 1.96.
scored AS (
    SELECT *, num_right / reviewed AS p, reviewed AS n, 1.96 AS z FROM grouped
    -- No verdicts, no estimate: an empty sample gives no row (0/0 would be NaN).
    WHERE reviewed > 0
)
SELECT
    s.breakdown,
    s.root_code,
    c.event_name AS root_name,
    s.news_source,
    s.extractor_version,
    s.reviewed,
    s.num_right,
    s.wrong_type,
    s.wrong_source,
    s.wrong_target,
    s.not_event,
    s.p AS review_precision,
    greatest(0.0, (s.p + s.z * s.z / (2 * s.n)
                   - s.z * sqrt(s.p * (1 - s.p) / s.n + s.z * s.z / (4 * s.n * s.n)))
                  / (1 + s.z * s.z / s.n)) AS precision_low,
    least(1.0, (s.p + s.z * s.z / (2 * s.n)
                + s.z * sqrt(s.p * (1 - s.p) / s.n + s.z * s.z / (4 * s.n * s.n)))
               / (1 + s.z * s.z / s.n)) AS precision_high
FROM scored AS s
LEFT JOIN staging.cameo_codes AS c ON c.event_code = s.root_code
ORDER BY s.breakdown, s.root_code, s.news_source, s.extractor_version
