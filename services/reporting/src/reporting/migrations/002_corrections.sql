-- Corrections and withdrawal (issue 10). The projection's shape changes; the rows 001 built
-- were folded without the corrections, so the service empties the projection when it starts
-- on them (see `projection_version`) and replays the stream from the first offset.

-- Which version of the fold built the projection (`reporting.domain.projection.
-- PROJECTION_VERSION`): a service that starts on another empties the projection. Not emptied by
-- a rebuild. Version 1 is the projection as 001 built it.
CREATE TABLE projection_version (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    version     integer     NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_version (version) VALUES (1);

-- `started`: its PlacementStarted was applied; `withdrawn`: PlacementWithdrawn (final);
-- `terms_seq`: the sequence of the terms kept (start or details correction); `counted` (derived):
-- started and not withdrawn, the rows every figure counts.
ALTER TABLE placements
    ADD COLUMN started    boolean NOT NULL DEFAULT false,
    ADD COLUMN withdrawn  boolean NOT NULL DEFAULT false,
    ADD COLUMN terms_seq  integer NOT NULL DEFAULT 0,
    ADD COLUMN counted    boolean NOT NULL DEFAULT false;

DROP INDEX placements_active;
DROP INDEX placements_effective_end;
DROP INDEX placements_ended;
CREATE INDEX placements_active ON placements (start_date, effective_end) WHERE counted;
CREATE INDEX placements_effective_end ON placements (effective_end) WHERE counted;
CREATE INDEX placements_ended ON placements (end_date) WHERE counted AND end_date IS NOT NULL;

-- Each assessment as its latest version says (ModuleAssessed, then AssessmentCorrected by
-- id); `module_progress` is derived from these per placement.
CREATE TABLE assessments (
    placement_id   uuid    NOT NULL,
    assessment_id  uuid    NOT NULL,
    module         text    NOT NULL,
    level          text    NOT NULL,
    level_index    integer NOT NULL,
    assessed_on    date    NOT NULL,
    recorded_seq   integer NOT NULL,
    version_seq    integer NOT NULL,
    PRIMARY KEY (placement_id, assessment_id)
);

-- Mervärde entries by id, each as its latest version says (a correction may change its stage
-- and category); a report counts placements per category.
DROP TABLE value_added;
CREATE TABLE value_added (
    placement_id  uuid    NOT NULL,
    entry_id      uuid    NOT NULL,
    stage         text    NOT NULL,
    beneficiary   text    NOT NULL,
    category      text    NOT NULL,
    version_seq   integer NOT NULL,
    PRIMARY KEY (placement_id, entry_id)
);
