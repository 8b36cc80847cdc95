-- Who read a participant's identity data: one row per read (a placement, a list or search
-- page, a certificate PDF, a register extract). It names placements, never the person.
CREATE TABLE access_log (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    who            text        NOT NULL,  -- the signed-in user, or the static token's subject
    role           text        NOT NULL,
    organisation   text,                  -- the caller's förvaltning; null for city-wide roles
    action         text        NOT NULL,  -- the route, e.g. 'GET /placements/{placement_id}'
    owners         text[]      NOT NULL,  -- the förvaltningar whose placements were read
    placement_ids  uuid[]      NOT NULL,
    correlation_id text        NOT NULL
);
CREATE INDEX access_log_by_owner ON access_log USING gin (owners);
CREATE INDEX access_log_by_reader ON access_log (organisation, id);
CREATE INDEX access_log_by_placement ON access_log USING gin (placement_ids);
CREATE INDEX access_log_by_time ON access_log (at);

-- Append-only in the database itself, for every role including the service's own: a read
-- once logged cannot be changed or forgotten, whatever a bug or an intruder in the service does.
CREATE FUNCTION access_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_is_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_is_append_only();
