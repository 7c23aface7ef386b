import type { Pool, PoolClient } from 'pg';
import { databaseError, inTransaction, type Queryable } from './database/pool.ts';
import { captionSchema, videoSchema, VIDEO_ID, type Caption, type Video, type VideoInput } from './video.ts';

export type VideoStatus = Video['status'];

/** Whose videos a page lists: one owner's, those shared with a user (by name or group), or all of them. */
export type VideoScope = { owner: string } | { sharedWith: { user: string; groups: readonly string[] } } | { all: true };

/** A page of a library: newest first, after the (createdAt, id) of the previous page's last video. */
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
  put(video: VideoInput): Promise<void>;
  /** Writes a new video's record; its id must be new. */
  create(video: VideoInput): Promise<void>;
  /** Changes some fields of a video and nothing else (a concurrent change to other fields is kept); the video as it now is, or undefined if there is none. */
  patch(id: string, changes: VideoChanges): Promise<Video | undefined>;
  /** Removes a video's record; whether there was one. */
  remove(id: string): Promise<boolean>;
  page(scope: VideoScope, page: VideoPage): Promise<Video[]>;
  /** The owner's videos created at or after `since`: what the upload quota counts. */
  createdSince(owner: string, since: string): Promise<Video[]>;
  /**
   * Runs `work` with a store bound to one transaction that holds the owner's
   * lock: checks and writes for one user happen as one step, whichever replica
   * runs them.
   */
  withOwnerLock<T>(owner: string, work: (videos: VideoStore) => Promise<T>): Promise<T>;
  /** Adds a caption, replacing the one of its language; the video as it now is and the caption replaced, or undefined if there is no video. */
  setCaption(id: string, caption: Caption): Promise<CaptionChange | undefined>;
  /** Removes the caption of a language (none is fine); the video as it now is and the caption removed, or undefined if there is no video. */
  removeCaption(id: string, language: string, updatedAt: string): Promise<CaptionChange | undefined>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

/** A caption change, and the caption of that language it replaced or removed (read in the same statement, under the row's lock). */
export interface CaptionChange {
  video: Video;
  previous?: Caption;
}

const COLUMNS = 'id, owner, title, description, visibility, allowed_users, allowed_groups, status, progress, failure_reason, duration_seconds, renditions, source, created_at, updated_at, has_storyboard';
/** What is read: captions too, which only setCaption and removeCaption write (a whole-record put keeps them). */
const READ = `${COLUMNS}, captions`;

/** The fields an owner changes (PATCH /v1/videos/:id), and when. */
export type VideoChanges = Partial<Pick<Video, 'title' | 'description' | 'visibility' | 'allowedUsers' | 'allowedGroups'>> & { updatedAt: string };
const CHANGE_COLUMNS = { title: 'title', description: 'description', visibility: 'visibility', allowedUsers: 'allowed_users', allowedGroups: 'allowed_groups', updatedAt: 'updated_at' } as const;

interface Row {
  id: string; owner: string; title: string; description: string; visibility: string; allowed_users: string[]; allowed_groups: string[]; status: string; progress: number;
  failure_reason: string | null; duration_seconds: number | null; renditions: unknown; source: unknown; captions: unknown; created_at: Date; updated_at: Date;
  has_storyboard: boolean;
}

const toVideo = (row: Row): Video => videoSchema.parse({
  id: row.id,
  owner: row.owner,
  title: row.title,
  description: row.description,
  visibility: row.visibility,
  allowedUsers: row.allowed_users,
  allowedGroups: row.allowed_groups,
  status: row.status,
  progress: row.progress,
  ...(row.failure_reason === null ? {} : { failureReason: row.failure_reason }),
  ...(row.duration_seconds === null ? {} : { durationSeconds: row.duration_seconds }),
  renditions: row.renditions,
  ...(row.source === null ? {} : { source: row.source }),
  captions: row.captions,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  ...(row.has_storyboard ? { hasStoryboard: true } : {}),
});

function values(input: VideoInput): unknown[] {
  const v = videoSchema.parse(input);
  return [v.id, v.owner, v.title, v.description, v.visibility, v.allowedUsers, v.allowedGroups, v.status, v.progress, v.failureReason ?? null, v.durationSeconds ?? null,
    JSON.stringify(v.renditions), v.source === undefined ? null : JSON.stringify(v.source), v.createdAt, v.updatedAt, v.hasStoryboard ?? false];
}
const PLACEHOLDERS = Array.from({ length: COLUMNS.split(', ').length }, (_, i) => `$${i + 1}`).join(', ');
const UPDATE_ALL = COLUMNS.split(', ').slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ');

/** The status filter of a page ($1 is the expiry instant): an expired upload is failed, whatever its row says. */
const STATUS_FILTER: Record<VideoStatus, string> = {
  uploading: `status = 'uploading' AND created_at > $1::timestamptz`,
  failed: `(status = 'failed' OR (status = 'uploading' AND created_at <= $1::timestamptz))`,
  processing: `status = 'processing' AND $1::timestamptz IS NOT NULL`,
  ready: `status = 'ready' AND $1::timestamptz IS NOT NULL`,
};

type OwnerLock = VideoStore['withOwnerLock'];
const nested: OwnerLock = () => Promise.reject(new Error('withOwnerLock does not nest'));

function storeOn(db: Queryable, withOwnerLock: OwnerLock): VideoStore {
  const query = async <R extends object>(text: string, params: unknown[]): Promise<R[]> => {
    try {
      return (await db.query<R>(text, params)).rows;
    } catch (err) {
      throw databaseError(err);
    }
  };
  const rows = async (text: string, params: unknown[]) => (await query<Row>(text, params)).map(toVideo);
  /**
   * Runs a caption UPDATE of the video $1 (the SET clause and on) whose second
   * parameter is the language: the row is locked first, so the caption of that
   * language it had is the one this statement replaced or removed.
   */
  const captionChange = async (update: string, params: unknown[]): Promise<CaptionChange | undefined> => {
    const [row] = await query<Row & { previous: unknown }>(`${update}
        FROM (SELECT captions AS locked_captions FROM videos WHERE id = $1 FOR UPDATE) old WHERE videos.id = $1
        RETURNING ${READ}, (SELECT c FROM jsonb_array_elements(old.locked_captions) c WHERE c->>'language' = $2) AS previous`, params);
    if (!row) return undefined;
    const video = toVideo(row);
    const previous = row.previous === null ? undefined : captionSchema.parse(row.previous);
    return previous ? { video, previous } : { video };
  };
  return {
    async get(id) {
      if (!VIDEO_ID.test(id)) return undefined;
      return (await rows(`SELECT ${READ} FROM videos WHERE id = $1`, [id]))[0];
    },
    async put(video) {
      await rows(`INSERT INTO videos (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO UPDATE SET ${UPDATE_ALL}`, values(video));
    },
    async create(video) {
      await rows(`INSERT INTO videos (${COLUMNS}) VALUES (${PLACEHOLDERS})`, values(video));
    },
    async patch(id, changes) {
      const fields = Object.entries(changes).filter(([, value]) => value !== undefined) as [keyof VideoChanges, unknown][];
      const set = fields.map(([field], i) => `${CHANGE_COLUMNS[field]} = $${i + 2}`).join(', ');
      return (await rows(`UPDATE videos SET ${set} WHERE id = $1 RETURNING ${READ}`, [id, ...fields.map(([, value]) => value)]))[0];
    },
    async remove(id) {
      return (await rows(`DELETE FROM videos WHERE id = $1 RETURNING ${READ}`, [id])).length > 0;
    },
    page(scope, { limit, after, status, expiredBefore }) {
      const params: unknown[] = [expiredBefore, limit];
      const param = (value: unknown) => `$${params.push(value)}`;
      let scoped = 'TRUE';
      if ('owner' in scope) scoped = `owner = ${param(scope.owner)}`;
      else if ('sharedWith' in scope) {
        const user = param(scope.sharedWith.user);
        scoped = `owner <> ${user} AND (allowed_users @> ARRAY[${user}]::text[] OR allowed_groups && ${param(scope.sharedWith.groups)}::text[])`;
      }
      const cursor = after ? `AND (created_at, id COLLATE "C") < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::text)` : '';
      return rows(`SELECT ${READ} FROM videos WHERE ${scoped} AND ${status ? STATUS_FILTER[status] : '$1::timestamptz IS NOT NULL'} ${cursor}
        ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`, params);
    },
    createdSince(owner, since) {
      return rows(`SELECT ${READ} FROM videos WHERE owner = $1 AND created_at >= $2 ORDER BY created_at`, [owner, since]);
    },
    withOwnerLock,
    setCaption(id, caption) {
      return captionChange(`UPDATE videos SET captions = (SELECT jsonb_agg(c ORDER BY c->>'language') FROM (
          SELECT c FROM jsonb_array_elements(captions) c WHERE c->>'language' <> $2 UNION ALL SELECT $3::jsonb) kept(c)), updated_at = $4`,
      [id, caption.language, JSON.stringify(caption), caption.updatedAt]);
    },
    removeCaption(id, language, updatedAt) {
      return captionChange(`UPDATE videos SET captions = COALESCE((SELECT jsonb_agg(c) FROM jsonb_array_elements(captions) c WHERE c->>'language' <> $2), '[]'),
          updated_at = CASE WHEN captions @> jsonb_build_array(jsonb_build_object('language', $2::text)) THEN $3::timestamptz ELSE updated_at END`,
      [id, language, updatedAt]);
    },
    async ping() {
      await rows('SELECT 1 FROM videos LIMIT 0', []);
    },
  };
}

/**
 * The store on one connection the caller holds, inside its own transaction:
 * the transcoder writes a video in the transaction that checks it still holds
 * the video's job (services/transcoder/src/job-store.ts).
 */
export const videoStoreOn = (db: Queryable): VideoStore => storeOn(db, nested);

export function createVideoStore(pool: Pool): VideoStore {
  const withOwnerLock: OwnerLock = (owner, work) => inTransaction(pool, async (client: PoolClient) => {
    // Two keys (the 32-bit hash of the owner under a constant of ours), so no other advisory lock user collides with it.
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, hashtext($1))`, [owner]);
    return work(videoStoreOn(client));
  });
  return storeOn(pool, withOwnerLock);
}

/** The first key of every advisory lock Vidgate takes on an owner. */
const LOCK_SPACE = 0x76696467; // "vidg"
