-- The aggregates partitioned by workplace key and span (issue 15): a report of the city, a
-- committee or a förvaltning reads the förvaltningar's totals (workplace '') at year and month
-- spans, a few thousand rows; in one table they lay scattered one to a page among millions of
-- day and workplace rows, so a report's pages grew with the projection. Each part now holds
-- one kind of row: totals or workplaces ('' or any other), each by span. The keys and the
-- statements stay the same; the rows are copied over.
DO $$
DECLARE
    name text;
    part text;
    span text;
BEGIN
    FOREACH name IN ARRAY ARRAY['activity_flows', 'trend_flows', 'ended_flows',
                                'certificate_days', 'value_added_flows', 'progression_flows']
    LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL) PARTITION BY LIST (workplace)',
                       name || '_parted', name);
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L) '
                       'PARTITION BY LIST (span)', name || '_total', name || '_parted', '');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT PARTITION BY LIST (span)',
                       name || '_workplace', name || '_parted');
        FOREACH part IN ARRAY ARRAY['total', 'workplace'] LOOP
            FOREACH span IN ARRAY ARRAY['d', 'm', 'y'] LOOP
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)',
                               name || '_' || part || '_' || span, name || '_' || part, span);
            END LOOP;
        END LOOP;
        EXECUTE format('INSERT INTO %I SELECT * FROM %I', name || '_parted', name);
        EXECUTE format('DROP TABLE %I', name);
        EXECUTE format('ALTER TABLE %I RENAME TO %I', name || '_parted', name);
        EXECUTE format('ALTER INDEX %I RENAME TO %I', name || '_parted_pkey', name || '_pkey');
    END LOOP;
END
$$;
