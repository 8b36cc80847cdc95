-- Every batch moves the aggregates, a replay's too, so that a replay's last events take as
-- long as its first: the one-pass build that a replay used to do at the stream's end made the
-- last tenth of a long replay several times slower than the first. Nothing waits for that
-- build any more, so its flag goes; the service starts on projection version 4, so aggregates
-- that a replay had left unbuilt are emptied and replayed.
ALTER TABLE projection_version DROP COLUMN aggregates_live;
