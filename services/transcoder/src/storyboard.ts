import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMON_ARGS, localInputArgs } from './ffmpeg-args.ts';
import { STORYBOARD_FILE } from '@vidgate/common/video';
import type { Sandbox } from './media-limits.ts';
import { runFfmpeg } from './run-ffmpeg.ts';
import { planStoryboard, storyboardVtt, type StoryboardPlan } from './storyboard-plan.ts';

export interface StoryboardArgsOptions {
  input: string;
  outDir: string;
  plan: StoryboardPlan;
}

/**
 * Arguments that write the plan's sheets as outDir/storyboard-<n>.jpg. One frame
 * per interval: fps's slot k holds a frame of [k × interval, (k + 1) × interval)
 * (round=down; start_time=0 pads a late first frame; eof_action=pass keeps the
 * last, partial interval's frame, which fps drops by default). Then the last
 * frame is repeated and the stream cut at exactly tileCount frames, so the
 * sheets hold a tile for every cue even when the video stream ends before the
 * container's duration.
 */
export function storyboardArgs({ input, outDir, plan }: StoryboardArgsOptions): string[] {
  // ffmpeg expands % in output names: a % in the folder itself would be mangled.
  if (outDir.includes('%')) throw new RangeError(`output folder must not contain "%": ${outDir}`);
  const n = plan.tileCount;
  const filters = [
    `fps=fps=1/${plan.intervalSeconds}:round=down:eof_action=pass:start_time=0`,
    `tpad=stop_mode=clone:stop=${n}`,
    `trim=end_frame=${n}`,
    // Display size (rotation and non-square pixels are already applied by the decoder and the plan).
    `scale=w=${plan.tileWidth}:h=${plan.tileHeight},setsar=1`,
    `tile=${plan.columns}x${plan.rows}`,
  ];
  return [
    ...COMMON_ARGS,
    ...localInputArgs(input),
    // The first video stream that is not cover art, as probe chose; nothing else is decoded.
    '-map', '0:V:0',
    '-map_metadata', '-1',
    '-vf', filters.join(','),
    '-q:v', '5',
    '-f', 'image2', '-start_number', '0',
    join(outDir, 'storyboard-%d.jpg'),
  ];
}

export interface WriteStoryboardOptions {
  input: string;
  outDir: string;
  /** Displayed size and duration, from the probe. */
  video: { durationSeconds: number; width: number; height: number };
  signal?: AbortSignal;
  sandbox?: Sandbox;
}

/**
 * Writes the sheets (ffmpeg, sandboxed like every media run) and then the
 * WebVTT storyboard, so the VTT never names a sheet that was not written.
 * A pass of its own over the source: decoding only, at about a tenth of the
 * ladder's encode time.
 */
export async function writeStoryboard(opts: WriteStoryboardOptions): Promise<StoryboardPlan> {
  const plan = planStoryboard(opts.video);
  await runFfmpeg({
    args: storyboardArgs({ input: opts.input, outDir: opts.outDir, plan }),
    durationSeconds: opts.video.durationSeconds,
    signal: opts.signal,
    sandbox: opts.sandbox,
  });
  await writeFile(join(opts.outDir, STORYBOARD_FILE), storyboardVtt(plan));
  return plan;
}
