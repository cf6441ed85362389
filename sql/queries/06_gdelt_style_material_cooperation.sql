-- Question: How many material-cooperation events (aid, economic and military cooperation)
-- did each country pair have, as a GDELT user would ask it? This query runs unchanged on a
-- GDELT 2.0 events table.
SELECT Actor1CountryCode, Actor2CountryCode, EventRootCode, count(*) AS events,
       avg(GoldsteinScale) AS avg_goldstein, sum(NumMentions) AS mentions
FROM marts.gdelt_events
WHERE QuadClass = 2 AND Actor1CountryCode IS NOT NULL AND Actor2CountryCode IS NOT NULL
GROUP BY Actor1CountryCode, Actor2CountryCode, EventRootCode
ORDER BY events DESC, Actor1CountryCode, Actor2CountryCode, EventRootCode;
