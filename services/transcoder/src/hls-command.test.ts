import { describe, expect, it } from 'vitest';
import { hlsArgs } from './hls-command.ts';
import { AUDIO_ONLY, planLadder } from './ladder.ts';

const renditions = planLadder({ width: 1280, height: 720 }).filter((r) => r.name === '360p' || r.name === '720p');
const base = { input: '/in/clip.mp4', outDir: '/out/v1', renditions, hasAudio: true, durationSeconds: 12, frameRate: 30 };

/** The value following a flag; fails the test when the flag is missing. */
function valueOf(args: string[], flag: string): string {
  const i = args.indexOf(flag);
  expect(i, flag).toBeGreaterThanOrEqual(0);
  return args[i + 1]!;
}

describe('hlsArgs', () => {
  it('maps one scaled video and one audio copy per rendition into a single HLS output', () => {
    const args = hlsArgs(base);
    expect(valueOf(args, '-filter_complex')).toBe(
      '[0:v]split=2[s0][s1];[s0]scale=w=640:h=360,setsar=1,format=yuv420p[v0];[s1]scale=w=1280:h=720,setsar=1,format=yuv420p[v1]',
    );
    expect(args.filter((a, i) => args[i - 1] === '-map')).toEqual(['[v0]', '[v1]', '0:a:0', '0:a:0']);
    expect(valueOf(args, '-var_stream_map')).toBe('v:0,a:0,name:360p v:1,a:1,name:720p');
    expect(valueOf(args, '-b:v:1')).toBe('2800k');
    expect(valueOf(args, '-maxrate:v:1')).toBe('3080k');
    expect(valueOf(args, '-bufsize:v:0')).toBe('1600k');
    expect(valueOf(args, '-b:a:1')).toBe('128k');
    expect(valueOf(args, '-i')).toBe('file:/in/clip.mp4');
    expect(valueOf(args, '-hls_segment_filename')).toBe('/out/v1/%v/seg_%05d.ts');
    expect(args.at(-1)).toBe('/out/v1/%v/index.m3u8');
    expect(args.join(' ')).toContain('-f hls -hls_time 2 -hls_playlist_type vod -hls_flags independent_segments -master_pl_name master.m3u8');
    expect(args.join(' ')).toContain('-progress pipe:1');
  });

  it('aligns keyframes on segment boundaries', () => {
    const args = hlsArgs({ ...base, frameRate: 30000 / 1001, segmentSeconds: 4 });
    expect(valueOf(args, '-g')).toBe('120');
    expect(valueOf(args, '-keyint_min')).toBe('120');
    expect(valueOf(args, '-sc_threshold')).toBe('0');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(valueOf(args, '-hls_time')).toBe('4');
  });

  it('adds the audio-only variant last, from the same run: its own 64k encode, starting with the video and ending one AAC frame early', () => {
    const args = hlsArgs({ ...base, audioOnly: AUDIO_ONLY });
    expect(valueOf(args, '-filter_complex')).toMatch(/;\[0:a:0\]aresample=48000:first_pts=0,atrim=end=11\.978667\[aonly\]$/);
    expect(args.filter((a, i) => args[i - 1] === '-map')).toEqual(['[v0]', '[v1]', '0:a:0', '0:a:0', '[aonly]']);
    expect(valueOf(args, '-b:a:1')).toBe('128k');
    expect(valueOf(args, '-b:a:2')).toBe('64k');
    expect(valueOf(args, '-var_stream_map')).toBe('v:0,a:0,name:360p v:1,a:1,name:720p a:2,name:audio');
    expect(() => hlsArgs({ ...base, hasAudio: false, audioOnly: AUDIO_ONLY })).toThrow(RangeError);
  });

  it('leaves audio out of maps, encoders and the stream map for a silent source', () => {
    const args = hlsArgs({ ...base, hasAudio: false });
    expect(args).not.toContain('0:a:0');
    expect(args).not.toContain('-c:a');
    expect(valueOf(args, '-var_stream_map')).toBe('v:0,name:360p v:1,name:720p');
  });

  it('refuses an empty ladder and an output folder ffmpeg would mangle', () => {
    expect(() => hlsArgs({ ...base, renditions: [] })).toThrow(RangeError);
    expect(() => hlsArgs({ ...base, outDir: '/out/100%' })).toThrow(RangeError);
  });
});
