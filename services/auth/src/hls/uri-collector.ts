import { isSafeObjectKey, MAX_KEY_LENGTH } from '@vidgate/common/object-key';
import { distinctPaths } from './distinct-paths.ts';
import { LineProblem, quote } from './playlist-problem.ts';
import { resolveObjectKey } from './resolve-object-key.ts';
import type { RewriteInput } from './rewrite-playlist.ts';
import type { UriKind } from './uri-tags.ts';

export interface UriCollector {
  /** The text from `start` to `end` is replaced by the signed URL of the object `uri` names. */
  replace(start: number, end: number, uri: string, kind: UriKind): void;
  /** Signs every collected path in one batch; returns the text with each URI replaced and a final "\n", as UTF-8 bytes. */
  fill(): Buffer;
}

/**
 * Collects the URIs to sign while the playlist is read, then signs them all at
 * once. Each object is signed once per playlist: key rotation repeats one key
 * URI many times and players cache keys by URL, so every repeat must be the
 * same string.
 */
export function createUriCollector(input: RewriteInput, text: string): UriCollector {
  const playlistDir = input.playlistKey.slice(0, input.playlistKey.lastIndexOf('/') + 1);
  // Without the slash, "videos/abc" would admit "videos/abcdef/...".
  const prefix = input.videoPrefix.endsWith('/') ? input.videoPrefix : `${input.videoPrefix}/`;
  // Where each URI is in the text, and the path it is signed for.
  const starts: number[] = [];
  const ends: number[] = [];
  const paths: string[] = [];
  const keyOf = (uri: string): string => {
    const resolved = resolveObjectKey(uri, playlistDir, prefix);
    if ('problem' in resolved) throw new LineProblem(`URI ${quote(uri)} ${resolved.problem}`);
    return resolved.key;
  };
  // The common case (a plain relative path into a safe folder) needs no resolving.
  const plainDir = playlistDir.startsWith(prefix) && isSafeObjectKey(`${playlistDir}x`);
  // Local copies: read for every URI, imported bindings measurably slow the rewrite.
  const isSafeKey = isSafeObjectKey;
  const maxKeyLength = MAX_KEY_LENGTH;
  return {
    replace(start, end, uri, kind) {
      const key = plainDir && isSafeKey(uri) && playlistDir.length + uri.length <= maxKeyLength ? playlistDir + uri : keyOf(uri);
      const path = input.pathFor(key, kind);
      // The key is safe, but "/media/" + a key of up to 1024 characters can exceed what a signature covers.
      if (path.length > maxKeyLength + 1) throw new LineProblem(`URI ${quote(uri)} names a key too long to sign`);
      starts.push(start);
      ends.push(end);
      paths.push(path);
    },
    fill() {
      const { distinct, indexes } = distinctPaths(paths);
      // Each path was a few strings concatenated; let the garbage collector have them before signing.
      paths.length = 0;
      return input.signInto(text.endsWith('\n') ? text : `${text}\n`, { starts, ends, indexes }, distinct);
    },
  };
}
