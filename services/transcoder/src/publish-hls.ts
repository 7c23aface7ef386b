import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Client } from 'minio';
import { AppError } from '@vidgate/common/errors';
import type { Rendition as StoredRendition } from '@vidgate/common/video';
import { videoKeys } from '@vidgate/common/video';
import type { VariantStats } from './finish-master.ts';
import type { AudioOnlyRendition, Rendition } from './ladder.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt; charset=utf-8',
};

const PARALLEL_UPLOADS = 8;

/** Where a package goes: videos/<id>/hls/ in the bucket. */
export interface PublishTarget {
  client: Client;
  bucket: string;
  videoId: string;
  dir: string;
  /** Stops before the next object once aborted (the lease was lost, the worker is stopping). */
  signal?: AbortSignal;
}

/** Some of a package's files, and how many bytes they hold. */
export interface PublishStep {
  files: string[];
  bytes: number;
}

/**
 * A package's files in the order they are published. Playlists go last, the
 * master very last, so a reader never finds a playlist whose segments are
 * missing; the media before them (segments, poster, storyboard) in batches of
 * about a tenth of their bytes, so a caller can record progress between batches.
 */
export interface PublishPlan {
  media: PublishStep[];
  /** The variant playlists, then the master. */
  playlists: PublishStep[];
  totalBytes: number;
}

const MEDIA_BATCHES = 10;

export async function planPublish(dir: string, files: readonly string[]): Promise<PublishPlan> {
  const sized = await Promise.all(files.map(async (file) => ({ file, bytes: (await stat(join(dir, file))).size })));
  const tier = (f: string) => (f === 'master.m3u8' ? 2 : f.endsWith('.m3u8') ? 1 : 0);
  const stepOf = (entries: typeof sized): PublishStep => ({ files: entries.map((e) => e.file), bytes: entries.reduce((n, e) => n + e.bytes, 0) });
  const media = sized.filter((e) => tier(e.file) === 0);
  const batchBytes = stepOf(media).bytes / MEDIA_BATCHES;
  const batches: (typeof sized)[] = [];
  for (const entry of media) {
    const open = batches.at(-1);
    if (open && stepOf(open).bytes < batchBytes) open.push(entry);
    else batches.push([entry]);
  }
  return {
    media: batches.map(stepOf),
    playlists: [1, 2].map((t) => stepOf(sized.filter((e) => tier(e.file) === t))).filter((step) => step.files.length > 0),
    totalBytes: stepOf(sized).bytes,
  };
}

/** Uploads one step's files, a few at a time. The keys are the files' names: publishing a video again writes the same keys. */
export async function publishStep(target: PublishTarget, step: PublishStep): Promise<void> {
  const queue = [...step.files];
  const put = async (file: string) => {
    target.signal?.throwIfAborted();
    const path = join(target.dir, file);
    const { size } = await stat(path);
    const contentType = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    await target.client.putObject(target.bucket, videoKeys.hlsPrefix(target.videoId) + file, createReadStream(path), size, { 'Content-Type': contentType });
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) await put(file);
  }));
}

/** Uploads a packaged HLS folder under videos/<id>/hls/, step by step (see PublishPlan). */
export async function publishHls(opts: PublishTarget & { files: readonly string[] }): Promise<void> {
  const plan = await planPublish(opts.dir, opts.files);
  for (const step of [...plan.media, ...plan.playlists]) await publishStep(opts, step);
}

/**
 * The renditions as stored in a video's record, in the master's order (the
 * audio-only one last), each with the bandwidth the master gives it: measured
 * from the segments (finish-master.ts).
 */
export function storedRenditions(pkg: { renditions: readonly Rendition[]; audioOnly?: AudioOnlyRendition; variants: readonly VariantStats[] }): StoredRendition[] {
  const bandwidth = (name: string) => {
    const variant = pkg.variants.find((v) => v.uri === `${name}/index.m3u8`);
    if (!variant) throw new AppError('internal', `the master playlist lists no variant "${name}"`);
    return variant.bandwidth;
  };
  return [
    ...pkg.renditions.map((r) => ({ kind: 'video' as const, name: r.name, width: r.width, height: r.height, bandwidth: bandwidth(r.name) })),
    ...(pkg.audioOnly ? [{ kind: 'audio' as const, name: pkg.audioOnly.name, bandwidth: bandwidth(pkg.audioOnly.name), audioBitrate: pkg.audioOnly.audioBitrateKbps * 1000 }] : []),
  ];
}
