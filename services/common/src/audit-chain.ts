import type { Pool } from 'pg';
import { inTransaction } from './database/pool.ts';

/**
 * Checking and shortening the audit trail's hash chain. Both recompute nothing
 * in JavaScript: the hash is the database's audit_event_hash (the migration),
 * the one function the insert trigger uses.
 */
export type ChainVerdict =
  | { ok: true; count: number; head?: { id: number; hash: string } }
  | { ok: false; id: number; reason: string; checked: number };

const BATCH = 10_000;

interface Link { id: string; action: string; prev_hash: Buffer | null; hash: Buffer; sound: boolean }

const same = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));

/** The hash the oldest event must follow: the last one `prune` removed, or none when nothing ever was. */
async function expectedStart(db: Pick<Pool, 'query'>): Promise<Buffer | null> {
  const { rows } = await db.query<{ hash: string | null }>(`SELECT detail->>'lastRemovedHash' AS hash FROM audit_events WHERE action = 'audit.pruned' ORDER BY id DESC LIMIT 1`);
  const hex = rows[0]?.hash;
  return typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

/**
 * Walks the chain oldest first, in one snapshot (a prune or new events during
 * the walk change nothing it sees), and names the first event that does not
 * hold: its fields no longer give its hash (it was changed), or its prev_hash is
 * not the hash of the event before it (an event was removed, or changed and
 * re-hashed). Only SELECT is needed: the services' role verifies.
 */
export function verifyChain(pool: Pool): Promise<ChainVerdict> {
  return inTransaction(pool, async (c) => {
    await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    let previous: { id: string; hash: Buffer | null } = { id: '', hash: await expectedStart(c) };
    let checked = 0;
    for (;;) {
      const { rows } = await c.query<Link>(`SELECT e.id, e.action, e.prev_hash, e.hash, audit_event_hash(e) = e.hash AS sound
        FROM audit_events e WHERE e.id > $1::bigint ORDER BY e.id LIMIT $2`, [previous.id || '0', BATCH]);
      for (const row of rows) {
        const broken = (reason: string): ChainVerdict => ({ ok: false, id: Number(row.id), reason, checked });
        if (!row.sound) return broken(`event ${row.id} (${row.action}) does not match its hash: it was changed after it was written`);
        if (!same(row.prev_hash, previous.hash)) {
          return broken(checked === 0
            ? `event ${row.id} (${row.action}), the oldest, does not follow the last event \`vidgate audit prune\` removed: older events were removed another way, or it was changed`
            : `event ${row.id} (${row.action}) does not follow event ${previous.id}: an event between them was removed, or event ${previous.id} was changed and re-hashed`);
        }
        previous = { id: row.id, hash: row.hash };
        checked += 1;
      }
      if (rows.length < BATCH) break;
    }
    return { ok: true, count: checked, ...(previous.id ? { head: { id: Number(previous.id), hash: previous.hash!.toString('hex') } } : {}) };
  });
}

export interface PruneResult {
  removed: number;
  /** The newest event removed, whose hash the oldest remaining one follows. */
  throughId?: number;
  lastRemovedHash?: string;
}

/**
 * Removes the events older than `before`, as the admin role (the services'
 * role may not delete): a prefix of the chain, never its newest event, in one
 * transaction that also appends an `audit.pruned` event naming the last hash
 * removed, which `verify` then expects the oldest remaining event to follow.
 */
export function pruneAudit(adminPool: Pool, options: { before: Date; actor: string; retentionDays: number }): Promise<PruneResult> {
  return inTransaction(adminPool, async (c) => {
    await c.query(`SET LOCAL vidgate.audit_prune = 'on'`);
    const { rows } = await c.query<{ id: string; hash: string }>(`SELECT id, encode(hash, 'hex') AS hash FROM audit_events
      WHERE at < $1 AND id < (SELECT max(id) FROM audit_events) ORDER BY id DESC LIMIT 1`, [options.before]);
    const last = rows[0];
    if (!last) return { removed: 0 };
    let removed = 0;
    // In batches, so no one statement outlasts the pool's statement timeout.
    for (let batch = BATCH; batch === BATCH;) {
      batch = (await c.query('DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE id <= $1 ORDER BY id LIMIT $2)', [last.id, BATCH])).rowCount ?? 0;
      removed += batch;
    }
    const detail = { before: options.before.toISOString(), retentionDays: options.retentionDays, removed, throughId: Number(last.id), lastRemovedHash: last.hash };
    await c.query(`INSERT INTO audit_events (action, actor, detail) VALUES ('audit.pruned', $1, $2)`, [options.actor, JSON.stringify(detail)]);
    return { removed, throughId: Number(last.id), lastRemovedHash: last.hash };
  });
}
