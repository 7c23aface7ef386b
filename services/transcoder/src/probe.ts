import { AppError } from '@vidgate/common/errors';
import { localInputArgs } from './ffmpeg-args.ts';
import type { MediaLimits, Sandbox } from './media-limits.ts';
import { runProcess } from './run-process.ts';

export interface ProbeResult {
  durationSeconds: number;
  /** Displayed size: rotation metadata and non-square pixels already applied. */
  width: number;
  height: number;
  videoCodec: string;
  hasAudio: boolean;
  frameRate: number;
}

/** The upload cannot be packaged. `reason` is worded for the person who uploaded it. */
export class ProbeError extends AppError {
  override readonly name = 'ProbeError';
  constructor(
    readonly reason: string,
    /** ffprobe's stderr, for logs only: it names server paths. */
    readonly diagnostics = '',
  ) {
    super('media_invalid', reason);
  }
}

export interface ProbeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Caps on what the upload declares; none when absent. */
  limits?: MediaLimits;
  sandbox?: Sandbox;
}

// Demuxers that open further files named inside the upload: a playlist renamed
// to .mp4 would have ffmpeg read whatever local files it lists. The format
// whitelist refuses them (and every other container we do not take) before they
// read anything; these name the refusal for the uploader.
const PLAYLIST_FORMATS = new Set(['hls', 'concat', 'dash', 'imf']);
// A single picture probes as a 0.04 s "video".
const IMAGE_FORMAT = /^image2$|_pipe$/;

/** The reason for a container off the whitelist, from ffprobe's "[<demuxer> @ 0x…] Format not on whitelist". */
function refusedFormat(stderr: string): ProbeError | undefined {
  const demuxer = /\[(\w+) @ [^\]]*\] Format not on whitelist/.exec(stderr)?.[1];
  if (demuxer === undefined) return undefined;
  if (PLAYLIST_FORMATS.has(demuxer)) return new ProbeError('playlists are not accepted; upload the video file itself', stderr);
  if (IMAGE_FORMAT.test(demuxer)) return new ProbeError('file is a still image, not a video', stderr);
  return new ProbeError(`the ${demuxer} format is not accepted; upload MP4, MOV, WebM, MKV, AVI or MPEG`, stderr);
}

export async function probeVideo(file: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const lines: string[] = [];
  const outcome = await runProcess({
    command: 'ffprobe',
    args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...localInputArgs(file)],
    onStdoutLine: (line) => lines.push(line),
    signal: opts.signal,
    timeoutMs,
    sandbox: opts.sandbox,
  });
  if (outcome.timedOut) {
    throw new ProbeError(`the file could not be read within ${timeoutMs / 1000} s`, outcome.stderrTail);
  }
  if (outcome.exitCode !== 0) throw refusedFormat(outcome.stderrTail) ?? new ProbeError('file is not a readable media file', outcome.stderrTail);
  const output = parse(lines.join('\n'), outcome.stderrTail);
  const result = interpret(output);
  if (opts.limits) checkLimits(result, output.streams?.length ?? 0, opts.limits);
  return result;
}

/** Refuses, in seconds and before any decoding, an upload that declares more than the transcoder takes on. */
function checkLimits(probe: ProbeResult, streams: number, limits: MediaLimits): void {
  const megapixels = (pixels: number) => (pixels / 1e6).toFixed(1);
  if (probe.width * probe.height > limits.maxPixels) {
    throw new ProbeError(`the video is ${probe.width}×${probe.height} (${megapixels(probe.width * probe.height)} MP); at most ${megapixels(limits.maxPixels)} MP is accepted`);
  }
  if (probe.frameRate > limits.maxFrameRate) throw new ProbeError(`the video has ${Math.round(probe.frameRate)} frames per second; at most ${limits.maxFrameRate} are accepted`);
  if (probe.durationSeconds > limits.maxDurationSeconds) {
    throw new ProbeError(`the video lasts ${Math.round(probe.durationSeconds)} s; at most ${limits.maxDurationSeconds} s is accepted`);
  }
  if (streams > limits.maxStreams) throw new ProbeError(`the file holds ${streams} streams; at most ${limits.maxStreams} are accepted`);
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

function parse(json: string, diagnostics: string): FfprobeOutput {
  try {
    return JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new ProbeError('file is not a readable media file', diagnostics);
  }
}

function interpret({ streams = [], format = {} }: FfprobeOutput): ProbeResult {
  // Cover art in an audio file shows up as a one-frame video stream.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) throw new ProbeError('no video stream found');

  const durationSeconds = positive(Number(format.duration)) ?? positive(Number(video.duration));
  if (durationSeconds === undefined) throw new ProbeError('video duration is unknown or zero');

  const frameRate = ratio(video.avg_frame_rate) ?? ratio(video.r_frame_rate);
  if (frameRate === undefined) throw new ProbeError('video frame rate is unknown');

  if (!(video.width && video.width > 0 && video.height && video.height > 0)) {
    throw new ProbeError('video dimensions are unknown');
  }
  const { width, height } = displaySize({
    width: video.width,
    height: video.height,
    sampleAspectRatio: ratio(video.sample_aspect_ratio?.replace(':', '/')),
    rotation: video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(video.tags?.rotate ?? 0),
  });

  return {
    durationSeconds,
    width,
    height,
    videoCodec: video.codec_name ?? 'unknown',
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    frameRate,
  };
}

/**
 * The size a player shows. ffmpeg applies rotation itself when it decodes
 * (phones store portrait video as landscape plus a 90° display matrix), so the
 * ladder must be planned for the rotated size or every rendition comes out squashed.
 */
function displaySize(coded: { width: number; height: number; sampleAspectRatio?: number; rotation: number }): {
  width: number;
  height: number;
} {
  const width = Math.round(coded.width * (coded.sampleAspectRatio ?? 1));
  return Math.abs(coded.rotation) % 180 === 90 ? { width: coded.height, height: width } : { width, height: coded.height };
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** "30000/1001" → 29.97; "0/0" and "N/A" → undefined. */
function ratio(text: string | undefined): number | undefined {
  const [num, den] = (text ?? '').split('/').map(Number);
  return positive(den === undefined ? num : (num ?? NaN) / den);
}
