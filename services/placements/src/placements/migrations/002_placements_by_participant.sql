-- One person's placements with a förvaltning, found by the keyed pseudonym the aggregate
-- already holds (no personnummer index): the duplicate-registration check and the person
-- search. The expression matches the adapter's `data->>'participant_ref'`.
CREATE INDEX placements_by_participant
    ON placements (organisation, (data->>'participant_ref'), registration);
