import { join } from 'node:path';
import { COMMON_ARGS, localInputArgs } from './ffmpeg-args.ts';
import type { AudioOnlyRendition, Rendition } from './ladder.ts';

export interface HlsArgsOptions {
  input: string;
  outDir: string;
  renditions: readonly Rendition[];
  hasAudio: boolean;
  /** An audio-only variant, listed after the video ones; only with audio. */
  audioOnly?: AudioOnlyRendition;
  /** The source's length: where the audio-only variant ends. */
  durationSeconds: number;
  frameRate: number;
  segmentSeconds?: number;
}

/** Samples per AAC-LC frame: the encoder's priming delay, and the step its segments can be cut at. */
const AAC_FRAME_SAMPLES = 1024;

/**
 * One ffmpeg run that decodes the source once and writes every rendition:
 *   outDir/master.m3u8, outDir/<name>/index.m3u8, outDir/<name>/seg_00000.ts …
 * Keyframes fall at the same instants in every rendition (forced every
 * segmentSeconds, no scene-cut keyframes), so segment N of each rendition
 * covers the same time and a player can switch between them at any boundary.
 * The audio-only variant (outDir/audio/…) comes from the same run, so its
 * segments cover the same times too (to within one AAC frame).
 */
export function hlsArgs(opts: HlsArgsOptions): string[] {
  const { renditions, hasAudio, outDir, audioOnly } = opts;
  const segmentSeconds = opts.segmentSeconds ?? 2;
  if (renditions.length === 0) throw new RangeError('an HLS ladder needs at least one rendition');
  // ffmpeg expands % in output names (%v, %05d): a % in the folder itself would be mangled.
  if (outDir.includes('%')) throw new RangeError(`output folder must not contain "%": ${outDir}`);
  if (audioOnly && !hasAudio) throw new RangeError('an audio-only variant needs a source with audio');
  const gop = String(Math.max(1, Math.round(segmentSeconds * opts.frameRate)));

  return [
    ...COMMON_ARGS,
    '-progress', 'pipe:1',
    ...localInputArgs(opts.input),
    '-filter_complex', [scaleGraph(renditions), ...(audioOnly ? [audioOnlyGraph(audioOnly, opts.durationSeconds)] : [])].join(';'),
    ...renditions.flatMap((_, i) => ['-map', `[v${i}]`]),
    // Each variant carries its own copy of the audio: players expect muxed TS variants.
    ...(hasAudio ? renditions.flatMap(() => ['-map', '0:a:0']) : []),
    ...(audioOnly ? ['-map', '[aonly]'] : []),
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
    ...(audioOnly ? [`-b:a:${renditions.length}`, `${audioOnly.audioBitrateKbps}k`] : []),
    '-f', 'hls',
    '-hls_time', String(segmentSeconds),
    '-hls_playlist_type', 'vod',
    '-hls_flags', 'independent_segments',
    '-master_pl_name', 'master.m3u8',
    '-hls_segment_filename', join(outDir, '%v', 'seg_%05d.ts'),
    // The audio-only variant last: Apple's players start with the first variant listed.
    '-var_stream_map', [
      ...renditions.map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)),
      ...(audioOnly ? [`a:${renditions.length},name:${audioOnly.name}`] : []),
    ].join(' '),
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

/**
 * The audio-only variant's audio. ffmpeg cuts an audio-only variant at the
 * first AAC frame at or past each segment boundary, counted from its first
 * packet, so that packet must start with the video (first_pts=0 pads a late
 * start with silence); and the encoder's one frame of priming would spill the
 * last frame into a tiny extra segment, so the audio ends one frame early.
 */
function audioOnlyGraph(audio: AudioOnlyRendition, durationSeconds: number): string {
  const end = durationSeconds - AAC_FRAME_SAMPLES / audio.sampleRate;
  return `[0:a:0]aresample=${audio.sampleRate}:first_pts=0${end > 0 ? `,atrim=end=${end.toFixed(6)}` : ''}[aonly]`;
}
