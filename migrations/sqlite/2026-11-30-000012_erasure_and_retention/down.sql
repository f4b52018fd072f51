ALTER TABLE districts DROP COLUMN retention_years;
ALTER TABLE beneficiaries DROP COLUMN erased_at;
