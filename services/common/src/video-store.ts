import type { Pool, PoolClient } from 'pg';
import { databaseError, inTransaction, type Queryable } from './database/pool.ts';
import { videoSchema, VIDEO_ID, type Video } from './video.ts';

export type VideoStatus = Video['status'];

/** A page of one owner's library: newest first, after the (createdAt, id) of the previous page's last video. */
export interface VideoPage {
  limit: number;
  after?: { createdAt: string; id: string };
  status?: VideoStatus;
  /** Uploads created at or before this instant have expired: they count as failed, not uploading. */
  expiredBefore: string;
}

/** The control plane's videos, in PostgreSQL (migrations in ./database/migrations). */
export interface VideoStore {
  get(id: string): Promise<Video | undefined>;
  /** Writes a video's whole record, made or replaced. */
  put(video: Video): Promise<void>;
  /** Writes a new video's record; its id must be new. */
  create(video: Video): Promise<void>;
  page(owner: string, page: VideoPage): Promise<Video[]>;
  /** The owner's videos created at or after `since`: what the upload quota counts. */
  createdSince(owner: string, since: string): Promise<Video[]>;
  /** Uploading or processing, oldest first: what the transcoder looks at again after a restart. */
  unfinished(): Promise<Video[]>;
  /**
   * Runs `work` with a store bound to one transaction that holds the owner's
   * lock: checks and writes for one user happen as one step, whichever replica
   * runs them.
   */
  withOwnerLock<T>(owner: string, work: (videos: VideoStore) => Promise<T>): Promise<T>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

const COLUMNS = 'id, owner, title, visibility, allowed_users, status, progress, failure_reason, duration_seconds, renditions, source, created_at, updated_at';

interface Row {
  id: string; owner: string; title: string; visibility: string; allowed_users: string[]; status: string; progress: number;
  failure_reason: string | null; duration_seconds: number | null; renditions: unknown; source: unknown; created_at: Date; updated_at: Date;
}

const toVideo = (row: Row): Video => videoSchema.parse({
  id: row.id,
  owner: row.owner,
  title: row.title,
  visibility: row.visibility,
  allowedUsers: row.allowed_users,
  status: row.status,
  progress: row.progress,
  ...(row.failure_reason === null ? {} : { failureReason: row.failure_reason }),
  ...(row.duration_seconds === null ? {} : { durationSeconds: row.duration_seconds }),
  renditions: row.renditions,
  ...(row.source === null ? {} : { source: row.source }),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

function values(input: Video): unknown[] {
  const v = videoSchema.parse(input);
  return [v.id, v.owner, v.title, v.visibility, v.allowedUsers, v.status, v.progress, v.failureReason ?? null, v.durationSeconds ?? null,
    JSON.stringify(v.renditions), v.source === undefined ? null : JSON.stringify(v.source), v.createdAt, v.updatedAt];
}
const PLACEHOLDERS = Array.from({ length: 13 }, (_, i) => `$${i + 1}`).join(', ');
const UPDATE_ALL = COLUMNS.split(', ').slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ');

/** The status filter of a page ($2 is the expiry instant): an expired upload is failed, whatever its row says. */
const STATUS_FILTER: Record<VideoStatus, string> = {
  uploading: `status = 'uploading' AND created_at > $2::timestamptz`,
  failed: `(status = 'failed' OR (status = 'uploading' AND created_at <= $2::timestamptz))`,
  processing: `status = 'processing' AND $2::timestamptz IS NOT NULL`,
  ready: `status = 'ready' AND $2::timestamptz IS NOT NULL`,
};

type OwnerLock = VideoStore['withOwnerLock'];
const nested: OwnerLock = () => Promise.reject(new Error('withOwnerLock does not nest'));

function storeOn(db: Queryable, withOwnerLock: OwnerLock): VideoStore {
  const rows = async (text: string, params: unknown[]) => {
    try {
      return (await db.query<Row>(text, params)).rows.map(toVideo);
    } catch (err) {
      throw databaseError(err);
    }
  };
  return {
    async get(id) {
      if (!VIDEO_ID.test(id)) return undefined;
      return (await rows(`SELECT ${COLUMNS} FROM videos WHERE id = $1`, [id]))[0];
    },
    async put(video) {
      await rows(`INSERT INTO videos (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO UPDATE SET ${UPDATE_ALL}`, values(video));
    },
    async create(video) {
      await rows(`INSERT INTO videos (${COLUMNS}) VALUES (${PLACEHOLDERS})`, values(video));
    },
    page(owner, { limit, after, status, expiredBefore }) {
      const params: unknown[] = [owner, expiredBefore, limit];
      const cursor = after ? (params.push(after.createdAt, after.id), 'AND (created_at, id COLLATE "C") < ($4::timestamptz, $5::text)') : '';
      return rows(`SELECT ${COLUMNS} FROM videos WHERE owner = $1 AND ${status ? STATUS_FILTER[status] : '$2::timestamptz IS NOT NULL'} ${cursor}
        ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $3`, params);
    },
    createdSince(owner, since) {
      return rows(`SELECT ${COLUMNS} FROM videos WHERE owner = $1 AND created_at >= $2 ORDER BY created_at`, [owner, since]);
    },
    unfinished() {
      return rows(`SELECT ${COLUMNS} FROM videos WHERE status IN ('uploading', 'processing') ORDER BY created_at`, []);
    },
    withOwnerLock,
    async ping() {
      await rows('SELECT 1 FROM videos LIMIT 0', []);
    },
  };
}

export function createVideoStore(pool: Pool): VideoStore {
  const withOwnerLock: OwnerLock = (owner, work) => inTransaction(pool, async (client: PoolClient) => {
    // Two keys (the 32-bit hash of the owner under a constant of ours), so no other advisory lock user collides with it.
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, hashtext($1))`, [owner]);
    return work(storeOn(client, nested));
  });
  return storeOn(pool, withOwnerLock);
}

/** The first key of every advisory lock Vidgate takes on an owner. */
const LOCK_SPACE = 0x76696467; // "vidg"
