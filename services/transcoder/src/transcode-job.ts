import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'minio';
import type { TranscoderConfig } from './transcoder-config.ts';
import type { Logger } from '@vidgate/common/logger';
import { endedWithoutSource, videoKeys, type Video } from '@vidgate/common/video';
import type { VideoStore } from '@vidgate/common/video-store';
import { handOver, type Sandbox } from './media-limits.ts';
import { packageHls } from './package-hls.ts';
import { ProbeError } from './probe.ts';
import { publishHls, storedRenditions } from './publish-hls.ts';
import type { TranscoderMetrics } from './transcoder-metrics.ts';

export interface TranscodeDeps {
  config: TranscoderConfig;
  /** How ffprobe and ffmpeg run: limits, and the user when this process is root. */
  sandbox: Sandbox;
  client: Client;
  videos: VideoStore;
  metrics: TranscoderMetrics;
  logger: Logger;
}

const PROGRESS_STEP = 0.05;

/** Where jobs unpack sources; swept on start, since a killed job cannot clean up. */
export const workRoot = (config: TranscoderConfig) => config.transcoder.workDir ?? join(tmpdir(), `vidgate-transcoder-${config.transcoder.port}`);
/** Share of the progress bar the encode takes; publishing the objects is the rest. */
const ENCODE_SHARE = 0.9;

async function removePrefix(client: Client, bucket: string, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, prefix, true)) if (item.name) keys.push(item.name);
  if (keys.length > 0) await client.removeObjects(bucket, keys);
}

/**
 * One job: uploads/<id>/source → validated with ffprobe → HLS ladder → objects
 * under videos/<id>/hls/ → status ready. Any failure ends as `failed` with a
 * readable reason and no half-published renditions.
 */
export function createTranscodeJob(deps: TranscodeDeps) {
  const { config, client, videos, metrics, logger, sandbox } = deps;
  const bucket = config.minio.bucket;

  return async function transcode(videoId: string): Promise<void> {
    let video = await videos.get(videoId);
    const sourceKey = videoKeys.source(videoId);
    const stat = await client.statObject(bucket, sourceKey).catch((err: { code?: string }) => {
      if (err.code === 'NotFound' || err.code === 'NoSuchKey') return undefined;
      throw err; // storage trouble: the video stays as it is and is retried on the next start
    });
    // Only an open upload is transcoded: a repeated event, a cancelled upload or a
    // stale upload URL used again after publishing start nothing.
    if (!video || !stat || (video.status !== 'uploading' && video.status !== 'processing')) {
      logger.info({ videoId, status: video?.status, hasSource: Boolean(stat) }, 'nothing to transcode; event ignored');
      metrics.jobs.inc({ outcome: 'skipped' });
      // A PUT that began before its upload was cancelled (or expired) lands after it: it must not stay stored, uncounted by any quota.
      if (video && stat && endedWithoutSource(video)) await client.removeObject(bucket, sourceKey);
      return;
    }
    // Writes are chained, so a late progress write can never land after the final status.
    let writes = Promise.resolve();
    const update = (patch: Partial<Video>) => {
      video = { ...video!, ...patch, updatedAt: new Date().toISOString() };
      const snapshot = video;
      writes = writes.catch(() => {}).then(() => videos.put(snapshot));
      return writes;
    };
    const started = Date.now();
    const work = await mkdtemp(join(workRoot(config), `${videoId}-`));
    await handOver(work, sandbox);
    const hlsPrefix = videoKeys.hlsPrefix(videoId);
    try {
      await update({ status: 'processing', progress: 0, failureReason: undefined });
      logger.info({ videoId, bytes: stat.size }, 'transcoding');
      const input = join(work, 'source');
      await client.fGetObject(bucket, sourceKey, input);
      let shown = 0;
      const result = await packageHls({
        input,
        outDir: join(work, 'hls'),
        signal: AbortSignal.timeout(config.transcoder.timeoutSeconds * 1000),
        limits: config.transcoder.limits,
        sandbox,
        onProgress: (fraction) => {
          if (fraction - shown < PROGRESS_STEP) return;
          shown = fraction;
          update({ progress: Math.round(fraction * ENCODE_SHARE * 100) / 100 }).catch((err) => logger.warn({ err, videoId }, 'progress not saved'));
        },
      });
      await removePrefix(client, bucket, hlsPrefix); // renditions of an earlier source, if any
      await publishHls({ client, bucket, videoId, dir: join(work, 'hls'), files: result.files });
      await update({
        status: 'ready',
        progress: 1,
        durationSeconds: result.probe.durationSeconds,
        renditions: storedRenditions(result.renditions),
      });
      metrics.jobs.inc({ outcome: 'ready' });
      metrics.duration.observe({ outcome: 'ready' }, (Date.now() - started) / 1000);
      logger.info({ videoId, seconds: (Date.now() - started) / 1000, renditions: result.renditions.map((r) => r.name) }, 'ready');
    } catch (err) {
      const reason = err instanceof ProbeError ? err.reason : 'transcoding failed; the source is kept for inspection';
      logger.error({ err, videoId }, 'transcode failed');
      await removePrefix(client, bucket, hlsPrefix).catch(() => {});
      if (err instanceof ProbeError && config.transcoder.failedUploads === 'delete') await client.removeObject(bucket, sourceKey).catch(() => {});
      await update({ status: 'failed', failureReason: reason });
      metrics.jobs.inc({ outcome: 'failed' });
      metrics.duration.observe({ outcome: 'failed' }, (Date.now() - started) / 1000);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}
