-- Up Migration

-- The transcode queue every transcoder worker shares (services/transcoder/src/job-store.ts):
-- one row a video whose upload landed. A worker claims a job with a lease it
-- renews while ffmpeg runs; a job whose lease ran out (its worker died) is
-- claimed again, until max_attempts, after which it ends failed.
CREATE TABLE transcode_jobs (
  video_id text PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
  -- The video's owner, copied so that a claim can take owners in turns without a join.
  owner text NOT NULL CHECK (owner <> ''),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  -- Claims so far, the one running included; a worker restart or a graceful stop gives its attempt back.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  -- The worker (host:port#incarnation) that holds the job, or held it last.
  lease_owner text,
  -- One claim: every write of its holder names it, so a worker that lost the job cannot write.
  lease_id uuid,
  lease_expires_at timestamptz,
  -- What went wrong last, for operators (the video's failure_reason is what its uploader reads).
  last_error text,
  -- When the upload's event queued the job (the wait metrics count from here).
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  -- A job retried after a failure waits until then.
  not_before timestamptz NOT NULL DEFAULT now(),
  -- When the latest attempt was claimed: the owner's "last served" for the turns.
  started_at timestamptz,
  finished_at timestamptz,
  CHECK (state <> 'running' OR (lease_owner IS NOT NULL AND lease_id IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- What a claim reads: the jobs waiting, the leases running (per owner, and the
-- next to expire), and each owner's latest claim.
CREATE INDEX transcode_jobs_queued ON transcode_jobs (owner, enqueued_at) WHERE state = 'queued';
CREATE INDEX transcode_jobs_running ON transcode_jobs (owner, lease_expires_at) WHERE state = 'running';
CREATE INDEX transcode_jobs_served ON transcode_jobs (owner, started_at);

-- Workers wait with LISTEN transcode_jobs: a job queued (or queued again) and a
-- job ended (a slot, and maybe a user's turn, freed) wake them.
CREATE FUNCTION transcode_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('transcode_jobs', NEW.state);
  RETURN NULL;
END
$$;
CREATE TRIGGER transcode_jobs_notify AFTER INSERT OR UPDATE OF state ON transcode_jobs
  FOR EACH ROW WHEN (NEW.state <> 'running') EXECUTE FUNCTION transcode_jobs_notify();

-- Before this table the queue lived in the transcoder's memory and was rebuilt
-- at its start from the videos left unfinished: they become jobs here. An
-- upload whose source has not landed yet is skipped when claimed, and queued
-- again by its event.
INSERT INTO transcode_jobs (video_id, owner, enqueued_at)
  SELECT id, owner, updated_at FROM videos WHERE status IN ('uploading', 'processing');

GRANT SELECT, INSERT, UPDATE, DELETE ON transcode_jobs TO vidgate_service;

-- Down Migration
DROP TABLE transcode_jobs;
DROP FUNCTION transcode_jobs_notify();
