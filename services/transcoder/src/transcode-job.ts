import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'minio';
import { statIfExists } from '@vidgate/common/minio-store';
import type { TranscoderConfig } from './transcoder-config.ts';
import type { Logger } from '@vidgate/common/logger';
import { endedWithoutSource, videoKeys, type Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import type { LeasedTx } from './job-store.ts';
import { FinalFailure } from './job-outcome.ts';
import { handOver, type Sandbox } from './media-limits.ts';
import { packageHls } from './package-hls.ts';
import { ProbeError } from './probe.ts';
import { planPublish, publishStep, storedRenditions } from './publish-hls.ts';
import type { HeldJob } from './worker.ts';

export interface TranscodeDeps {
  config: TranscoderConfig;
  /** How ffprobe and ffmpeg run: limits, and the user when this process is root. */
  sandbox: Sandbox;
  client: Client;
  videos: VideoStore;
  logger: Logger;
}

const PROGRESS_STEP = 0.05;

/** Where jobs unpack sources; swept on start, since a killed job cannot clean up. */
export const workRoot = (config: TranscoderConfig) => config.transcoder.workDir ?? join(tmpdir(), `vidgate-transcoder-${config.transcoder.port}`);
/** Share of the progress bar the encode takes; publishing the objects is the rest. */
export const ENCODE_SHARE = 0.9;
/** Progress once `fraction` of the bytes are published: short of 1, which only the final status writes. */
const publishProgress = (fraction: number) => Math.min(0.99, Math.floor((ENCODE_SHARE + (1 - ENCODE_SHARE) * fraction) * 100) / 100);

async function keysUnder(client: Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, prefix, true)) if (item.name) keys.push(item.name);
  return keys;
}

/** Changes the transcoder's fields of the video as it is now (the fence holds its row; its owner may have changed others). */
async function patchVideo(tx: LeasedTx, id: string, patch: Partial<Video>): Promise<void> {
  const video = await tx.videos.get(id);
  if (video) await tx.videos.put({ ...video, ...patch, updatedAt: new Date().toISOString() });
}

/**
 * One attempt at a job: uploads/<id>/source → validated with ffprobe → HLS
 * ladder → objects under videos/<id>/hls/ → status ready. Every write to the
 * video, and the publishing itself, happens while the job's lease is held (the
 * worker's fences), so a worker that lost the job publishes nothing. A retry
 * publishes the same keys again and removes any other key under the prefix.
 */
export function createTranscodeJob(deps: TranscodeDeps) {
  const { config, client, videos, logger, sandbox } = deps;
  const bucket = config.minio.bucket;

  async function run(job: HeldJob): Promise<'ready' | 'skipped'> {
    const { videoId } = job.lease;
    const video = await videos.get(videoId);
    const sourceKey = videoKeys.source(videoId);
    // Storage trouble throws: the attempt fails and the job is retried.
    const stat = await statIfExists(client, bucket, sourceKey);
    // Only an open upload is transcoded: a repeated event, a cancelled upload or a
    // stale upload URL used again after publishing start nothing.
    if (!video || !stat || (video.status !== 'uploading' && video.status !== 'processing')) {
      logger.info({ videoId, status: video?.status, hasSource: Boolean(stat) }, 'nothing to transcode; event ignored');
      await job.fenced(async (tx) => {
        // A PUT that began before its upload was cancelled (or expired) lands after it: it must not stay stored, uncounted by any quota.
        if (video && stat && endedWithoutSource(video)) await client.removeObject(bucket, sourceKey);
        await tx.end('done', 'nothing to transcode');
      });
      return 'skipped';
    }
    // Writes are chained, so a late progress write can never land after the final status; and rising only.
    let writes = Promise.resolve();
    let written = 0;
    const progress = (value: number) => {
      if (value <= written) return;
      written = value;
      writes = writes.then(() => job.fenced((tx) => patchVideo(tx, videoId, { progress: value }))).catch((err) => logger.warn({ err, videoId }, 'progress not saved'));
    };
    const work = await mkdtemp(join(workRoot(config), `${videoId}-`));
    await handOver(work, sandbox);
    const timeout = AbortSignal.timeout(config.transcoder.timeoutSeconds * 1000);
    try {
      await job.fenced((tx) => patchVideo(tx, videoId, { status: 'processing', progress: 0, failureReason: undefined }));
      logger.info({ videoId, bytes: stat.size, attempt: job.lease.attempt }, 'transcoding');
      const input = join(work, 'source');
      await client.fGetObject(bucket, sourceKey, input);
      let shown = 0;
      const result = await packageHls({
        input,
        outDir: join(work, 'hls'),
        signal: AbortSignal.any([job.signal, timeout]),
        limits: config.transcoder.limits,
        sandbox,
        onProgress: (fraction) => {
          if (fraction - shown < PROGRESS_STEP) return;
          shown = fraction;
          progress(Math.round(fraction * ENCODE_SHARE * 100) / 100);
        },
      });
      await writes;
      const target = { client, bucket, videoId, dir: join(work, 'hls'), signal: job.signal };
      const plan = await planPublish(target.dir, result.files);
      // The media a batch per fence, its progress committed (and seen) before the next: each batch is published while the lease is held.
      let publishedBytes = 0;
      for (const step of plan.media) {
        await job.fenced(() => publishStep(target, step));
        publishedBytes += step.bytes;
        progress(publishProgress(publishedBytes / plan.totalBytes));
        await writes;
      }
      // The playlists published and the video marked ready in one fence: the job row stays locked meanwhile, so no other worker can take the job and publish too.
      await job.fenced(async (tx) => {
        for (const step of plan.playlists) await publishStep(target, step);
        const published = new Set(result.files.map((f) => videoKeys.hlsPrefix(videoId) + f));
        const stale = (await keysUnder(client, bucket, videoKeys.hlsPrefix(videoId))).filter((key) => !published.has(key));
        if (stale.length > 0) await client.removeObjects(bucket, stale); // a cut-off attempt's objects that this one did not write again
        await patchVideo(tx, videoId, { status: 'ready', progress: 1, durationSeconds: result.probe.durationSeconds, renditions: storedRenditions(result), hasStoryboard: true });
        await tx.end('done');
      });
      logger.info({ videoId, renditions: result.renditions.map((r) => r.name) }, 'ready');
      return 'ready';
    } catch (err) {
      if (err instanceof ProbeError) throw new FinalFailure(err.reason, { cause: err });
      if (timeout.aborted && !job.signal.aborted) throw new FinalFailure(`transcoding took longer than ${config.transcoder.timeoutSeconds} s; the source is kept for inspection`, { cause: err });
      throw err;
    } finally {
      await writes;
      await rm(work, { recursive: true, force: true });
    }
  }

  /** After a failed attempt, in the fence that records it: no half-published renditions, and a refused upload's source deleted when so configured. */
  async function cleanUp(job: HeldJob, err: unknown): Promise<void> {
    const { videoId } = job.lease;
    const keys = await keysUnder(client, bucket, videoKeys.hlsPrefix(videoId));
    if (keys.length > 0) await client.removeObjects(bucket, keys);
    if (err instanceof FinalFailure && err.cause instanceof ProbeError && config.transcoder.failedUploads === 'delete') {
      await client.removeObject(bucket, videoKeys.source(videoId)).catch(() => {});
    }
  }

  return { run, cleanUp };
}
