-- Each run of the retention job (erasing identity data a period after a placement ended):
-- when, which placements it covered (ended on or before), and what it erased, by kind.
CREATE TABLE retention_runs (
    id                 bigserial   PRIMARY KEY,
    started_at         timestamptz NOT NULL,
    finished_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_on_or_before date        NOT NULL,
    erased             jsonb       NOT NULL,  -- counts by kind, e.g. {"placements": 3}
    trigger            text        NOT NULL   -- 'schedule' or 'command'
);
