import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AppError } from '@vidgate/common/errors';
import { hlsArgs } from './hls-command.ts';
import { finishMaster, type VariantStats } from './finish-master.ts';
import { AUDIO_ONLY, planLadder, type AudioOnlyRendition, type Rendition } from './ladder.ts';
import { handOver, type MediaLimits, type Sandbox } from './media-limits.ts';
import { posterArgs } from './poster.ts';
import { probeVideo, type ProbeResult } from './probe.ts';
import { runFfmpeg } from './run-ffmpeg.ts';
import { writeStoryboard } from './storyboard.ts';
import type { StoryboardPlan } from './storyboard-plan.ts';

export interface PackageHlsOptions {
  input: string;
  /** Created if missing; must be empty, so `files` lists exactly what was written. Emptied again on failure. */
  outDir: string;
  /** Fractions 0..1 of the package (the storyboard pass, then the ladder encode); 1 means it is complete. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** Caps on the upload, checked at probe time; none when absent. */
  limits?: MediaLimits;
  /** How ffprobe and ffmpeg run (limits, user); as this process when absent. */
  sandbox?: Sandbox;
}

export interface PackageResult {
  probe: ProbeResult;
  renditions: Rendition[];
  /** The audio-only variant, when the source has audio. */
  audioOnly?: AudioOnlyRendition;
  /** The master's variants in its order, with their measured bandwidths. */
  variants: VariantStats[];
  masterPath: string;
  posterPath: string;
  /** The seek thumbnails: storyboard.vtt and its sheets, in `files` too. */
  storyboard: StoryboardPlan;
  /** Paths relative to outDir with "/" separators, sorted: ready to become object keys. */
  files: string[];
}

const POSTER_AT_SECONDS = 3;
/** Share of the progress the storyboard pass stands for: it only decodes, the ladder encodes several renditions. */
const STORYBOARD_SHARE = 0.1;

/**
 * Probe → plan → poster → storyboard → HLS ladder. Throws ProbeError for an upload that
 * cannot be packaged, and AbortError or an AppError otherwise.
 */
export async function packageHls(opts: PackageHlsOptions): Promise<PackageResult> {
  const { outDir } = opts;
  await mkdir(outDir, { recursive: true });
  if ((await readdir(outDir)).length > 0) throw new AppError('conflict', `output folder is not empty: ${outDir}`);
  if (opts.sandbox) await handOver(outDir, opts.sandbox);
  try {
    return await writePackage(opts);
  } catch (err) {
    // ffmpeg stopped by a signal still closes its playlists, #EXT-X-ENDLIST included:
    // left behind, a cut-short package would look complete to whoever uploads the folder.
    await Promise.all((await readdir(outDir)).map((name) => rm(join(outDir, name), { recursive: true, force: true })));
    throw err;
  }
}

async function writePackage(opts: PackageHlsOptions): Promise<PackageResult> {
  const { input, outDir, signal, sandbox } = opts;
  const probe = await probeVideo(input, { signal, limits: opts.limits, sandbox });
  const renditions = planLadder(probe);
  const top = renditions[renditions.length - 1];
  if (!top) throw new AppError('internal', 'the ladder plan is empty');

  // The poster first: it takes a fraction of a second, catches an undecodable
  // file before the long encode, and lets progress 1 mean "finished".
  const posterPath = join(outDir, 'poster.jpg');
  await runFfmpeg({
    args: posterArgs({ input, output: posterPath, atSeconds: POSTER_AT_SECONDS, durationSeconds: probe.durationSeconds, width: top.width }),
    durationSeconds: probe.durationSeconds,
    signal,
    sandbox,
  });
  const { onProgress } = opts;
  const audioOnly = probe.hasAudio ? AUDIO_ONLY : undefined;
  const storyboard = await writeStoryboard({ input, outDir, video: probe, signal, sandbox });
  onProgress?.(STORYBOARD_SHARE);
  await runFfmpeg({
    args: hlsArgs({ input, outDir, renditions, audioOnly, hasAudio: probe.hasAudio, durationSeconds: probe.durationSeconds, frameRate: probe.frameRate }),
    durationSeconds: probe.durationSeconds,
    onProgress: onProgress && ((fraction) => onProgress(STORYBOARD_SHARE + (1 - STORYBOARD_SHARE) * fraction)),
    signal,
    sandbox,
  });

  const masterPath = join(outDir, 'master.m3u8');
  const variants = await finishMaster(masterPath);
  return { probe, renditions, audioOnly, variants, masterPath, posterPath, storyboard, files: await listFiles(outDir) };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
