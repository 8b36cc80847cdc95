-- A withdrawn placement (PlacementWithdrawn, makulering) never gets a certificate again: its
-- state says so, apart from 'issued', which only says that it has had one.
ALTER TABLE placements DROP CONSTRAINT placements_status_check;
ALTER TABLE placements ADD CONSTRAINT placements_status_check
    CHECK (status IN ('open', 'waiting', 'issued', 'withdrawn'));

-- A correction after the certificate can wait for an earlier event long after the end: its
-- wait is measured from when it began, not from the end, or the alert would fire at once.
ALTER TABLE placements ADD COLUMN waiting_since timestamptz;
UPDATE placements SET waiting_since = ended_at WHERE status = 'waiting';
DROP INDEX placements_waiting;
CREATE INDEX placements_waiting ON placements (waiting_since) WHERE status = 'waiting';
