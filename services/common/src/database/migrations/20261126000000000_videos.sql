-- Up Migration

-- The services' rights, granted to a role of their own; the login role they
-- connect as (VIDGATE_DB_USER) is made a member by the set-up (database/setup.ts).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vidgate_service') THEN
    CREATE ROLE vidgate_service NOLOGIN;
  END IF;
END
$$;

-- One row a video: what was meta.json in the bucket. The bytes stay in MinIO.
CREATE TABLE videos (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  owner text NOT NULL CHECK (owner <> ''),
  title text NOT NULL,
  visibility text NOT NULL CHECK (visibility IN ('public', 'private', 'premium')),
  allowed_users text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('uploading', 'processing', 'ready', 'failed')),
  progress double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  failure_reason text,
  duration_seconds double precision CHECK (duration_seconds >= 0),
  renditions jsonb NOT NULL DEFAULT '[]',
  source jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- A user's library, newest first: a page reads only its own rows.
CREATE INDEX videos_by_owner ON videos (owner, created_at DESC, id COLLATE "C" DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON videos TO vidgate_service;

-- Down Migration
DROP TABLE videos;
