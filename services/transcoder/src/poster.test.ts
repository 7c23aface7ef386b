import { describe, expect, it } from 'vitest';
import { posterArgs } from './poster.ts';

const base = { input: '/in/clip.mp4', output: '/out/poster.jpg', atSeconds: 3, width: 640 };
const seekOf = (args: string[]): string | undefined => args[args.indexOf('-ss') + 1];

describe('posterArgs', () => {
  it('seeks to atSeconds in a long clip and to the middle of a short one', () => {
    expect(seekOf(posterArgs({ ...base, durationSeconds: 600 }))).toBe('3.000');
    expect(seekOf(posterArgs({ ...base, durationSeconds: 4 }))).toBe('2.000');
  });

  it('writes a single frame of the given width to the output', () => {
    const args = posterArgs({ ...base, durationSeconds: 10 });
    expect(args.join(' ')).toContain('-frames:v 1 -vf scale=w=640:h=trunc(ow/dar/2)*2,setsar=1');
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(args.at(-1)).toBe('/out/poster.jpg');
  });
});
