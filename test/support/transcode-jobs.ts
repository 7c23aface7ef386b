import { posix } from 'node:path';
import { createPool } from '../../services/common/src/database/pool.ts';
import { videoKeys } from '../../services/common/src/video.ts';
import { getObject } from './media-fixtures.ts';
import { hlsObjectEtags } from './pipeline.ts';
import { testConfig } from './test-stack.ts';
import { playlistUris } from './videos.ts';

/** The stack's transcode queue (transcode_jobs), read as the services' own database role. */
export const jobsPool = createPool(testConfig.database);

export interface JobRow {
  state: string;
  attempts: number;
  /** host:port#run of the worker that holds the job, or held it last. */
  lease_owner: string | null;
  enqueued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function jobRow(videoId: string): Promise<JobRow | undefined> {
  const { rows } = await jobsPool.query<JobRow>('SELECT state, attempts, lease_owner, enqueued_at, started_at, finished_at FROM transcode_jobs WHERE video_id = $1', [videoId]);
  return rows[0];
}

/** The host part of a lease owner: in a container, its host name, which starts its container id. */
export const workerHost = (leaseOwner: string | null): string => (leaseOwner ?? '').split(':')[0]!;

/**
 * The video's published objects against what its playlists name: every key the
 * master and variant playlists reference (and the poster, the storyboard and its sheets) must be there, and
 * nothing else: a retried or doubled publish would leave extra or missing keys.
 */
export async function packageProblems(videoId: string): Promise<{ missing: string[]; extra: string[] }> {
  const prefix = videoKeys.hlsPrefix(videoId);
  const stored = new Set((await hlsObjectEtags(videoId)).map((o) => o.key));
  const named = new Set(['master.m3u8', 'poster.jpg', 'storyboard.vtt']);
  const read = async (key: string) => (await getObject(prefix + key)).toString('utf8');
  for (const [, sheet] of (await read('storyboard.vtt')).matchAll(/^(storyboard-\d+\.jpg)#xywh=/gm)) named.add(sheet!);
  for (const { uri: variant } of playlistUris(await read('master.m3u8'))) {
    named.add(variant);
    for (const { uri } of playlistUris(await read(variant))) named.add(posix.join(posix.dirname(variant), uri));
  }
  return { missing: [...named].filter((k) => !stored.has(k)).sort(), extra: [...stored].filter((k) => !named.has(k)).sort() };
}
