-- Up Migration

-- The audit trail (services/common/src/audit.ts): append-only events, each
-- chained to the one before it by a SHA-256 hash that this database computes
-- (a trigger), so no client can forge the chain. The services' role may read
-- and append, never change or remove; removing old events is the admin role's
-- `vidgate audit prune`.
CREATE SEQUENCE audit_events_id_seq AS bigint;

CREATE TABLE audit_events (
  -- Both set by the trigger, after it holds the chain's lock: ids and times follow the chain.
  id bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
  actor text NOT NULL CHECK (actor <> ''),
  video_id text,
  client_ip inet,
  user_agent text,
  detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  -- The previous event's hash; NULL only for the first event ever written.
  prev_hash bytea,
  hash bytea NOT NULL
);
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;

-- What auditors ask: one user's, one video's, one kind of event, a time range.
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
CREATE INDEX audit_events_by_video ON audit_events (video_id, id) WHERE video_id IS NOT NULL;
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_time ON audit_events (at);

-- The text an event's hash covers: every field but the hashes, as one JSON
-- array. jsonb's text form is canonical (keys sorted, one spelling of each
-- value) and the time is whole microseconds since 1970, so no session setting
-- (TimeZone, DateStyle) changes it. The trigger and `verify` both use it.
CREATE FUNCTION audit_event_text(e audit_events) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_array(
    e.id, (extract(epoch FROM e.at) * 1000000)::bigint, e.action, e.actor,
    e.video_id, e.client_ip::text, e.user_agent, e.detail
  )::text
$$;

-- hash = sha256(prev_hash || canonical text): changing any field of an event,
-- or removing one, breaks the link to the next.
CREATE FUNCTION audit_event_hash(e audit_events) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sha256(coalesce(e.prev_hash, ''::bytea) || convert_to(audit_event_text(e), 'UTF8'))
$$;

-- One writer of the chain at a time, until its transaction ends. A single
-- 64-bit key: a space apart from the two-key locks the video store takes.
CREATE FUNCTION audit_chain_lock() RETURNS void
LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock(8532478234726282356)
$$;

-- Whatever a client sends for id, at and the hashes is replaced: the chain is
-- the database's. In READ COMMITTED each statement here sees what committed
-- before the lock was granted, so the row read last is the chain's head; a
-- REPEATABLE READ snapshot could be older than the head, so it is refused.
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit events are written in READ COMMITTED transactions only';
  END IF;
  PERFORM audit_chain_lock();
  NEW.id := nextval('audit_events_id_seq');
  NEW.at := clock_timestamp();
  NEW.detail := coalesce(NEW.detail, '{}');
  NEW.prev_hash := (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
  NEW.hash := audit_event_hash(NEW);
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- The services' role has no UPDATE, DELETE or TRUNCATE. These triggers stop the
-- owner and superusers too, unless they mean it: `vidgate audit prune` sets
-- vidgate.audit_prune in its transaction; anything else has to disable the
-- triggers first, and `vidgate audit verify` then names what changed.
CREATE FUNCTION audit_events_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('vidgate.audit_prune', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused (old events are removed with vidgate audit prune)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();

REVOKE ALL ON audit_events FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events TO vidgate_service;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO vidgate_service;

-- Down Migration
DROP FUNCTION audit_event_hash(audit_events);
DROP FUNCTION audit_event_text(audit_events);
DROP TABLE audit_events;
DROP FUNCTION audit_events_immutable();
DROP FUNCTION audit_events_chain();
DROP FUNCTION audit_chain_lock();
