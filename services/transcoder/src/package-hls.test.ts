import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageHls, type PackageResult } from './package-hls.ts';
import { ProbeError } from './probe.ts';
import { generateTestVideo } from './test-video.ts';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-package-'));
  clip = join(dir, 'clip.mp4');
  await generateTestVideo({ output: clip, seconds: 4, width: 1280, height: 720 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Variant {
  uri: string;
  attributes: string;
}

function variantsOf(master: string): Variant[] {
  const lines = master.split('\n');
  return lines.flatMap((line, i) =>
    line.startsWith('#EXT-X-STREAM-INF:') ? [{ attributes: line, uri: lines[i + 1]!.trim() }] : [],
  );
}

function segmentsOf(playlist: string): { uri: string; seconds: number }[] {
  const lines = playlist.split('\n');
  return lines.flatMap((line, i) =>
    line.startsWith('#EXTINF:') ? [{ seconds: Number.parseFloat(line.slice(8)), uri: lines[i + 1]!.trim() }] : [],
  );
}

describe('packageHls', () => {
  let result: PackageResult;
  const fractions: number[] = [];

  beforeAll(async () => {
    result = await packageHls({ input: clip, outDir: join(dir, 'full'), onProgress: (f) => fractions.push(f) });
  }, 30_000);

  it('writes a master playlist listing every rendition with bandwidth and resolution, then the audio-only variant', async () => {
    expect(result.renditions.map((r) => r.name)).toEqual(['240p', '360p', '480p', '720p']);
    const variants = variantsOf(await readFile(result.masterPath, 'utf8'));
    expect(variants.map((v) => v.uri)).toEqual([...result.renditions.map((r) => `${r.name}/index.m3u8`), 'audio/index.m3u8']);
    for (const [i, v] of variants.slice(0, -1).entries()) {
      const { width, height } = result.renditions[i]!;
      expect(v.attributes).toMatch(/BANDWIDTH=\d+/);
      expect(v.attributes).toContain(`RESOLUTION=${width}x${height}`);
      expect(v.attributes).toContain('mp4a.40.2');
    }
  });

  it('writes complete variant playlists whose segments cover the source and line up across renditions', async () => {
    const timelines: number[][] = [];
    for (const r of result.renditions) {
      const playlistPath = join(dirname(result.masterPath), r.name, 'index.m3u8');
      const playlist = await readFile(playlistPath, 'utf8');
      expect(playlist).toContain('#EXT-X-ENDLIST');
      const segments = segmentsOf(playlist);
      for (const s of segments) {
        expect(s.seconds).toBeLessThanOrEqual(2.5);
        expect(existsSync(join(dirname(playlistPath), s.uri)), s.uri).toBe(true);
        expect(result.files).toContain(`${r.name}/${s.uri}`);
      }
      const total = segments.reduce((sum, s) => sum + s.seconds, 0);
      expect(Math.abs(total - result.probe.durationSeconds)).toBeLessThanOrEqual(0.3);
      timelines.push(segments.map((s) => s.seconds));
    }
    for (const timeline of timelines) expect(timeline).toEqual(timelines[0]);
  });

  it('writes a JPEG poster and lists every file it wrote', async () => {
    const poster = await readFile(result.posterPath);
    expect([...poster.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(result.files).toContain('master.m3u8');
    expect(result.files).toContain('poster.jpg');
    expect(result.files).toContain('720p/seg_00000.ts');
    expect(result.files).toContain('storyboard.vtt');
    expect(result.files).toContain('storyboard-0.jpg');
    expect(result.storyboard).toMatchObject({ tileCount: 4, tileWidth: 160, tileHeight: 90 });
    expect(result.files).toEqual([...result.files].sort());
  });

  it('reports rising progress that ends at 1', () => {
    expect(fractions.length).toBeGreaterThanOrEqual(2);
    expect(fractions.every((f, i) => i === 0 || f > fractions[i - 1]!)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });
});

describe('packageHls edge cases', () => {
  it('packages a silent source below the smallest rung as one video-only rendition', async () => {
    const input = join(dir, 'small-silent.mp4');
    await generateTestVideo({ output: input, seconds: 2, width: 320, height: 180, withAudio: false });
    const result = await packageHls({ input, outDir: join(dir, 'small') });
    expect(result.renditions.map((r) => r.name)).toEqual(['180p']);
    const [variant, ...rest] = variantsOf(await readFile(result.masterPath, 'utf8'));
    expect(rest).toEqual([]);
    expect(variant?.attributes).toContain('RESOLUTION=320x180');
    expect(variant?.attributes).not.toContain('mp4a');
    expect(result.files).toEqual(['180p/index.m3u8', '180p/seg_00000.ts', 'master.m3u8', 'poster.jpg', 'storyboard-0.jpg', 'storyboard.vtt']);
  }, 15_000);

  it('kills ffmpeg, removes the partial package and rejects when aborted mid-encode', async () => {
    const controller = new AbortController();
    const outDir = join(dir, 'aborted');
    const started = Date.now();
    const run = packageHls({ input: clip, outDir, signal: controller.signal, onProgress: (f) => f > 0.1 && controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await readdir(outDir)).toEqual([]);
  }, 15_000);

  it('refuses an output folder that already holds files', async () => {
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'old.txt'), 'x');
    await expect(packageHls({ input: clip, outDir: join(dir, 'taken') })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('passes a ProbeError through for an upload that is not a video', async () => {
    await writeFile(join(dir, 'notes.mp4'), 'not a video');
    await expect(packageHls({ input: join(dir, 'notes.mp4'), outDir: join(dir, 'notes') })).rejects.toBeInstanceOf(ProbeError);
  });
});
