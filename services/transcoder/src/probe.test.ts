import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMON_ARGS } from './ffmpeg-args.ts';
import type { MediaLimits } from './media-limits.ts';
import { ProbeError, probeVideo, type ProbeOptions } from './probe.ts';
import { runProcess } from './run-process.ts';
import { runFfmpeg } from './run-ffmpeg.ts';
import { generateTestVideo } from './test-video.ts';

let dir: string;
let clip: string;
const at = (name: string): string => join(dir, name);
const run = async (command: string, args: string[]) => expect((await runProcess({ command, args })).exitCode).toBe(0);

/** Rewrites the clip without re-encoding, so each odd variant costs milliseconds. */
async function remux(output: string, ...args: string[]): Promise<string> {
  await runFfmpeg({ args: [...COMMON_ARGS, '-i', clip, ...args, at(output)], durationSeconds: 3 });
  return at(output);
}

async function reasonFor(file: string, opts?: ProbeOptions): Promise<string> {
  const err: unknown = await probeVideo(file, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return (err as ProbeError).reason;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-probe-'));
  clip = at('clip.mp4');
  await generateTestVideo({ output: clip, seconds: 3, width: 640, height: 360 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probeVideo', () => {
  it('describes a real clip', async () => {
    const probe = await probeVideo(clip);
    expect(probe).toMatchObject({ width: 640, height: 360, videoCodec: 'h264', hasAudio: true, frameRate: 30 });
    expect(probe.durationSeconds).toBeGreaterThan(2.8);
    expect(probe.durationSeconds).toBeLessThan(3.2);
  });

  it('reports the displayed size of rotated and non-square-pixel video', async () => {
    const rotated = await remux('rotated.mp4', '-c', 'copy', '-metadata:s:v:0', 'rotate=90');
    expect(await probeVideo(rotated)).toMatchObject({ width: 360, height: 640 });
    const anamorphic = await remux('anamorphic.mp4', '-c', 'copy', '-aspect', '4:3');
    expect(await probeVideo(anamorphic)).toMatchObject({ width: 480, height: 360 });
  });

  it('refuses files that are not media', async () => {
    await writeFile(at('notes.mp4'), 'these are my holiday notes\n');
    expect(await reasonFor(at('notes.mp4'))).toBe('file is not a readable media file');
    await writeFile(at('truncated.mp4'), (await readFile(clip)).subarray(0, 2048));
    expect(await reasonFor(at('truncated.mp4'))).toBe('file is not a readable media file');
  });

  it('refuses media that is not a video', async () => {
    expect(await reasonFor(await remux('tone.m4a', '-vn', '-c', 'copy'))).toBe('no video stream found');
    expect(await reasonFor(await remux('frame.jpg', '-frames:v', '1', '-update', '1'))).toBe('file is a still image, not a video');
    expect(await reasonFor(await remux('raw.h264', '-c', 'copy', '-f', 'h264'))).toBe('the h264 format is not accepted; upload MP4, MOV, WebM, MKV, AVI or MPEG');
  });

  it('refuses a playlist disguised as a video, which would read other local files', async () => {
    await remux('segment.ts', '-c', 'copy', '-f', 'mpegts');
    await writeFile(at('playlist.mp4'), '#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\nsegment.ts\n#EXT-X-ENDLIST\n');
    expect(await reasonFor(at('playlist.mp4'))).toBe('playlists are not accepted; upload the video file itself');
  });

  it('refuses a playlist without opening a single file it names (a FIFO that would block any reader)', async () => {
    const fifo = at('listed.fifo');
    await run('mkfifo', [fifo]);
    await writeFile(at('fifo-playlist.mp4'), `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\n${fifo}\n#EXT-X-ENDLIST\n`);
    // Opened, the FIFO would hold ffprobe until the timeout; refused by the format whitelist, it is never touched.
    expect(await reasonFor(at('fifo-playlist.mp4'), { timeoutMs: 5_000 })).toBe('playlists are not accepted; upload the video file itself');
  });

  it('refuses in seconds what the limits do not take: size, frame rate, duration, streams', async () => {
    const roomy: MediaLimits = { maxPixels: 640 * 360, maxFrameRate: 30, maxDurationSeconds: 4, maxStreams: 2, memoryBytes: 2 ** 32, cpuSeconds: 60 };
    expect(await probeVideo(clip, { limits: roomy })).toMatchObject({ width: 640, height: 360 });
    expect(await reasonFor(clip, { limits: { ...roomy, maxPixels: 640 * 360 - 1 } })).toBe('the video is 640×360 (0.2 MP); at most 0.2 MP is accepted');
    expect(await reasonFor(clip, { limits: { ...roomy, maxFrameRate: 25 } })).toBe('the video has 30 frames per second; at most 25 are accepted');
    expect(await reasonFor(clip, { limits: { ...roomy, maxDurationSeconds: 2 } })).toBe('the video lasts 3 s; at most 2 s is accepted');
    expect(await reasonFor(clip, { limits: { ...roomy, maxStreams: 1 } })).toBe('the file holds 2 streams; at most 1 are accepted');
  });

  it('gives up after the timeout', async () => {
    expect(await reasonFor(clip, { timeoutMs: 1 })).toBe('the file could not be read within 0.001 s');
  });

  it('rejects with the abort reason when aborted', async () => {
    await expect(probeVideo(clip, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('is an AppError the HTTP layer can render', () => {
    expect(new ProbeError('no video stream found')).toMatchObject({ code: 'media_invalid', status: 422, message: 'no video stream found' });
  });
});
