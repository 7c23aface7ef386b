import { AppError } from '@vidgate/common/errors';

/** The largest caption file accepted: a two-hour film's subtitles are about 150 KB. */
export const MAX_CAPTION_BYTES = 512 * 1024;

// hh:mm:ss.ttt with hours optional (two digits or more), minutes and seconds 00–59 (WebVTT §4.5).
const TIMESTAMP = '(?:(\\d{2,}):)?([0-5]\\d):([0-5]\\d)\\.(\\d{3})';
const TIMINGS = new RegExp(`^${TIMESTAMP}[ \\t]+-->[ \\t]+${TIMESTAMP}(?:[ \\t].*)?$`);
const LINE_BREAK = /\r\n|\r|\n/;
const TIMESTAMP_MAP = /^X-TIMESTAMP-MAP=/;

const refuse = (line: number, message: string) => new AppError('caption_invalid', `line ${line}: ${message}`);
const seconds = (m: RegExpExecArray, at: number) => Number(m[at] ?? 0) * 3600 + Number(m[at + 1]) * 60 + Number(m[at + 2]) + Number(m[at + 3]) / 1000;

/**
 * A WebVTT file as the caption routes accept it: UTF-8, the WEBVTT signature,
 * and blocks of which every cue has well-formed timings ending after they
 * start; at least one cue. Notes, styles and regions pass as they are. The
 * text is returned as sent (a refusal names the first line that is wrong).
 */
export function parseCaptionFile(bytes: Uint8Array): { text: string; cues: number } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new AppError('caption_invalid', 'a caption file must be UTF-8');
  }
  if (text.includes('\u0000')) throw new AppError('caption_invalid', 'a caption file must not contain NUL characters');
  const lines = text.replace(/^\uFEFF/, '').split(LINE_BREAK);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0]!)) throw refuse(1, 'a WebVTT file starts with "WEBVTT"');
  let i = 1;
  while (i < lines.length && lines[i] !== '') {
    if (lines[i]!.includes('-->')) throw refuse(i + 1, 'the header must end with an empty line before the first cue');
    i++;
  }
  let cues = 0;
  while (i < lines.length) {
    if (lines[i] === '') { i++; continue; }
    const start = i;
    while (i < lines.length && lines[i] !== '') i++;
    cues += checkBlock(lines.slice(start, i), start + 1);
  }
  if (cues === 0) throw new AppError('caption_invalid', 'a caption file needs at least one cue');
  return { text, cues };
}

/** One block, whose first line is line `first`: a cue (1) or a note, style or region (0). */
function checkBlock(block: string[], first: number): number {
  if (/^(NOTE|STYLE|REGION)(?:[ \t]|$)/.test(block[0]!) && !block[0]!.includes('-->')) return 0;
  // An identifier line may come before the timings.
  const at = block[0]!.includes('-->') ? 0 : 1;
  const timings = block[at];
  if (timings === undefined || !timings.includes('-->')) throw refuse(first, 'a cue needs a timing line "00:00:01.000 --> 00:00:02.000"');
  const m = TIMINGS.exec(timings);
  if (!m) throw refuse(first + at, `malformed cue timings "${timings.slice(0, 80)}"`);
  if (seconds(m, 5) <= seconds(m, 1)) throw refuse(first + at, 'a cue must end after it starts');
  const stray = block.findIndex((line, n) => n > at && line.includes('-->'));
  if (stray >= 0) throw refuse(first + stray, 'cue text must not contain "-->"');
  return 1;
}

/**
 * The file as players are to read it in HLS: without a mapping, a player takes
 * cue time 0 to be MPEG-TS time 0 (RFC 8216 §3.5), but the video's segments
 * start later (ffmpeg's at 1.4 s). The mapping puts cue time 0 at the first
 * timestamp of the first segment, where playback starts. A mapping the file
 * brought is replaced: cue times are relative to the start of the video.
 */
export function withTimestampMap(text: string, mpegTs: number): string {
  const eol = /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';
  const [signature, ...rest] = text.split(LINE_BREAK);
  const headerEnd = rest.indexOf('');
  const header = rest.slice(0, headerEnd < 0 ? rest.length : headerEnd).filter((line) => !TIMESTAMP_MAP.test(line));
  const body = headerEnd < 0 ? [] : rest.slice(headerEnd);
  return [signature, `X-TIMESTAMP-MAP=MPEGTS:${mpegTs},LOCAL:00:00:00.000`, ...header, ...body].join(eol);
}
