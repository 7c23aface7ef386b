import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generateTestVideo } from '../../services/transcoder/src/test-video.ts';
import { waitForVideo } from './pipeline.ts';
import { ORIGIN } from './test-stack.ts';
import { createUpload, putPresigned, type SingleUpload } from './uploads.ts';

/** A storyboard cue as a player reads it: its time span, the sheet's absolute URL and the tile. */
export interface StoryboardCue { start: number; end: number; url: string; x: number; y: number; w: number; h: number }

/** The cues of a WebVTT storyboard; references resolve against `base`, as a browser resolves them. */
export function parseStoryboard(text: string, base: string): StoryboardCue[] {
  expect(text.startsWith('WEBVTT')).toBe(true);
  const seconds = (t: string) => t.trim().split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  return text.split(/\n{2,}/).slice(1).filter((block) => block.trim() !== '').map((block) => {
    const [timing, ref] = block.trim().split('\n');
    const tile = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(ref ?? '');
    expect(timing, block).toContain('-->');
    expect(tile, block).not.toBeNull();
    const [start, end] = timing!.split('-->').map(seconds);
    return { start: start!, end: end!, url: new URL(tile![1]!, base).href, x: Number(tile![2]), y: Number(tile![3]), w: Number(tile![4]), h: Number(tile![5]) };
  });
}

/** The cue a player shows at `t`: the one whose span holds it (the last one at the very end). */
export const cueAt = (cues: readonly StoryboardCue[], t: number): StoryboardCue => cues.find((c) => t >= c.start && t < c.end) ?? cues[cues.length - 1]!;

/**
 * Uploads a generated test clip as `token`'s user, through the origin, and
 * waits until the transcoder has made it ready; returns its id.
 */
export async function uploadReadyClip(token: string, clip: { seconds: number; width: number; height: number; visibility?: 'public' | 'private' }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vidgate-storyboard-clip-'));
  try {
    const path = join(dir, 'clip.mp4');
    await generateTestVideo({ output: path, seconds: clip.seconds, width: clip.width, height: clip.height });
    const body = await readFile(path);
    const { videoId, upload } = await createUpload<SingleUpload>(token, { fileName: 'clip.mp4', size: body.length, contentType: 'video/mp4', title: 'storyboard clip', visibility: clip.visibility ?? 'private' });
    const put = await putPresigned(upload.put.url, body, 'video/mp4');
    expect(put.status, put.text).toBe(200);
    const { video } = await waitForVideo(videoId, token, (v) => v.status === 'ready' || v.status === 'failed', { timeoutMs: 90_000 });
    expect({ status: video.status, failureReason: video.failureReason }).toEqual({ status: 'ready', failureReason: undefined });
    return videoId;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same URL without its query: what an unsigned request for the object looks like. */
export const unsigned = (url: string): string => new URL(new URL(url).pathname, ORIGIN).href;
