-- Question: Who is quoted, in which article, and what did they say?
SELECT
    coalesce(e.name, q.speaker_text, '(unattributed)') AS speaker,
    e.country_iso3 AS speaker_country,
    d.title,
    q.quote
FROM staging.quotations AS q
JOIN staging.documents AS d USING (doc_id)
LEFT JOIN staging.entities AS e
       ON e.doc_id = q.doc_id AND e.entity_id = q.speaker_entity_id
ORDER BY d.title, q.start_char;
