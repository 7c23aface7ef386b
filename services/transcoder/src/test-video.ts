import { COMMON_ARGS } from './ffmpeg-args.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

export interface TestVideoOptions {
  output: string;
  seconds: number;
  /** Even numbers: H.264 with 4:2:0 chroma cannot encode odd sizes. */
  width: number;
  height: number;
  withAudio?: boolean;
}

/**
 * Writes a real H.264/AAC MP4 (moving test pattern, 440 Hz tone) for demo
 * seeding and tests. ultrafast: the clip only has to be valid, not small.
 */
export async function generateTestVideo(opts: TestVideoOptions): Promise<void> {
  const { seconds, withAudio = true } = opts;
  const args = [
    ...COMMON_ARGS,
    '-f', 'lavfi', '-i', `testsrc2=size=${opts.width}x${opts.height}:rate=30:duration=${seconds}`,
    ...(withAudio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    ...(withAudio ? ['-c:a', 'aac', '-b:a', '96k'] : []),
    // moov first, as a browser-friendly upload would have it.
    '-movflags', '+faststart',
    opts.output,
  ];
  await runFfmpeg({ args, durationSeconds: seconds });
}
