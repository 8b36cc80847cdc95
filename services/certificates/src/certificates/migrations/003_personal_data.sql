-- Personal data under control: the register extract finds a person's identities by
-- personnummer; the retention job erases a placement's identities, its certificates' PDFs
-- (which print the name) and the names in their records, and says when it did.
-- (The contract allows the personnummer with or without its hyphen: found by its digits.)
CREATE INDEX identities_by_personnummer
    ON identities ((replace(body->'payload'->>'personnummer', '-', '')));
ALTER TABLE certificates ALTER COLUMN pdf DROP NOT NULL;
ALTER TABLE placements ADD COLUMN identity_erased_on date;
