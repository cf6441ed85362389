-- Every mention's offsets lie inside the body and slice it to the mention text.
-- check_documents: the documents in scope (all of them, or those a load replaced).
SELECT m.mention_id, m.doc_id, m.start_char, m.end_char, m.text
FROM raw.mentions AS m
JOIN check_documents USING (doc_id)
JOIN raw.documents AS d USING (doc_id)
WHERE m.start_char < 0
   OR m.end_char > length(d.body)
   OR m.start_char >= m.end_char
   OR substring(d.body, m.start_char + 1, m.end_char - m.start_char) <> m.text;
