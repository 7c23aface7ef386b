import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { videoKeys } from '@vidgate/common/video';
import { REPO_ROOT, stackPaths } from '../../services/stack/src/paths.ts';
import { BUCKET, rootClient } from './media-fixtures.ts';
import { parseMetrics, type Sample } from './prometheus.ts';
import { testConfig } from './test-stack.ts';
import { api } from './uploads.ts';

const run = promisify(execFile);

/** GET /v1/videos/:id as its owner sees it. */
export interface VideoView {
  id: string;
  owner: string;
  status: 'uploading' | 'processing' | 'ready' | 'failed';
  progress: number;
  failureReason?: string;
  durationSeconds?: number;
  renditions?: { name: string; width: number; height: number; bandwidth: number }[];
}

/**
 * Polls GET /v1/videos/:id until `done` holds, and returns that view and every
 * status seen on the way. Throws, naming the last status, at the deadline.
 */
export async function waitForVideo(
  id: string,
  token: string,
  done: (v: VideoView) => boolean,
  { timeoutMs = 60_000, intervalMs = 100 } = {},
): Promise<{ video: VideoView; seen: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const res = await api(`/v1/videos/${id}`, { token });
    if (res.status !== 200) throw new Error(`GET /v1/videos/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    const video = res.body as VideoView;
    if (seen[seen.length - 1] !== video.status) seen.push(video.status);
    if (done(video)) return { video, seen };
    if (Date.now() > deadline) throw new Error(`video ${id} still ${video.status} (progress ${video.progress}) after ${timeoutMs} ms; seen ${seen.join(' → ')}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const settled = (v: VideoView): boolean => v.status === 'ready' || v.status === 'failed';

/**
 * Keys, ETags and write times of everything under videos/<id>/hls/ (root's view
 * of the bucket). A re-encode may well produce the same bytes, hence the time.
 */
export async function hlsObjectEtags(id: string): Promise<{ key: string; etag: string; lastModified: string }[]> {
  const prefix = videoKeys.hlsPrefix(id);
  const out: { key: string; etag: string; lastModified: string }[] = [];
  for await (const item of rootClient.listObjectsV2(BUCKET, prefix, true)) {
    if (item.name) out.push({ key: item.name.slice(prefix.length), etag: item.etag ?? '', lastModified: new Date(item.lastModified ?? 0).toISOString() });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

export async function scrapeTranscoder(): Promise<Sample[]> {
  const res = await fetch(`${testConfig.transcoder.url}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${testConfig.transcoder.url}/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** A bucket notification as MinIO sends it to the transcoder's webhook. */
export function minioEvent(videoId: string, etag: string) {
  return {
    Records: [
      {
        eventName: 's3:ObjectCreated:Put',
        s3: { bucket: { name: BUCKET }, object: { key: videoKeys.source(videoId), eTag: etag } },
      },
    ],
  };
}

export async function postMinioEvent(body: unknown, token = testConfig.transcoder.webhookToken): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${testConfig.transcoder.url}/events/minio`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export const PID_DIR = stackPaths(testConfig.dataDir).run;

/** The pid the test stack wrote for one of its processes (minio, transcoder, auth, nginx). */
export async function stackPid(name: string): Promise<number | undefined> {
  const text = await readFile(join(PID_DIR, `${name}.pid`), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * True when `pid` is this checkout's service `name` (services/<name>/src/server.ts):
 * a stale pid file must never make a test signal someone else's process.
 */
export async function isStackService(pid: number, name: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(resolve(REPO_ROOT, `services/${name}/src/server.ts`));
}

/**
 * Plays the master playlist with ffmpeg (every stream copied) and returns the
 * result's duration; `realtime` reads at the video's own pace (-re), as a
 * viewer's player does, so faults can land mid-playback.
 */
export async function playedSeconds(masterUrl: string, workDir: string, { realtime = false } = {}): Promise<{ seconds: number; stderr: string }> {
  const out = join(workDir, `played-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.ts`);
  const pace = realtime ? ['-re'] : [];
  const ffmpeg = await run('ffmpeg', ['-nostdin', '-v', 'error', ...pace, '-i', masterUrl, '-map', '0', '-c', 'copy', '-f', 'mpegts', out], { timeout: 120_000 });
  const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', out]);
  return { seconds: Number(probe.stdout.trim()), stderr: ffmpeg.stderr };
}
