-- Corrections name an assessment or a mervärde entry by id (contracts.events.assessment_id and
-- value_added_entries), so placements stored before corrections existed get those ids here,
-- from the history: the n-th assessment is the n-th ModuleAssessed; the mervärde entries are
-- the planned ones of PlacementStarted (uuid5 of its event_id and "planned_value_added/<i>",
-- as the contract derives them), then each ValueAddedRecorded. A left join: an entry that
-- found no id stays without one and fails loudly on load rather than vanishing. The uuid5
-- needs the uuid-ossp extension (trusted: the database's owner may create it), and only where
-- there are stored entries to number: a new database does without.
UPDATE placements p
   SET data = jsonb_set(p.data, '{assessments}', (
       SELECT jsonb_agg(a.value || jsonb_build_object('id', e.event_id) ORDER BY a.position)
         FROM jsonb_array_elements(p.data->'assessments') WITH ORDINALITY AS a(value, position)
         LEFT JOIN (SELECT event_id, row_number() OVER (ORDER BY sequence) AS position
                      FROM placement_events
                     WHERE placement_id = p.id AND event_type = 'ModuleAssessed') e
              USING (position)))
 WHERE jsonb_array_length(p.data->'assessments') > 0;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM placements WHERE jsonb_array_length(data->'value_added') > 0) THEN
        CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
        UPDATE placements p
           SET data = jsonb_set(p.data, '{value_added}', (
               SELECT jsonb_agg(v.value || jsonb_build_object('id', ids.id) ORDER BY v.position)
                 FROM jsonb_array_elements(p.data->'value_added') WITH ORDINALITY AS v(value, position)
                 LEFT JOIN (
                      SELECT row_number() OVER (ORDER BY e.sequence, entry.index) AS position,
                             CASE WHEN e.event_type = 'ValueAddedRecorded' THEN e.event_id
                                  ELSE uuid_generate_v5(
                                      e.event_id, 'planned_value_added/' || (entry.index - 1))
                             END AS id
                        FROM placement_events e
                       CROSS JOIN LATERAL jsonb_array_elements(
                                 CASE WHEN e.event_type = 'PlacementStarted'
                                      THEN e.payload->'planned_value_added'
                                      ELSE '[null]'::jsonb END
                             ) WITH ORDINALITY AS entry(value, index)
                       WHERE e.placement_id = p.id
                         AND e.event_type IN ('PlacementStarted', 'ValueAddedRecorded')) ids
                      USING (position)))
         WHERE jsonb_array_length(p.data->'value_added') > 0;
    END IF;
END
$$;
