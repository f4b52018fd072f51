-- One row, written by `/ready` while the storage is at a fault that can mend by itself (a full
-- disk, a read-only database): a write that succeeds ends the episode. A load balancer stops
-- sending requests to an instance whose `/ready` answers 503, so no request's write would.
CREATE TABLE storage_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at TIMESTAMP NOT NULL
);
