-- People, not cases: the people whose figures the per-day tallies cannot add up (more than
-- one case, or a case taken in charge again) are counted one by one at each report, and left
-- out of the people figures of the tallies. Cases opened are tallied apart.
CREATE TABLE report_recounted_people (
    beneficiary_id TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO report_recounted_people (beneficiary_id)
SELECT beneficiary_id FROM cases GROUP BY beneficiary_id HAVING COUNT(*) > 1
UNION
SELECT cases.beneficiary_id FROM case_events JOIN cases ON cases.id = case_events.case_id
WHERE case_events.from_status = 'closed' AND case_events.to_status = 'taken_in_charge';

-- The time zone whose calendar days the tallies count (they counted UTC days before); a
-- different setting at start-up recounts them all.
ALTER TABLE report_tally_state ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
UPDATE report_tally_state SET full_rebuild = 1;
