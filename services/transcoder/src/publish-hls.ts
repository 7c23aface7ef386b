import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Client } from 'minio';
import type { Rendition as StoredRendition } from '@vidgate/common/video';
import { videoKeys } from '@vidgate/common/video';
import type { Rendition } from './ladder.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt; charset=utf-8',
};

const PARALLEL_UPLOADS = 8;

/**
 * Uploads a packaged HLS folder under videos/<id>/hls/. Playlists go last, the
 * master very last, so a reader never finds a playlist whose segments are missing.
 * The keys are the files' names: publishing a video again writes the same keys.
 */
export async function publishHls(opts: {
  client: Client;
  bucket: string;
  videoId: string;
  dir: string;
  files: readonly string[];
  onProgress?: (done: number, total: number) => void;
  /** Stops before the next object once aborted (the lease was lost, the worker is stopping). */
  signal?: AbortSignal;
}): Promise<void> {
  const rank = (f: string) => (f === 'master.m3u8' ? 2 : f.endsWith('.m3u8') ? 1 : 0);
  let done = 0;
  const put = async (file: string) => {
    opts.signal?.throwIfAborted();
    const path = join(opts.dir, file);
    const { size } = await stat(path);
    const contentType = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    await opts.client.putObject(opts.bucket, videoKeys.hlsPrefix(opts.videoId) + file, createReadStream(path), size, { 'Content-Type': contentType });
    opts.onProgress?.(++done, opts.files.length);
  };
  // Segments first (a few at a time), then variant playlists, then the master.
  for (const tier of [0, 1, 2]) {
    const queue = opts.files.filter((f) => rank(f) === tier);
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, queue.length) }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) await put(file);
    }));
  }
}

/** The renditions as stored in a video's metadata; bandwidth is nominal (video maxrate + audio). */
export function storedRenditions(renditions: readonly Rendition[]): StoredRendition[] {
  return renditions.map((r) => ({
    name: r.name,
    width: r.width,
    height: r.height,
    bandwidth: (r.maxrateKbps + r.audioBitrateKbps) * 1000,
  }));
}
