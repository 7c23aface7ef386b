import { join } from 'node:path';
import { COMMON_ARGS, localInputArgs } from './ffmpeg-args.ts';
import type { Rendition } from './ladder.ts';

export interface HlsArgsOptions {
  input: string;
  outDir: string;
  renditions: readonly Rendition[];
  hasAudio: boolean;
  frameRate: number;
  segmentSeconds?: number;
}

/**
 * One ffmpeg run that decodes the source once and writes every rendition:
 *   outDir/master.m3u8, outDir/<name>/index.m3u8, outDir/<name>/seg_00000.ts …
 * Keyframes fall at the same instants in every rendition (forced every
 * segmentSeconds, no scene-cut keyframes), so segment N of each rendition
 * covers the same time and a player can switch between them at any boundary.
 */
export function hlsArgs(opts: HlsArgsOptions): string[] {
  const { renditions, hasAudio, outDir } = opts;
  const segmentSeconds = opts.segmentSeconds ?? 2;
  if (renditions.length === 0) throw new RangeError('an HLS ladder needs at least one rendition');
  // ffmpeg expands % in output names (%v, %05d): a % in the folder itself would be mangled.
  if (outDir.includes('%')) throw new RangeError(`output folder must not contain "%": ${outDir}`);
  const gop = String(Math.max(1, Math.round(segmentSeconds * opts.frameRate)));

  return [
    ...COMMON_ARGS,
    '-progress', 'pipe:1',
    ...localInputArgs(opts.input),
    '-filter_complex', scaleGraph(renditions),
    ...renditions.flatMap((_, i) => ['-map', `[v${i}]`]),
    // Each variant carries its own copy of the audio: players expect muxed TS variants.
    ...(hasAudio ? renditions.flatMap(() => ['-map', '0:a:0']) : []),
    // Phone uploads carry GPS position and device names; none of it belongs in public segments.
    '-map_metadata', '-1', '-map_chapters', '-1',
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main',
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
    ...renditions.flatMap((r, i) => [
      `-b:v:${i}`, `${r.videoBitrateKbps}k`,
      `-maxrate:v:${i}`, `${r.maxrateKbps}k`,
      `-bufsize:v:${i}`, `${r.bufsizeKbps}k`,
    ]),
    ...(hasAudio
      ? ['-c:a', 'aac', '-ac', '2', ...renditions.flatMap((r, i) => [`-b:a:${i}`, `${r.audioBitrateKbps}k`])]
      : []),
    '-f', 'hls',
    '-hls_time', String(segmentSeconds),
    '-hls_playlist_type', 'vod',
    '-hls_flags', 'independent_segments',
    '-master_pl_name', 'master.m3u8',
    '-hls_segment_filename', join(outDir, '%v', 'seg_%05d.ts'),
    '-var_stream_map', renditions.map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(' '),
    join(outDir, '%v', 'index.m3u8'),
  ];
}

/**
 * Split the decoded video once per rendition and scale each copy. setsar=1
 * because the ladder sizes are already display sizes; yuv420p because the
 * main profile cannot carry 10-bit or 4:4:4 sources.
 */
function scaleGraph(renditions: readonly Rendition[]): string {
  const split = `[0:v]split=${renditions.length}${renditions.map((_, i) => `[s${i}]`).join('')}`;
  const scales = renditions.map((r, i) => `[s${i}]scale=w=${r.width}:h=${r.height},setsar=1,format=yuv420p[v${i}]`);
  return [split, ...scales].join(';');
}
