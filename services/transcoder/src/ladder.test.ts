import { describe, expect, it } from 'vitest';
import { planLadder } from './ladder.ts';

const sizes = (source: { width: number; height: number }): string[] =>
  planLadder(source).map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('gives a 1080p source all five rungs, smallest first', () => {
    expect(sizes({ width: 1920, height: 1080 })).toEqual([
      '240p 426x240',
      '360p 640x360',
      '480p 854x480',
      '720p 1280x720',
      '1080p 1920x1080',
    ]);
  });

  it('never upscales', () => {
    expect(sizes({ width: 1280, height: 720 })).toEqual(['240p 426x240', '360p 640x360', '480p 854x480', '720p 1280x720']);
    expect(sizes({ width: 3840, height: 2160 })).toHaveLength(5);
    expect(sizes({ width: 1000, height: 700 }).at(-1)).toBe('480p 686x480');
  });

  it('gives a source below the smallest rung one rendition at its own even size', () => {
    expect(sizes({ width: 300, height: 200 })).toEqual(['200p 300x200']);
    expect(sizes({ width: 301, height: 201 })).toEqual(['200p 300x200']);
  });

  it('measures "p" on the shorter side, so portrait video keeps its orientation', () => {
    expect(sizes({ width: 720, height: 1280 })).toEqual(['240p 240x426', '360p 360x640', '480p 480x854', '720p 720x1280']);
  });

  it('keeps every size even and within the source', () => {
    for (const source of [{ width: 1281, height: 721 }, { width: 1440, height: 1080 }, { width: 1280, height: 534 }]) {
      for (const r of planLadder(source)) {
        expect(r.width % 2 + r.height % 2, `${r.width}x${r.height}`).toBe(0);
        expect(r.width).toBeLessThanOrEqual(source.width);
        expect(r.height).toBeLessThanOrEqual(source.height);
      }
    }
  });

  it('sets peak and buffer from the average bitrate, with 128k audio', () => {
    expect(planLadder({ width: 640, height: 360 }).at(-1)).toEqual({
      name: '360p',
      width: 640,
      height: 360,
      videoBitrateKbps: 800,
      maxrateKbps: 880,
      bufsizeKbps: 1600,
      audioBitrateKbps: 128,
    });
  });

  it('refuses sizes no encoder could produce', () => {
    expect(() => planLadder({ width: 0, height: 720 })).toThrow(RangeError);
    expect(() => planLadder({ width: 1280.5, height: 720 })).toThrow(RangeError);
  });
});
