-- The reasons the services' dead-letter queues and this projection share are spelt the same
-- (issue 14): `producer_mismatch` becomes `producer-mismatch`, as in the `x-death-reason` header.
UPDATE unusable_events SET reason = 'producer-mismatch' WHERE reason = 'producer_mismatch';
