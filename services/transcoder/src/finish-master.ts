import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '@vidgate/common/errors';

/** One variant of the master playlist, as finishMaster left it. */
export interface VariantStats {
  /** Relative to the master: "720p/index.m3u8", "audio/index.m3u8". */
  uri: string;
  /** Bits per second: the peak segment bit rate (RFC 8216 §4.3.4.2), as BANDWIDTH now says. */
  bandwidth: number;
  /** Bits per second over the whole variant, as AVERAGE-BANDWIDTH now says. */
  averageBandwidth: number;
  codecs: string;
}

const STREAM_INF = '#EXT-X-STREAM-INF:';
const INDEPENDENT = '#EXT-X-INDEPENDENT-SEGMENTS';
/** NAME=value pairs of an attribute list; a quoted value may hold commas. */
const ATTRIBUTE = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;

/**
 * Puts right what ffmpeg's master playlist gets wrong for a finished VOD
 * package. ffmpeg writes BANDWIDTH from the encoders' nominal rates plus 10 %,
 * but RFC 8216 asks for the peak of the segments as written, and MPEG-TS
 * overhead alone takes the 64 kb/s audio-only variant past ffmpeg's figure. So
 * BANDWIDTH and AVERAGE-BANDWIDTH are measured from the files. ffmpeg marks
 * only the video variants' playlists independent; every segment of every
 * variant is (forced keyframes, AAC frames), so the master says so for all.
 * A variant without CODECS is refused: hls.js would then keep the audio-only
 * variant among its video levels.
 */
export async function finishMaster(masterPath: string): Promise<VariantStats[]> {
  const lines = (await readFile(masterPath, 'utf8')).split('\n');
  const variants: VariantStats[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(STREAM_INF)) continue;
    const uri = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.startsWith('#'))?.trim();
    if (uri === undefined) throw new AppError('transcode_failed', `master playlist: ${line} names no playlist`);
    const attributes = new Map([...line.slice(STREAM_INF.length).matchAll(ATTRIBUTE)].map((m) => [m[1]!, m[2]!]));
    const codecs = attributes.get('CODECS')?.replaceAll('"', '');
    if (!codecs) throw new AppError('transcode_failed', `master playlist: no CODECS for ${uri}`);
    const measured = await measureVariant(join(dirname(masterPath), uri));
    const rest = [...attributes].filter(([name]) => name !== 'BANDWIDTH' && name !== 'AVERAGE-BANDWIDTH');
    const attributeList = [['BANDWIDTH', String(measured.bandwidth)], ['AVERAGE-BANDWIDTH', String(measured.averageBandwidth)], ...rest];
    lines[i] = STREAM_INF + attributeList.map(([name, value]) => `${name}=${value}`).join(',');
    variants.push({ uri, codecs, ...measured });
  }
  if (variants.length === 0) throw new AppError('transcode_failed', 'master playlist lists no variant');
  if (!lines.includes(INDEPENDENT)) lines.splice(lines[1]?.startsWith('#EXT-X-VERSION') ? 2 : 1, 0, INDEPENDENT);
  await writeFile(masterPath, lines.join('\n'));
  return variants;
}

interface Segment {
  seconds: number;
  bits: number;
}

async function measureVariant(playlistPath: string): Promise<{ bandwidth: number; averageBandwidth: number }> {
  const lines = (await readFile(playlistPath, 'utf8')).split('\n').map((l) => l.trim());
  const target = Number(lines.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'))?.split(':')[1]);
  const segments: Segment[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('#EXTINF:')) continue;
    const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
    if (uri === undefined) throw new AppError('transcode_failed', `${playlistPath}: a segment without a URI`);
    segments.push({ seconds: Number.parseFloat(line.slice('#EXTINF:'.length)), bits: (await stat(join(dirname(playlistPath), uri))).size * 8 });
  }
  const total = sum(segments);
  if (!(total.seconds > 0) || !(target > 0)) throw new AppError('transcode_failed', `${playlistPath}: no segments or no target duration`);
  return { bandwidth: Math.ceil(peakRate(segments, target) ?? total.bits / total.seconds), averageBandwidth: Math.ceil(total.bits / total.seconds) };
}

/**
 * RFC 8216: the largest bit rate of any run of consecutive segments lasting
 * 0.5 to 1.5 target durations; so a last segment of a few milliseconds does
 * not count as a burst. Undefined when no run fits (a very short video).
 */
export function peakRate(segments: readonly Segment[], targetSeconds: number): number | undefined {
  let peak: number | undefined;
  for (let start = 0; start < segments.length; start++) {
    for (let end = start + 1; end <= segments.length; end++) {
      const run = sum(segments.slice(start, end));
      if (run.seconds > 1.5 * targetSeconds) break;
      if (run.seconds >= 0.5 * targetSeconds) peak = Math.max(peak ?? 0, run.bits / run.seconds);
    }
  }
  return peak;
}

function sum(segments: readonly Segment[]): Segment {
  return segments.reduce((a, s) => ({ seconds: a.seconds + s.seconds, bits: a.bits + s.bits }), { seconds: 0, bits: 0 });
}
