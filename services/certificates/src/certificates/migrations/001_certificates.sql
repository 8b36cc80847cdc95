-- One row per placement this service has heard of. Handling an event locks it first, so two
-- events of one placement (competing consumers, prefetch) are applied one after the other.
-- It also says where the placement's certificate stands, for operators.
CREATE TABLE placements (
    placement_id       uuid        PRIMARY KEY,
    organisation       text        NOT NULL,
    status             text        NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'waiting', 'issued')),
    ended_at           timestamptz,            -- when the first PlacementEnded arrived here
    waiting_reason     text,
    missing_sequences  integer[]   NOT NULL DEFAULT '{}',
    certificate_events integer     NOT NULL DEFAULT 0,  -- last CertificateIssued/Revoked sequence
    first_event_at     timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placements_waiting ON placements (ended_at) WHERE status = 'waiting';

-- The city-wide events of each placement, as received: the competence record is folded from
-- them. Two different events can never claim one sequence.
CREATE TABLE placement_events (
    placement_id uuid        NOT NULL REFERENCES placements,
    sequence     integer     NOT NULL,
    event_id     uuid        NOT NULL UNIQUE,
    event_type   text        NOT NULL,
    body         jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (placement_id, sequence)
);

-- Name and personnummer (ParticipantIdentified), read only to build a certificate's record.
CREATE TABLE identities (
    event_id     uuid        PRIMARY KEY,
    placement_id uuid        NOT NULL REFERENCES placements,
    body         jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identities_by_placement ON identities (placement_id);

-- Certificate numbers; a rolled-back issue leaves a gap, which is harmless.
CREATE SEQUENCE certificate_serials;

-- Revocation bits handed out, each at most once. Indices are random within a list (so an index
-- tells nothing about when a certificate was issued); a list is filled to half its size at most,
-- so a random pick rarely collides, and the next list is opened after that.
CREATE SEQUENCE status_list_allocations;
CREATE TABLE status_entries (
    status_list  integer NOT NULL,
    status_index integer NOT NULL,
    PRIMARY KEY (status_list, status_index)
);

CREATE TABLE certificates (
    id                uuid        PRIMARY KEY,
    number            text        NOT NULL UNIQUE,
    placement_id      uuid        NOT NULL REFERENCES placements,
    organisation      text        NOT NULL,
    language          text        NOT NULL CHECK (language IN ('sv', 'en')),
    issued_at         timestamptz NOT NULL,
    revoked_at        timestamptz,
    revocation_reason text,
    supersedes        uuid        UNIQUE REFERENCES certificates (id),
    status_list       integer     NOT NULL,
    status_index      integer     NOT NULL,
    record_sequence   integer     NOT NULL,
    record            jsonb       NOT NULL,  -- what the paper says (a birth date, no personnummer)
    credential        text        NOT NULL,  -- the signed JSON exactly as issued
    pdf               bytea       NOT NULL,
    UNIQUE (status_list, status_index),
    FOREIGN KEY (status_list, status_index) REFERENCES status_entries,
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_by_placement ON certificates (placement_id, issued_at);

-- Whatever the handlers do, a placement never has two current (unrevoked) certificates.
CREATE UNIQUE INDEX one_current_certificate ON certificates (placement_id)
    WHERE revoked_at IS NULL;
