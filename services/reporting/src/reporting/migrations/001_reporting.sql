-- The reporting service's own database. It holds no names and no personnummer: only what the
-- statistics need (no participant reference, no free text from the events).

-- Reference data: kept across rebuilds, changed through the API --------------------------------

-- The organisation register (committees and their förvaltningar), one validated document.
CREATE TABLE organisation_register (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    document    jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The fördelningsmodell: placements each committee is to deliver in a calendar year.
CREATE TABLE targets (
    year        integer     NOT NULL,
    committee   text        NOT NULL,
    placements  integer     NOT NULL CHECK (placements >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, committee)
);

-- Which reference files were loaded, once: later changes come through the API and a restart
-- must not overwrite them with the files again.
CREATE TABLE reference_loaded (
    what       text        PRIMARY KEY,
    source     text        NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

-- Projection: emptied by a rebuild, refilled from the stream -------------------------------------

-- One row per placement; the columns after `ended_seq` are derived by the domain when the row
-- changes, so that a report is filters and counts.
CREATE TABLE placements (
    placement_id          uuid    PRIMARY KEY,
    organisation          text,
    placement_type        text,
    gender                text,
    age_band              text,
    employment_rate       integer,
    start_date            date,
    planned_end_date      date,
    planned_end_seq       integer NOT NULL DEFAULT 0,
    end_date              date,
    outcome               text,
    ended_seq             integer NOT NULL DEFAULT 0,
    effective_end         date,
    duration_bucket       text,
    certified             boolean NOT NULL DEFAULT false,
    first_certificate_on  date,
    days_to_certificate   integer
);
CREATE INDEX placements_active ON placements (start_date, effective_end)
    WHERE start_date IS NOT NULL;
CREATE INDEX placements_effective_end ON placements (effective_end)
    WHERE start_date IS NOT NULL;
CREATE INDEX placements_ended ON placements (end_date)
    WHERE start_date IS NOT NULL AND end_date IS NOT NULL;

CREATE TABLE certificates (
    certificate_id  uuid    PRIMARY KEY,
    placement_id    uuid    NOT NULL,
    issued_on       date,
    revoked         boolean NOT NULL DEFAULT false,
    superseded_by   uuid
);
CREATE INDEX certificates_by_placement ON certificates (placement_id);

-- First and last assessment per placement and module, and the progression between them.
CREATE TABLE module_progress (
    placement_id  uuid    NOT NULL,
    module        text    NOT NULL,
    assessments   integer NOT NULL,
    first_on      date    NOT NULL,
    first_seq     integer NOT NULL,
    first_level   text    NOT NULL,
    first_index   integer NOT NULL,
    last_on       date    NOT NULL,
    last_seq      integer NOT NULL,
    last_level    text    NOT NULL,
    last_index    integer NOT NULL,
    progression   text    NOT NULL,
    PRIMARY KEY (placement_id, module)
);

-- Mervärde categories per placement, planned and realised (a set: recorded once each).
CREATE TABLE value_added (
    placement_id  uuid NOT NULL,
    stage         text NOT NULL,
    beneficiary   text NOT NULL,
    category      text NOT NULL,
    PRIMARY KEY (placement_id, stage, beneficiary, category)
);

-- Idempotency: every event applied, by event_id (the outbox delivers at least once).
CREATE TABLE applied_events (
    event_id  uuid PRIMARY KEY
);

-- Messages the projection could not use: why, and where in the stream they are. Their bodies
-- are not kept (they may carry anything); the stream still has them at `stream_offset`.
CREATE TABLE unusable_events (
    stream_offset  bigint      PRIMARY KEY,
    routing_key    text        NOT NULL,
    reason         text        NOT NULL,
    detail         text        NOT NULL,
    event_id       uuid,
    event_type     text,
    producer       text,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

-- The last stream offset applied, committed with the projection rows it produced.
CREATE TABLE stream_position (
    stream       text        PRIMARY KEY,
    last_offset  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
