-- Every mention's offsets lie inside the body and slice it to the mention text.
SELECT m.mention_id, m.doc_id, m.start_char, m.end_char, m.text
FROM checked.mentions AS m
JOIN checked.documents AS d USING (doc_id)
WHERE m.start_char < 0
   OR m.end_char > length(d.body)
   OR m.start_char >= m.end_char
   OR substring(d.body, m.start_char + 1, m.end_char - m.start_char) <> m.text;
