import { AppError } from '@vidgate/common/errors';
import { resolveObjectKey } from '../hls/resolve-object-key.ts';

/** A cue's payload as the transcoder writes it: a sheet relative to the VTT and its tile. */
const TILE_REFERENCE = /^([^\s#?]+)(#xywh=\d+,\d+,\d+,\d+)$/;
const TIMING = /^\d{2,}:\d{2}:\d{2}\.\d{3} --> \d{2,}:\d{2}:\d{2}\.\d{3}$/;

export interface SignStoryboardInput {
  /** The stored WebVTT (services/transcoder/src/storyboard-plan.ts writes it). */
  text: string;
  /** Its object key, e.g. "videos/abc/hls/storyboard.vtt": references resolve against its folder. */
  vttKey: string;
  /** Every sheet must lie under this prefix, e.g. "videos/abc/hls/". */
  videoPrefix: string;
  /** Signs the /media/ paths of the sheets at once; returns each path + "?" + its signed query. */
  signPaths(paths: readonly string[]): string[];
}

/**
 * The storyboard with every image reference replaced by a signed absolute-path
 * /media/ URL, its #xywh fragment kept. The browser fetches the sheet itself,
 * so a relative reference would reach nginx unsigned. The file is ours, but
 * it is read back from storage: a reference that is not a plain sheet of this
 * video makes the whole file unusable rather than signed (500, logged).
 */
export function signStoryboard(input: SignStoryboardInput): { text: string; signed: number } {
  const lines = input.text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!lines[0]?.startsWith('WEBVTT')) throw broken(1, 'it does not start with WEBVTT');
  const dir = input.vttKey.slice(0, input.vttKey.lastIndexOf('/') + 1);
  const tiles: { line: number; key: string; fragment: string }[] = [];
  let inCue = false;
  for (const [n, line] of lines.entries()) {
    if (line === '') inCue = false;
    else if (TIMING.test(line)) inCue = true;
    else if (inCue) {
      const m = TILE_REFERENCE.exec(line);
      const resolved = m ? resolveObjectKey(m[1]!, dir, input.videoPrefix) : { problem: 'is not "<sheet>#xywh=x,y,w,h"' };
      if ('problem' in resolved) throw broken(n + 1, `the reference ${resolved.problem}`);
      tiles.push({ line: n, key: resolved.key, fragment: m![2]! });
    }
  }
  // Tiles of one sheet share its URL: each sheet is signed once.
  const paths = [...new Set(tiles.map((t) => `/media/${t.key}`))];
  const signedPaths = input.signPaths(paths);
  const urls = new Map(paths.map((path, i) => [path, signedPaths[i]!]));
  for (const tile of tiles) lines[tile.line] = urls.get(`/media/${tile.key}`)! + tile.fragment;
  return { text: lines.join('\n'), signed: paths.length };
}

function broken(line: number, why: string): AppError {
  return new AppError('internal', `stored storyboard, line ${line}: ${why}`);
}
