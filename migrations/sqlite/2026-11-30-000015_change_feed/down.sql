DROP TABLE changes;
ALTER TABLE audit_head DROP COLUMN change_seq;
