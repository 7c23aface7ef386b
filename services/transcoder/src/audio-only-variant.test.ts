import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakRate } from './finish-master.ts';
import { packageHls, type PackageResult } from './package-hls.ts';
import { storedRenditions } from './publish-hls.ts';
import { generateTestVideo } from './test-video.ts';

// The audio-only variant, from real ffmpeg output: listed in the master with
// the attributes a player chooses by, audio alone in its segments, and on the
// same timeline as the video variants.
const run = promisify(execFile);
const AAC_FRAME_SECONDS = 1024 / 48_000;

let dir: string;
let result: PackageResult;
let master: string;

/** Attributes of each EXT-X-STREAM-INF, with the URI on the line after it. */
function variantsOf(text: string): { uri: string; attributes: Map<string, string> }[] {
  const lines = text.split('\n');
  return lines.flatMap((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return [];
    const attributes = new Map([...line.slice(18).matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)].map((m) => [m[1]!, m[2]!]));
    return [{ uri: lines[i + 1]!.trim(), attributes }];
  });
}

async function segmentsOf(variantUri: string): Promise<{ path: string; seconds: number }[]> {
  const playlistPath = join(dirname(result.masterPath), variantUri);
  const lines = (await readFile(playlistPath, 'utf8')).split('\n');
  return lines.flatMap((line, i) =>
    line.startsWith('#EXTINF:') ? [{ seconds: Number.parseFloat(line.slice(8)), path: join(dirname(playlistPath), lines[i + 1]!.trim()) }] : [],
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-audio-only-'));
  const clip = join(dir, 'clip.mp4');
  // A whole number of segments: without the trim, the encoder's priming frame spills into a tiny fourth audio segment.
  await generateTestVideo({ output: clip, seconds: 6, width: 640, height: 360 });
  result = await packageHls({ input: clip, outDir: join(dir, 'hls') });
  master = await readFile(result.masterPath, 'utf8');
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the audio-only variant', () => {
  it('is listed last in the master, as AAC-LC without a resolution, and every variant names its codecs', () => {
    const variants = variantsOf(master);
    expect(variants.map((v) => v.uri)).toEqual(['240p/index.m3u8', '360p/index.m3u8', 'audio/index.m3u8']);
    const audio = variants.at(-1)!.attributes;
    expect(audio.get('CODECS')).toBe('"mp4a.40.2"');
    expect(audio.has('RESOLUTION')).toBe(false);
    for (const v of variants.slice(0, -1)) expect(v.attributes.get('CODECS')).toMatch(/^"avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
    expect(master).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
  });

  it('has a BANDWIDTH no 2 s segment of it exceeds, and an AVERAGE-BANDWIDTH near its 64 kb/s', async () => {
    for (const { uri, attributes } of variantsOf(master)) {
      const segments = await segmentsOf(uri);
      const rates = await Promise.all(segments.filter((s) => s.seconds >= 1).map(async (s) => ((await stat(s.path)).size * 8) / s.seconds));
      expect(Number(attributes.get('BANDWIDTH')), uri).toBeGreaterThanOrEqual(Math.max(...rates));
      expect(Number(attributes.get('AVERAGE-BANDWIDTH')), uri).toBeLessThanOrEqual(Number(attributes.get('BANDWIDTH')));
    }
    const audio = variantsOf(master).at(-1)!.attributes;
    // AAC at 64 kb/s plus MPEG-TS overhead: more than the encoder's rate (ffmpeg's own figure, 70400, was below the files), well under a video rung.
    expect(Number(audio.get('AVERAGE-BANDWIDTH'))).toBeGreaterThan(64_000);
    expect(Number(audio.get('BANDWIDTH'))).toBeLessThan(100_000);
  });

  it('has segments that carry one stereo AAC stream and nothing else', async () => {
    const segments = await segmentsOf('audio/index.m3u8');
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) {
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,channels,sample_rate', '-of', 'json', s.path]);
      expect((JSON.parse(stdout) as { streams: unknown[] }).streams).toEqual([{ codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' }]);
    }
  });

  it('has as many segments as the video variants, each as long to within one AAC frame', async () => {
    const video = await segmentsOf('360p/index.m3u8');
    const audio = await segmentsOf('audio/index.m3u8');
    expect(audio.length).toBe(video.length);
    let videoEnd = 0;
    let audioEnd = 0;
    for (const [i, a] of audio.entries()) {
      videoEnd += video[i]!.seconds;
      audioEnd += a.seconds;
      // Boundaries, not only lengths: an audio segment cut late never pushes the next one further off.
      expect(Math.abs(audioEnd - videoEnd), `boundary after segment ${i}`).toBeLessThanOrEqual(AAC_FRAME_SECONDS + 0.001);
    }
  });

  it('is stored as kind audio with its bit rate, after the video renditions, with the bandwidths the master gives', () => {
    const stored = storedRenditions(result);
    expect(stored.map((r) => r.name)).toEqual(['240p', '360p', 'audio']);
    expect(stored.at(-1)).toEqual({ kind: 'audio', name: 'audio', bandwidth: result.variants.at(-1)!.bandwidth, audioBitrate: 64_000 });
    expect(stored[0]).toMatchObject({ kind: 'video', width: 426, height: 240 });
    const bandwidths = variantsOf(master).map((v) => Number(v.attributes.get('BANDWIDTH')));
    expect(stored.map((r) => r.bandwidth)).toEqual(bandwidths);
  });
});

describe('peakRate', () => {
  it('takes the busiest run of segments lasting half to one and a half target durations, not a few milliseconds alone', () => {
    const segments = [
      { seconds: 2, bits: 200_000 },
      { seconds: 2, bits: 300_000 },
      { seconds: 0.02, bits: 30_000 }, // 1.5 Mb/s on its own: PAT/PMT and a frame
    ];
    expect(peakRate(segments, 2)).toBeCloseTo(330_000 / 2.02, 6);
    expect(peakRate([{ seconds: 0.5, bits: 1000 }], 2)).toBeUndefined();
  });
});
