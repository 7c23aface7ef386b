import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from './probe.ts';
import { generateTestVideo } from './test-video.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-test-video-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generateTestVideo', () => {
  it('writes an H.264/AAC MP4 of the asked size and length', async () => {
    const output = join(dir, 'with-audio.mp4');
    await generateTestVideo({ output, seconds: 1, width: 320, height: 180 });
    const probe = await probeVideo(output);
    expect(probe).toMatchObject({ width: 320, height: 180, videoCodec: 'h264', hasAudio: true });
    expect(probe.durationSeconds).toBeCloseTo(1, 1);
  });

  it('leaves the audio out on request', async () => {
    const output = join(dir, 'silent.mp4');
    await generateTestVideo({ output, seconds: 1, width: 160, height: 90, withAudio: false });
    expect(await probeVideo(output)).toMatchObject({ width: 160, height: 90, hasAudio: false });
  });
});
