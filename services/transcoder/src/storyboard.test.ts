import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMON_ARGS } from './ffmpeg-args.ts';
import { STORYBOARD_FILE } from '@vidgate/common/video';
import { runFfmpeg } from './run-ffmpeg.ts';
import { writeStoryboard } from './storyboard.ts';
import { planStoryboard } from './storyboard-plan.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-storyboard-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A clip whose brightness says the time: every frame of second s is one flat
 * grey (luma 16 + 18 × (s mod 12), in video range), so a tile's mean level names the second it was taken at.
 */
async function clockClip(name: string, seconds: number, width: number, height: number): Promise<string> {
  const output = join(dir, `${name}.mp4`);
  await runFfmpeg({
    args: [...COMMON_ARGS, '-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}:r=25:d=${seconds},geq=lum='16+18*mod(floor(T),12)':cb=128:cr=128`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', output],
    durationSeconds: seconds,
  });
  return output;
}

async function imageSize(path: string): Promise<{ width: number; height: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'json', path]);
  const [stream] = (JSON.parse(stdout) as { streams: { width: number; height: number }[] }).streams;
  return { width: stream!.width, height: stream!.height };
}

/** The full-range grey the clip's luma of second s becomes in a JPEG. */
const levelOf = (second: number) => (18 * (second % 12) * 255) / 219;

/** The mean grey level of one tile of a sheet (ffmpeg crops and averages it to one pixel). */
async function tileLevel(sheet: string, x: number, y: number, w: number, h: number): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', sheet, '-vf', `crop=${w}:${h}:${x}:${y},scale=1:1:flags=area,format=gray`, '-f', 'rawvideo', '-'], { encoding: 'buffer' });
  return stdout[0]!;
}

interface Cue { start: number; end: number; sheet: string; x: number; y: number; w: number; h: number }

/** Reads the VTT as a player would: every cue's timing line and its payload. */
function parseVtt(text: string): Cue[] {
  expect(text.startsWith('WEBVTT\n')).toBe(true);
  const seconds = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  return text.split('\n\n').slice(1).filter((block) => block.trim() !== '').map((block) => {
    const [timing, payload] = block.trim().split('\n');
    const t = /^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$/.exec(timing!);
    const p = /^(storyboard-\d+\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(payload!);
    expect(t, timing).not.toBeNull();
    expect(p, payload).not.toBeNull();
    return { start: seconds(t![1]!), end: seconds(t![2]!), sheet: p![1]!, x: Number(p![2]), y: Number(p![3]), w: Number(p![4]), h: Number(p![5]) };
  });
}

/** The cues cover [0, duration] end to end, and every tile lies inside its sheet. */
async function checkCoverage(outDir: string, cues: Cue[], durationSeconds: number) {
  expect(cues[0]!.start).toBe(0);
  for (const [i, cue] of cues.entries()) {
    expect(cue.end).toBeGreaterThan(cue.start);
    if (i > 0) expect(cue.start).toBe(cues[i - 1]!.end);
  }
  expect(cues.at(-1)!.end).toBeCloseTo(durationSeconds, 2);
  const sheets = new Map<string, { width: number; height: number }>();
  for (const name of new Set(cues.map((c) => c.sheet))) sheets.set(name, await imageSize(join(outDir, name)));
  for (const cue of cues) {
    const sheet = sheets.get(cue.sheet)!;
    expect(cue.x + cue.w).toBeLessThanOrEqual(sheet.width);
    expect(cue.y + cue.h).toBeLessThanOrEqual(sheet.height);
  }
  return sheets;
}

describe('writeStoryboard with real ffmpeg', () => {
  it('writes one sheet whose pixel size is the grid of the VTT\'s tiles, each tile the frame at its cue\'s start', async () => {
    const clip = await clockClip('clock', 10.5, 320, 180);
    const outDir = join(dir, 'one');
    await mkdir(outDir);
    const plan = await writeStoryboard({ input: clip, outDir, video: { durationSeconds: 10.5, width: 320, height: 180 } });
    expect(await readdir(outDir)).toEqual(['storyboard-0.jpg', STORYBOARD_FILE]);

    const cues = parseVtt(await readFile(join(outDir, STORYBOARD_FILE), 'utf8'));
    expect(cues).toHaveLength(11);
    const sheets = await checkCoverage(outDir, cues, 10.5);
    expect(cues.every((c) => c.w === 160 && c.h === 90)).toBe(true);
    // 11 tiles: 10 columns, 2 rows, exactly.
    expect(sheets.get('storyboard-0.jpg')).toEqual({ width: 10 * 160, height: 2 * 90 });
    expect(plan).toMatchObject({ intervalSeconds: 1, tileCount: 11, sheetCount: 1 });

    for (const cue of cues) {
      const level = await tileLevel(join(outDir, cue.sheet), cue.x, cue.y, cue.w, cue.h);
      expect(Math.abs(level - levelOf(cue.start)), `tile of ${cue.start} s`).toBeLessThanOrEqual(6);
    }
  }, 30_000);

  it('spreads a video longer than a sheet over several, a portrait one in tall tiles, with no gap at any sheet boundary', async () => {
    const clip = await clockClip('long-portrait', 131, 90, 160);
    const outDir = join(dir, 'two');
    await mkdir(outDir);
    await writeStoryboard({ input: clip, outDir, video: { durationSeconds: 131, width: 90, height: 160 } });
    expect((await readdir(outDir)).sort()).toEqual(['storyboard-0.jpg', 'storyboard-1.jpg', STORYBOARD_FILE]);

    const cues = parseVtt(await readFile(join(outDir, STORYBOARD_FILE), 'utf8'));
    expect(cues).toHaveLength(131);
    const sheets = await checkCoverage(outDir, cues, 131);
    expect(cues.every((c) => c.w === 90 && c.h === 160)).toBe(true);
    expect([...sheets.values()]).toEqual([{ width: 900, height: 1600 }, { width: 900, height: 1600 }]);
    expect(cues.filter((c) => c.sheet === 'storyboard-1.jpg').map((c) => c.start)).toEqual(Array.from({ length: 31 }, (_, i) => 100 + i));
    // The first tile of the second sheet, and the last tile of all, are the right frames.
    for (const cue of [cues[100]!, cues[130]!]) {
      const level = await tileLevel(join(outDir, cue.sheet), cue.x, cue.y, cue.w, cue.h);
      expect(Math.abs(level - levelOf(cue.start)), `tile of ${cue.start} s`).toBeLessThanOrEqual(6);
    }
  }, 60_000);
});

describe('planStoryboard', () => {
  it('takes a tile a second up to 300 s, then stretches the interval so there are never more than 300 tiles in 3 sheets', () => {
    expect(planStoryboard({ durationSeconds: 4, width: 1280, height: 720 })).toMatchObject({ intervalSeconds: 1, tileCount: 4, columns: 4, rows: 1, sheetCount: 1 });
    expect(planStoryboard({ durationSeconds: 300, width: 1280, height: 720 })).toMatchObject({ intervalSeconds: 1, tileCount: 300, sheetCount: 3 });
    expect(planStoryboard({ durationSeconds: 301, width: 1280, height: 720 })).toMatchObject({ intervalSeconds: 2, tileCount: 151, sheetCount: 2 });
    expect(planStoryboard({ durationSeconds: 14_400, width: 3840, height: 2160 })).toMatchObject({ intervalSeconds: 48, tileCount: 300, columns: 10, rows: 10, sheetCount: 3 });
    for (const durationSeconds of [0.4, 59.9, 1234.5, 7200, 14_400]) {
      const plan = planStoryboard({ durationSeconds, width: 1920, height: 1080 });
      expect(plan.tileCount).toBeLessThanOrEqual(300);
      expect(plan.tileCount * plan.intervalSeconds).toBeGreaterThanOrEqual(durationSeconds);
      expect(plan.columns * plan.tileWidth).toBeLessThanOrEqual(1600);
      expect(plan.rows * plan.tileHeight).toBeLessThanOrEqual(1600);
    }
  });

  it('fits tiles in 160 × 160 with even sides, whatever the shape', () => {
    const size = (width: number, height: number) => {
      const { tileWidth, tileHeight } = planStoryboard({ durationSeconds: 10, width, height });
      return [tileWidth, tileHeight];
    };
    expect(size(1920, 1080)).toEqual([160, 90]);
    expect(size(1080, 1920)).toEqual([90, 160]);
    expect(size(640, 480)).toEqual([160, 120]);
    expect(size(500, 500)).toEqual([160, 160]);
    expect(size(4000, 16)).toEqual([160, 2]);
  });

  it('refuses a video without a duration or a size', () => {
    expect(() => planStoryboard({ durationSeconds: 0, width: 640, height: 360 })).toThrow(RangeError);
    expect(() => planStoryboard({ durationSeconds: 5, width: 0, height: 360 })).toThrow(RangeError);
  });
});
