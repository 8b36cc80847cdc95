-- The credential, the record and CertificateIssued are issued at once; the PDF is rendered
-- after, by the PDF worker (or by the first download), so a rendering backlog never delays a
-- credential. A certificate without its PDF yet has a row here until the PDF is stored.
ALTER TABLE certificates ALTER COLUMN pdf DROP NOT NULL;

CREATE TABLE pdf_backlog (
    certificate_id uuid        PRIMARY KEY REFERENCES certificates,
    queued_at      timestamptz NOT NULL DEFAULT now(),
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text,                               -- why the last rendering failed
    retry_at       timestamptz NOT NULL DEFAULT now()  -- a failed one waits before the next try
);
CREATE INDEX pdf_backlog_due ON pdf_backlog (retry_at);
