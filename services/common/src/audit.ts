import { isIP } from 'node:net';
import client from 'prom-client';
import type { Pool } from 'pg';
import { verifyChain, type ChainVerdict } from './audit-chain.ts';
import { databaseError, inTransaction } from './database/pool.ts';
import type { Logger } from './logger.ts';

/** What the trail records. Names are <thing>.<what happened>; the table checks the form, this list the vocabulary. */
export const AUDIT_ACTIONS = [
  'playback.granted', 'playback.refused',
  'upload.created', 'upload.completed', 'upload.cancelled', 'upload.expired',
  'transcode.ready', 'transcode.failed',
  'video.changed', 'video.shared', 'video.deleted', 'video.refused',
  'caption.added', 'caption.removed',
  'sign.minted', 'token.refused', 'keys.changed',
  'audit.read', 'audit.pruned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One event as a service records it. Never a token, signature, key or signed URL. */
export interface AuditEvent {
  action: AuditAction;
  /** Who: a token's subject, "anonymous", or "system:<service>" for what a service does by itself. */
  actor: string;
  videoId?: string;
  /** The client's address as the service sees it (express's req.ip). */
  clientIp?: string;
  userAgent?: string;
  detail?: Record<string, unknown>;
}

/** An event as stored: the database set its id, time and hashes (hex). */
export interface StoredAuditEvent {
  id: number;
  at: string;
  action: string;
  actor: string;
  videoId?: string;
  clientIp?: string;
  userAgent?: string;
  detail: Record<string, unknown>;
  prevHash?: string;
  hash: string;
}

export interface AuditQuery {
  actor?: string;
  videoId?: string;
  action?: string;
  /** ISO instants: at or after `from`, before `to`. */
  from?: string;
  to?: string;
  limit: number;
  /** nextCursor of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  /** Newest first. */
  events: StoredAuditEvent[];
  nextCursor?: string;
}

export interface AuditLog {
  /**
   * Appends one event. A failure to write never fails the caller: it is logged
   * and counted (vidgate_audit_write_failures_total) and the result is false,
   * for the few callers that refuse to go on without a record. A caller need not
   * wait for it: the event is written all the same, and this process's queries
   * read it back.
   */
  record(event: AuditEvent): Promise<boolean>;
  /** Appends the event unless the latest one of its action has the same detail (a state, like the key ring); whether it did. */
  recordChange(event: AuditEvent): Promise<boolean>;
  /** Resolves once every event recorded so far is written (or failed): before the pool is closed. */
  flush(): Promise<void>;
  query(query: AuditQuery): Promise<AuditPage>;
  /** Recomputes every hash in the database and checks every link, oldest first. */
  verify(): Promise<ChainVerdict>;
  /** Registered by each service on its own registry. */
  readonly failures: client.Counter<'action'>;
}

const MAX_TEXT = 512;
/** Strings inside the detail: an object key may be 1,024 characters. */
const MAX_DETAIL_TEXT = 2_048;
const MAX_DETAIL = 8_192;
/** PostgreSQL's text and jsonb hold no NUL; a request can carry one (a decoded %00). */
const text = (value: string | undefined, max = MAX_TEXT) => (value === undefined ? null : value.replace(/\u0000/g, '\uFFFD').slice(0, max));
function detailJson(detail: Record<string, unknown> = {}): string {
  const json = JSON.stringify(detail, (_key, value: unknown) => (typeof value === 'string' ? text(value, MAX_DETAIL_TEXT) : value));
  return json.length <= MAX_DETAIL ? json : JSON.stringify({ truncated: true, bytes: json.length });
}
const params = (e: AuditEvent) => [e.action, text(e.actor) || 'anonymous', text(e.videoId), e.clientIp && isIP(e.clientIp) ? e.clientIp : null, text(e.userAgent), detailJson(e.detail)];
/** The most events one statement writes. */
const MAX_BATCH = 500;
/** One INSERT of many events, in the order given (the trigger chains them one by one). */
function insertMany(events: readonly AuditEvent[]): { text: string; values: unknown[] } {
  const values = events.flatMap(params);
  const rows = events.map((_, i) => `(${Array.from({ length: 6 }, (__, j) => `$${i * 6 + j + 1}`).join(', ')})`);
  return { text: `INSERT INTO audit_events (action, actor, video_id, client_ip, user_agent, detail) VALUES ${rows.join(', ')}`, values };
}

const AUDIT_COLUMNS = `id, at, action, actor, video_id, host(client_ip) AS client_ip, user_agent, detail, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash`;
interface AuditRow {
  id: string; at: Date; action: string; actor: string; video_id: string | null; client_ip: string | null; user_agent: string | null;
  detail: Record<string, unknown>; prev_hash: string | null; hash: string;
}
const toStoredEvent = (r: AuditRow): StoredAuditEvent => ({
  id: Number(r.id), at: r.at.toISOString(), action: r.action, actor: r.actor,
  ...(r.video_id === null ? {} : { videoId: r.video_id }),
  ...(r.client_ip === null ? {} : { clientIp: r.client_ip }),
  ...(r.user_agent === null ? {} : { userAgent: r.user_agent }),
  detail: r.detail, ...(r.prev_hash === null ? {} : { prevHash: r.prev_hash }), hash: r.hash,
});

/** The trail in PostgreSQL (migration 20261126010000000_audit.sql): the database chains each row to the one before. */
export function createAuditLog(pool: Pool, options: { logger?: Logger } = {}): AuditLog {
  const failures = new client.Counter({ name: 'vidgate_audit_write_failures_total', help: 'Audit events that could not be written, by action', labelNames: ['action'], registers: [] });
  const failed = (event: AuditEvent, err: unknown) => {
    failures.inc({ action: event.action });
    const { message, code } = err as { message?: string; code?: string };
    options.logger?.error({ err: { message, code }, action: event.action, videoId: event.videoId }, 'audit event not written');
    return false;
  };
  // Group commit: the chain lets one transaction write at a time, each waiting
  // for its commit to reach the disk, which would cap the trail (and every
  // playback that records an event) at one event per flush. Events that arrive
  // while a batch is being written wait for the next one, and each batch is
  // one INSERT and one commit, so throughput grows with the load and an event
  // waits at most about two commits.
  let waiting: { event: AuditEvent; done: (written: boolean) => void }[] = [];
  let writing = false;
  // The latest event's outcome. Batches are written in order, so when it settles every event
  // recorded before it is written (or failed): a query waits for the one of its start, so what
  // this process recorded without waiting (a playback's event) is in what it reads back.
  let latest: Promise<boolean> = Promise.resolve(true);
  async function writeBatches(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      const write = async (events: readonly AuditEvent[]) => {
        const { text, values } = insertMany(events);
        await pool.query(text, values);
      };
      try {
        await write(batch.map((w) => w.event));
        for (const { done } of batch) done(true);
      } catch (err) {
        // One event the database refuses must not take the others with it: each alone, once.
        for (const { event, done } of batch) {
          if (batch.length === 1) done(failed(event, err));
          else done(await write([event]).then(() => true, (alone: unknown) => failed(event, alone)));
        }
      }
    }
    writing = false;
  }
  return {
    failures,
    record(event) {
      latest = new Promise<boolean>((done) => {
        waiting.push({ event, done });
        if (!writing) void writeBatches();
      });
      return latest;
    },
    async recordChange(event) {
      try {
        return await inTransaction(pool, async (c) => {
          // Under the chain's lock, so two replicas starting at once record a change once.
          await c.query('SELECT audit_chain_lock()');
          const last = await c.query<{ same: boolean }>('SELECT detail = $2::jsonb AS same FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1', [event.action, detailJson(event.detail)]);
          if (last.rows[0]?.same) return false;
          const { text, values } = insertMany([event]);
          await c.query(text, values);
          return true;
        });
      } catch (err) {
        return failed(event, err);
      }
    },
    async flush() {
      await latest;
    },
    async query(q) {
      await latest;
      const values: unknown[] = [];
      const where = ['TRUE'];
      const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${values.push(value)}`));
      if (q.actor !== undefined) add('actor = ?', q.actor);
      if (q.videoId !== undefined) add('video_id = ?', q.videoId);
      if (q.action !== undefined) add('action = ?', q.action);
      if (q.from !== undefined) add('at >= ?::timestamptz', q.from);
      if (q.to !== undefined) add('at < ?::timestamptz', q.to);
      if (q.cursor !== undefined) add('id < ?::bigint', q.cursor);
      // One more than the page: whether another follows, without counting.
      const { rows } = await pool.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${values.push(q.limit + 1)}`, values)
        .catch((err: unknown) => Promise.reject(databaseError(err)));
      const events = rows.slice(0, q.limit).map(toStoredEvent);
      return { events, ...(rows.length > q.limit ? { nextCursor: String(events[events.length - 1]!.id) } : {}) };
    },
    verify: () => verifyChain(pool),
  };
}
