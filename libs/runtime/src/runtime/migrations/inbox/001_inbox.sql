-- Events a consumer has applied, recorded in the same transaction as the effect,
-- so a redelivered or duplicated event is recognised and changes nothing.
CREATE TABLE inbox (
    consumer    text        NOT NULL,
    event_id    uuid        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
