-- The förvaltningar's placements. The whole aggregate is kept in `data` (this is the
-- förvaltning's own record, so it holds the participant's identity); the columns beside it
-- are what the list endpoint filters and sorts on.
CREATE TABLE placements (
    id               uuid PRIMARY KEY,
    registration     bigserial UNIQUE,          -- stable order for keyset pagination
    organisation     text        NOT NULL,
    status           text        NOT NULL,
    placement_type   text        NOT NULL,
    workplace        text        NOT NULL,
    start_date       date        NOT NULL,
    planned_end_date date        NOT NULL,
    end_date         date,
    sequence         integer     NOT NULL,
    data             jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placements_by_organisation ON placements (organisation, registration);

-- What the placement's read endpoint shows as its history: the city-wide events, in order.
CREATE TABLE placement_events (
    placement_id   uuid        NOT NULL REFERENCES placements (id),
    sequence       integer     NOT NULL,
    event_id       uuid        NOT NULL UNIQUE,
    event_type     text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    correlation_id text        NOT NULL,
    payload        jsonb       NOT NULL,
    PRIMARY KEY (placement_id, sequence)
);

-- Idempotency-Key: the first response to a key is kept and replayed for a retry.
CREATE TABLE idempotency_keys (
    organisation  text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    status_code   integer     NOT NULL,
    response      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation, key)
);
