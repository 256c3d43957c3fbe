-- Poison isolation (docs/operations.md, "Bad input"): storing a rejected row must never fail
-- because of what the row contains. The raw bytes are kept as bytea (any byte, NUL and
-- invalid UTF-8 included), capped at 4096 bytes by the consumer; raw_length is the length of
-- the original row or message, so a reader can tell an excerpt from the whole.
ALTER TABLE tripstream.rejected_rows
    ALTER COLUMN raw TYPE bytea USING convert_to(raw, 'UTF8');
ALTER TABLE tripstream.rejected_rows ADD COLUMN IF NOT EXISTS raw_length integer;

-- Rejected rows of a job are listed page by page in rejected_id order (keyset pagination).
DROP INDEX IF EXISTS tripstream.rejected_rows_job;
CREATE INDEX IF NOT EXISTS rejected_rows_job_page ON tripstream.rejected_rows (job_id, rejected_id);

-- A consumer that stops on an error records it: state 'failed' and the error text.
-- States: running | stopped | failed.
ALTER TABLE tripstream.consumers ADD COLUMN IF NOT EXISTS error text;
