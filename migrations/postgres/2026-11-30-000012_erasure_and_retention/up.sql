-- A person erased (on request, or when their district's retention period has passed since
-- their last case closed) keeps the statistical facts and loses every identifier and free text.
ALTER TABLE beneficiaries ADD COLUMN erased_at TIMESTAMP;
-- How long a district keeps a person's data after their last case closed.
ALTER TABLE districts ADD COLUMN retention_years INTEGER NOT NULL DEFAULT 10 CHECK (retention_years BETWEEN 1 AND 100);
