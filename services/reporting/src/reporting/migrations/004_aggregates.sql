-- Aggregates at the grain the report's figures need (issue 15): a report reads days ×
-- dimensions, never placements. `reporting.domain.aggregates` says what each placement
-- contributes; a batch adds each changed placement's new contribution less its old one, in the
-- batch's transaction. Every fact is counted at three spans (`d` day, `m` month, `y` year, the
-- bucket being the span's first day) and under its workplace and under the förvaltning's total
-- (workplace ''), so a sum over any period reads a bounded number of rows. The service starts
-- on projection version 3, so what an older version built is emptied and replayed.

ALTER TABLE placements ADD COLUMN workplace text;

-- Starts (`start`), effective ends (`end`) and actual ends (`ended`) with Σ employment rate
-- and Σ rate × day (the day's ordinal), from which active counts and rate-days follow.
CREATE TABLE activity_flows (
    organisation    text    NOT NULL,
    workplace       text    NOT NULL,
    span            text    NOT NULL,
    bucket          date    NOT NULL,
    series          text    NOT NULL,
    placement_type  text    NOT NULL,
    gender          text    NOT NULL,
    age_band        text    NOT NULL,
    n               bigint  NOT NULL,
    rate            bigint  NOT NULL,
    rate_day        bigint  NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, series, placement_type, gender, age_band)
);

-- The same three series by förvaltning only: the month-by-month trend reads these, not every
-- combination of dimensions.
CREATE TABLE trend_flows (
    organisation  text    NOT NULL,
    workplace     text    NOT NULL,
    span          text    NOT NULL,
    bucket        date    NOT NULL,
    series        text    NOT NULL,
    n             bigint  NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, series)
);

-- Placements by the day they ended, with what the outcome, duration and coverage figures need.
CREATE TABLE ended_flows (
    organisation     text     NOT NULL,
    workplace        text     NOT NULL,
    span             text     NOT NULL,
    bucket           date     NOT NULL,
    outcome          text     NOT NULL,
    gender           text     NOT NULL,
    age_band         text     NOT NULL,
    duration_bucket  text     NOT NULL,
    certified        boolean  NOT NULL,
    n                bigint   NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, outcome, gender, age_band,
                 duration_bucket, certified)
);

-- Certified placements by the day they ended and the days from the end to the certificate.
CREATE TABLE certificate_days (
    organisation  text     NOT NULL,
    workplace     text     NOT NULL,
    span          text     NOT NULL,
    bucket        date     NOT NULL,
    days          integer  NOT NULL,
    n             bigint   NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, days)
);

-- Placements with a mervärde category (once per placement), by start and effective end.
CREATE TABLE value_added_flows (
    organisation  text    NOT NULL,
    workplace     text    NOT NULL,
    span          text    NOT NULL,
    bucket        date    NOT NULL,
    series        text    NOT NULL,
    stage         text    NOT NULL,
    beneficiary   text    NOT NULL,
    category      text    NOT NULL,
    n             bigint  NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, series, stage, beneficiary, category)
);

-- Module progression of ended placements, by the day they ended.
CREATE TABLE progression_flows (
    organisation  text    NOT NULL,
    workplace     text    NOT NULL,
    span          text    NOT NULL,
    bucket        date    NOT NULL,
    module        text    NOT NULL,
    progression   text    NOT NULL,
    n             bigint  NOT NULL,
    PRIMARY KEY (workplace, span, bucket, organisation, module, progression)
);

-- The per-placement indexes served the old queries over placements; the aggregates replace them.
DROP INDEX placements_active;
DROP INDEX placements_effective_end;
DROP INDEX placements_ended;

-- While a replay fills an emptied projection, batches leave the aggregates alone; the batch
-- that reaches the end of the stream builds them from the placements in one pass (and sets
-- this), in its own transaction. Emptying the projection clears it.
ALTER TABLE projection_version ADD COLUMN aggregates_live boolean NOT NULL DEFAULT false;
