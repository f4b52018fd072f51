-- A page of a list or search is one audit entry naming the people it showed (in `listed`,
-- bound by the entry's hash) instead of one entry per person. `audit_listed` finds those
-- entries for a person's access log: one row per person and entry.
ALTER TABLE audit_events ADD COLUMN listed TEXT;
CREATE TABLE audit_listed (
    beneficiary_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (beneficiary_id, seq)
) WITHOUT ROWID;
