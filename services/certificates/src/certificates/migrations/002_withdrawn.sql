-- A withdrawn placement (PlacementWithdrawn, makulering) never gets a certificate again: its
-- state says so, apart from 'issued', which only says that it has had one.
ALTER TABLE placements DROP CONSTRAINT placements_status_check;
ALTER TABLE placements ADD CONSTRAINT placements_status_check
    CHECK (status IN ('open', 'waiting', 'issued', 'withdrawn'));
