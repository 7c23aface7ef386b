import { COMMON_ARGS, localInputArgs } from './ffmpeg-args.ts';

export interface PosterArgsOptions {
  input: string;
  output: string;
  /** Preferred time of the frame; clamped to the middle of short clips. */
  atSeconds: number;
  durationSeconds: number;
  width: number;
}

/** Arguments that write one JPEG frame, `width` wide, at min(atSeconds, duration / 2). */
export function posterArgs(opts: PosterArgsOptions): string[] {
  const at = Math.min(opts.atSeconds, opts.durationSeconds / 2);
  return [
    ...COMMON_ARGS,
    // Before -i: jump to the keyframe before `at` instead of decoding the clip from its start.
    '-ss', at.toFixed(3),
    ...localInputArgs(opts.input),
    '-frames:v', '1',
    // Height from the display aspect ratio (`dar`), so non-square pixels come out right.
    '-vf', `scale=w=${opts.width}:h=trunc(ow/dar/2)*2,setsar=1`,
    '-q:v', '3',
    // -update: write this one file even if its name contains a % pattern.
    '-f', 'image2', '-update', '1',
    opts.output,
  ];
}
