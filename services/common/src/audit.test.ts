import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedDatabase } from '../../../test/support/unit-database-context.ts';
import { pruneAudit } from './audit-chain.ts';
import { createAuditLog, type AuditEvent, type AuditLog } from './audit.ts';
import type { DatabaseConfig } from './config/sections.ts';
import { createPool, type Pool } from './database/pool.ts';
import { createLogger } from './logger.ts';

// Each block has a database of its own (isolatedDatabase): some change rows
// behind the services' back, which would break the chain for every other file.
interface Trail { db: DatabaseConfig; pool: Pool; admin: Pool; audit: AuditLog; drop: () => Promise<void> }

async function trail(): Promise<Trail> {
  const { db, admin, drop } = await isolatedDatabase('audit');
  const pool = createPool(db);
  const adminPool = createPool({ ...db, user: admin.user, password: admin.password });
  return {
    db, pool, admin: adminPool, audit: createAuditLog(pool),
    drop: async () => {
      await Promise.all([pool.end(), adminPool.end()]);
      await drop();
    },
  };
}

const event = (i: number, fields: Partial<AuditEvent> = {}): AuditEvent => ({
  action: 'playback.granted', actor: `user-${i % 3}`, videoId: `video-${i % 5}`, clientIp: '203.0.113.7', userAgent: 'test-agent/1.0', detail: { n: i }, ...fields,
});

/** What an attacker with the superuser's password does: triggers off (session_replication_role), then the change. */
async function asSuperuser(t: Trail, sql: string, values: unknown[] = []): Promise<void> {
  const client = await t.admin.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, values);
  } finally {
    await client.query('RESET session_replication_role');
    client.release();
  }
}

async function recordAll(audit: AuditLog, count: number, fields: Partial<AuditEvent> = {}): Promise<void> {
  for (let i = 0; i < count; i++) expect(await audit.record(event(i, fields))).toBe(true);
}

describe('the chain', () => {
  let t: Trail;
  beforeAll(async () => void (t = await trail()));
  afterAll(() => t.drop());

  it('holds after 400 events written at once by four replicas, in id and time order, each batching what arrives together', async () => {
    // Four processes' logs on pools of their own: writers that really compete for the chain.
    const pools = [t.pool, ...Array.from({ length: 3 }, () => createPool({ ...t.db, poolSize: 2 }))];
    try {
      const logs = pools.map((pool) => createAuditLog(pool));
      const written = await Promise.all(Array.from({ length: 400 }, (_, i) => logs[i % logs.length]!.record(event(i))));
      expect(written.every(Boolean)).toBe(true);
    } finally {
      await Promise.all(pools.slice(1).map((pool) => pool.end()));
    }
    expect(await t.audit.verify()).toMatchObject({ ok: true, count: 400 });
    const { rows } = await t.pool.query<{ id: string; at: Date }>('SELECT id, at FROM audit_events ORDER BY id');
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.at.getTime());
  });

  it("replaces whatever a client sends for the id, the time and the hashes", async () => {
    await t.pool.query(`INSERT INTO audit_events (id, at, action, actor, detail, prev_hash, hash) VALUES (1, '2000-01-01', 'sign.minted', 'mallory', '{}', '\\x00', '\\x00')`);
    const [stored] = (await t.audit.query({ actor: 'mallory', limit: 1 })).events;
    expect(stored!.id).toBeGreaterThan(400);
    expect(Date.now() - Date.parse(stored!.at)).toBeLessThan(60_000);
    expect(stored!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.prevHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.audit.verify()).toMatchObject({ ok: true, count: 401 });
  });

  it.each([
    ['UPDATE', `UPDATE audit_events SET actor = 'nobody'`],
    ['DELETE', 'DELETE FROM audit_events'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
    ['setval', `SELECT setval('audit_events_id_seq', 1)`],
    ['disabling the trigger', 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain'],
    ['replica mode', 'SET session_replication_role = replica'],
  ])("the services' role may not %s", async (_what, sql) => {
    await expect(t.pool.query(sql)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
  });

  it('refuses a change from the superuser too, unless the triggers are turned off first', async () => {
    await expect(t.admin.query(`UPDATE audit_events SET actor = 'nobody' WHERE id = 2`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(t.admin.query('DELETE FROM audit_events WHERE id = 2')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(t.admin.query('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it('refuses writes from a REPEATABLE READ transaction, whose snapshot may be older than the head', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await expect(client.query(`INSERT INTO audit_events (action, actor) VALUES ('sign.minted', 'x')`)).rejects.toThrow(/READ COMMITTED/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('records a state once, and again only when it changes, whoever races to record it', async () => {
    const keys = (activeKid: string): AuditEvent => ({ action: 'keys.changed', actor: 'system:auth', detail: { activeKid, kids: ['a', 'b'] } });
    const first = await Promise.all(Array.from({ length: 5 }, () => t.audit.recordChange(keys('a'))));
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await t.audit.recordChange(keys('a'))).toBe(false);
    expect(await t.audit.recordChange(keys('b'))).toBe(true);
    expect((await t.audit.query({ action: 'keys.changed', limit: 10 })).events.map((e) => e.detail.activeKid)).toEqual(['b', 'a']);
  });
});

describe('queries', () => {
  let t: Trail;
  beforeAll(async () => {
    t = await trail();
    await recordAll(t.audit, 12);
    await t.audit.record({ action: 'token.refused', actor: 'anonymous', clientIp: 'not an address', userAgent: 'nul\u0000byte', detail: { reason: 'token_invalid', text: 'a\u0000b' } });
  });
  afterAll(() => t.drop());

  it('filter by user, video and action, newest first, a page at a time', async () => {
    const first = await t.audit.query({ actor: 'user-1', limit: 2 });
    expect(first.events.map((e) => e.detail.n)).toEqual([10, 7]);
    const second = await t.audit.query({ actor: 'user-1', limit: 2, cursor: first.nextCursor });
    expect(second.events.map((e) => e.detail.n)).toEqual([4, 1]);
    expect(second.nextCursor).toBeUndefined();
    expect((await t.audit.query({ videoId: 'video-2', limit: 10 })).events.map((e) => e.detail.n)).toEqual([7, 2]);
    expect((await t.audit.query({ action: 'token.refused', limit: 10 })).events).toHaveLength(1);
  });

  it('filter by a time range: from inclusive, to exclusive', async () => {
    const all = (await t.audit.query({ limit: 100 })).events;
    const middle = all[5]!;
    const page = await t.audit.query({ from: middle.at, to: new Date(Date.parse(all[0]!.at) + 1).toISOString(), limit: 100 });
    expect(page.events.length).toBeGreaterThanOrEqual(6);
    expect(page.events.every((e) => e.at >= middle.at)).toBe(true);
    expect((await t.audit.query({ to: '2000-01-01T00:00:00Z', limit: 10 })).events).toEqual([]);
  });

  it('return every field as stored; an address that is none and NUL characters are not a reason to lose the event', async () => {
    const [refused] = (await t.audit.query({ action: 'token.refused', limit: 1 })).events;
    expect(refused).toEqual({
      id: 13, at: expect.any(String), action: 'token.refused', actor: 'anonymous', userAgent: 'nul\uFFFDbyte',
      detail: { reason: 'token_invalid', text: 'a\uFFFDb' }, prevHash: expect.stringMatching(/^[0-9a-f]{64}$/), hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [granted] = (await t.audit.query({ action: 'playback.granted', limit: 1 })).events;
    expect(granted).toMatchObject({ actor: 'user-2', videoId: 'video-1', clientIp: '203.0.113.7', userAgent: 'test-agent/1.0', detail: { n: 11 } });
  });
});

describe("events recorded without waiting (a playback's)", () => {
  let t: Trail;
  beforeAll(async () => void (t = await trail()));
  afterAll(() => t.drop());

  it('are read back by a query of the same process, which does not wait for the writes that keep coming after it', async () => {
    // Commits of 20 ms and an event every 5 ms: each commit finds the next batch waiting, for as long as the stream goes on.
    const slowPool = { query: async (...args: Parameters<Pool['query']>) => {
      await new Promise((r) => setTimeout(r, 20));
      return t.pool.query(...args);
    } } as unknown as Pool;
    const audit = createAuditLog(slowPool);
    let producing = true;
    let streamEnded = false;
    const producer = (async () => {
      for (let i = 0; producing && i < 600; i++) {
        void audit.record(event(i, { actor: 'stream' }));
        await new Promise((r) => setTimeout(r, 5));
      }
      streamEnded = true;
    })();
    try {
      await new Promise((r) => setTimeout(r, 200));
      void audit.record(event(0, { actor: 'marker' }));
      const { events } = await audit.query({ actor: 'marker', limit: 5 });
      expect(events.map((e) => e.actor)).toEqual(['marker']);
      expect(streamEnded).toBe(false); // answered while the stream went on (about 3 s)
    } finally {
      producing = false;
      await producer;
      await audit.flush();
    }
  });

  it('are all written once flush resolves, as the services wait for before closing the pool', async () => {
    for (let i = 0; i < 300; i++) void t.audit.record(event(i, { actor: 'flushed' }));
    await t.audit.flush();
    // Read through another log, which has nothing of its own to wait for.
    const other = createAuditLog(t.pool);
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await other.query({ actor: 'flushed', limit: 100, cursor });
      count += page.events.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(count).toBe(300);
  });
});

describe('verify, after a change behind the services\' back', () => {
  /** The verdict on a fresh trail of `count` events after the superuser's `changes`. */
  async function verdictAfter(count: number, ...changes: string[]) {
    const t = await trail();
    try {
      await recordAll(t.audit, count);
      for (const sql of changes) await asSuperuser(t, sql);
      return await t.audit.verify();
    } finally {
      await t.drop();
    }
  }

  it('names exactly the event whose detail the superuser changed', async () => {
    expect(await verdictAfter(30, `UPDATE audit_events SET detail = '{"n": 999}' WHERE id = 17`))
      .toEqual({ ok: false, id: 17, checked: 16, reason: expect.stringMatching(/^event 17 \(playback\.granted\) does not match its hash/) });
  });

  it('names the event after one that was removed from the middle', async () => {
    expect(await verdictAfter(30, 'DELETE FROM audit_events WHERE id = 12'))
      .toEqual({ ok: false, id: 13, checked: 11, reason: expect.stringMatching(/does not follow event 11: an event between them was removed/) });
  });

  it('names the event after one that was changed and given a new hash', async () => {
    expect(await verdictAfter(10, `UPDATE audit_events SET actor = 'someone-else' WHERE id = 4`, 'UPDATE audit_events e SET hash = audit_event_hash(e) WHERE id = 4'))
      .toMatchObject({ ok: false, id: 5, reason: expect.stringMatching(/event 4 was changed and re-hashed/) });
  });
});

describe('prune', () => {
  let t: Trail;
  beforeAll(async () => void (t = await trail()));
  afterAll(() => t.drop());

  it('removes the events before the cutoff, records that it did, and the rest still verifies', async () => {
    await recordAll(t.audit, 20);
    // Clear of both sides: the database's times have microseconds, a Date only milliseconds.
    await new Promise((r) => setTimeout(r, 5));
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await recordAll(t.audit, 10, { actor: 'later' });
    const removedHash = (await t.audit.query({ limit: 1, cursor: '21' })).events[0]!.hash;
    // The services' role cannot prune.
    await expect(pruneAudit(t.pool, { before: cutoff, actor: 'operator', retentionDays: 0 })).rejects.toMatchObject({ code: '42501' });
    expect(await pruneAudit(t.admin, { before: cutoff, actor: 'operator', retentionDays: 0 })).toEqual({ removed: 20, throughId: 20, lastRemovedHash: removedHash });
    expect(await t.audit.verify()).toMatchObject({ ok: true, count: 11 });
    const [pruned] = (await t.audit.query({ action: 'audit.pruned', limit: 1 })).events;
    expect(pruned).toMatchObject({ actor: 'operator', detail: { removed: 20, throughId: 20, lastRemovedHash: removedHash, before: cutoff.toISOString() } });
    expect(await pruneAudit(t.admin, { before: cutoff, actor: 'operator', retentionDays: 0 })).toEqual({ removed: 0 });
  });

  it('never removes the newest event, so the chain goes on from it', async () => {
    const result = await pruneAudit(t.admin, { before: new Date(Date.now() + 60_000), actor: 'operator', retentionDays: 0 });
    expect(result.removed).toBe(10);
    await t.audit.record(event(1));
    expect(await t.audit.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it('finds the oldest events removed some other way than prune', async () => {
    const oldest = (await t.pool.query<{ id: string }>('SELECT min(id) AS id FROM audit_events')).rows[0]!.id;
    await asSuperuser(t, 'DELETE FROM audit_events WHERE id = $1', [oldest]);
    expect(await t.audit.verify()).toMatchObject({ ok: false, id: Number(oldest) + 1, reason: expect.stringMatching(/the oldest, does not follow the last event `vidgate audit prune` removed/) });
  });
});

describe('a failure to write', () => {
  it('is logged and counted, and never thrown at the caller', async () => {
    const unreachable: DatabaseConfig = { host: '127.0.0.1', port: 1, database: 'vidgate', user: 'vidgate', password: 'x'.repeat(16), poolSize: 1 };
    const pool = createPool(unreachable);
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', level: 'error', destination: { write: (line: string) => void lines.push(line) } });
    const audit = createAuditLog(pool, { logger });
    try {
      expect(await audit.record(event(1))).toBe(false);
      expect(await audit.recordChange(event(2, { action: 'keys.changed' }))).toBe(false);
      expect((await audit.failures.get()).values.map((v) => [v.labels.action, v.value])).toEqual([['playback.granted', 1], ['keys.changed', 1]]);
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['audit event not written', 'audit event not written']);
    } finally {
      await pool.end();
    }
  });
});

describe('cost', () => {
  /** Median, p90 and p99 in µs of `n` sequential calls. */
  async function time(n: number, call: (i: number) => Promise<unknown>) {
    const micros: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      await call(i);
      micros.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    micros.sort((a, b) => a - b);
    return [0.5, 0.9, 0.99].map((q) => Math.round(micros[Math.floor(n * q)]!)).join(' / ');
  }

  it('of one event, as a playback writes it, against a round trip and a plain insert (printed for the README)', { timeout: 60_000 }, async () => {
    const t = await trail();
    try {
      // The same row into a table without the chain's trigger and indexes: what the chain adds.
      await t.admin.query('CREATE TABLE plain_events (LIKE audit_events INCLUDING DEFAULTS); GRANT INSERT ON plain_events TO vidgate_service');
      const plain = `INSERT INTO plain_events (id, at, action, actor, video_id, client_ip, user_agent, detail, hash) VALUES ($1, now(), 'playback.granted', 'user-1', 'video-1', '203.0.113.7', 'test-agent/1.0', '{"n": 1}', '\\x00')`;
      await recordAll(t.audit, 50); // warm: connections open
      const roundTrip = await time(1000, () => t.pool.query('SELECT 1'));
      const inserted = await time(1000, (i) => t.pool.query(plain, [i]));
      const recorded = await time(1000, (i) => t.audit.record(event(i)));
      // Ten writers at once: each holds the chain's lock until its commit is on disk, so they take turns.
      const perSecond = async (call: (i: number) => Promise<unknown>) => {
        const started = Date.now();
        await Promise.all(Array.from({ length: 10 }, async (_, w) => { for (let i = 0; i < 100; i++) await call(w * 100 + i); }));
        return Math.round(1000 / ((Date.now() - started) / 1000));
      };
      const plainRate = await perSecond((i) => t.pool.query(plain, [10_000 + i]));
      const recordRate = await perSecond((i) => t.audit.record(event(i)));
      const started = Date.now();
      expect(await t.audit.verify()).toMatchObject({ ok: true, count: 2050 });
      console.log(`µs median / p90 / p99 of 1000 sequential calls: SELECT 1 ${roundTrip}; plain INSERT ${inserted}; audit record() ${recorded}. `
        + `10 writers: plain INSERT ${plainRate}/s, record() ${recordRate}/s; verify of 2050 events ${Date.now() - started} ms`);
    } finally {
      await t.drop();
    }
  });
});
