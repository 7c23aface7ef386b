import { AppError } from '@vidgate/common/errors';
import { isSafeObjectKey, MAX_KEY_LENGTH } from '@vidgate/common/object-key';
import { parseAttributes } from './attribute-list.ts';
import { resolveObjectKey } from './resolve-object-key.ts';
import { URI_TAGS, type UriKind, type UriTag } from './uri-tags.ts';

export interface RewriteInput {
  /** The stored playlist text (CRLF or LF; may start with a UTF-8 BOM). */
  text: string;
  /** Object key of this playlist, e.g. "videos/abc123/hls/360p/index.m3u8". */
  playlistKey: string;
  /** Every URI must resolve inside this key prefix, e.g. "videos/abc123/hls/". */
  videoPrefix: string;
  /** The absolute path a player fetches an object at: media from nginx, nested playlists from the auth service. */
  pathFor(objectKey: string, kind: UriKind): string;
  /** Signs every path of the playlist at once; returns each path + "?" + its signed query. */
  signPaths(paths: readonly string[]): string[];
}

// Playlists are uploaded by users; these bound the work a hostile one can cause.
// A 10,000-segment VOD playlist is about 20,000 lines and 350 KB.
export const MAX_PLAYLIST_BYTES = 5 * 1024 * 1024;
export const MAX_PLAYLIST_LINES = 200_000;

/**
 * Rewrites every URI of a stored playlist to an absolute-path signed URL.
 * Players drop the playlist's own query string when they resolve a relative
 * URI, so a relative URI would reach nginx unsigned; every one is replaced.
 * Every other byte of every other line is kept. A URI that cannot be proven to
 * name an object of this video makes the whole playlist invalid, never signed.
 */
export function rewritePlaylist(input: RewriteInput): string {
  const lines = splitLines(input.text);
  const uris = createUriCollector(input);
  let seenHeader = false;
  // Line number of an EXT-X-STREAM-INF still waiting for its variant URI, or 0.
  let variantLine = 0;
  let n = 0;
  try {
    for (; n < lines.length; n++) {
      const line = lines[n]!;
      const trimmed = isSpace(line.charCodeAt(0)) || isSpace(line.charCodeAt(line.length - 1)) ? line.trim() : line;
      if (trimmed === '') continue;
      if (!seenHeader) {
        if (trimmed !== '#EXTM3U') throw new LineProblem('a playlist must start with #EXTM3U');
        seenHeader = true;
      } else if (trimmed.charCodeAt(0) === HASH) {
        const tag = tagName(trimmed);
        if (tag === 'EXT-X-STREAM-INF') {
          if (variantLine) throw new LineProblem('EXT-X-STREAM-INF is not followed by a URI line', variantLine - 1);
          variantLine = n + 1;
        }
        // Only EXT-X- tags carry URIs: EXTINF, the most common line, is not looked up.
        const rule = trimmed.startsWith('#EXT-X-') ? URI_TAGS.get(tag) : undefined;
        if (rule) rewriteTag(line, n, tag, rule, uris);
      } else {
        // A URI line is a variant playlist after EXT-X-STREAM-INF, otherwise a
        // segment, with or without the EXTINF the RFC asks for.
        uris.replace(n, '', trimmed, variantLine ? 'playlist' : 'media', '');
        variantLine = 0;
      }
    }
  } catch (err) {
    throw err instanceof LineProblem ? invalid((err.line ?? n) + 1, err.message) : err;
  }
  if (!seenHeader) throw invalid(1, 'a playlist must start with #EXTM3U');
  if (variantLine) throw invalid(variantLine, 'EXT-X-STREAM-INF is not followed by a URI line');
  uris.fill(lines);
  lines.push('');
  return lines.join('\n');
}

const HASH = 0x23; // "#"
/** What String.prototype.trim removes, at a line's ends: spaces, tabs, NBSP, BOM and the like (NaN, an empty line, is not). */
const isSpace = (code: number): boolean => code <= 0x20 || code === 0xa0 || code === 0xfeff || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;

/** What is wrong with the line being read; rewritePlaylist adds its number. */
class LineProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const STRAY_LINE_BREAK = /\r(?!\n)|[\u2028\u2029]/;

function splitLines(text: string): string[] {
  if (text.length > MAX_PLAYLIST_BYTES || Buffer.byteLength(text) > MAX_PLAYLIST_BYTES) {
    throw new AppError('playlist_invalid', `the playlist is larger than ${MAX_PLAYLIST_BYTES / 1024 / 1024} MB`);
  }
  const tooLong = () => new AppError('playlist_invalid', `the playlist has more than ${MAX_PLAYLIST_LINES} lines`);
  // Counted before splitting, so a file of bare newlines never becomes millions of strings.
  let newlines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (++newlines > MAX_PLAYLIST_LINES) throw tooLong();
  }
  // RFC 8216 ends a line with LF or CRLF only, but JavaScript players (hls.js) also end one at
  // a lone CR, U+2028 or U+2029: what follows one would be a URI this reading never signed.
  const stray = STRAY_LINE_BREAK.exec(text);
  if (stray) throw invalid(text.slice(0, stray.index).split('\n').length, 'a line break other than LF or CRLF');
  // RFC 8216 forbids a BOM in a playlist and lets players refuse one, so it is not passed on.
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length > MAX_PLAYLIST_LINES) throw tooLong();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 0x0d) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** "EXT-X-KEY" for "#EXT-X-KEY:...", "" for a comment. */
function tagName(trimmed: string): string {
  if (!trimmed.startsWith('#EXT')) return '';
  const colon = trimmed.indexOf(':');
  return trimmed.slice(1, colon < 0 ? trimmed.length : colon);
}

function rewriteTag(line: string, n: number, tag: string, rule: UriTag, uris: UriCollector): void {
  const colon = line.indexOf(':');
  const attributes = colon < 0 ? [] : parseAttributes(line, colon + 1);
  if (typeof attributes === 'string') throw new LineProblem(`${tag}: ${attributes}`);
  const found = attributes.filter((a) => a.name === 'URI');
  // With two, a player might fetch the one that was not checked.
  if (found.length > 1) throw new LineProblem(`${tag} has more than one URI attribute`);
  const uri = found[0];
  if (uri === undefined) {
    if (rule.requiresUri(attributes)) throw new LineProblem(`${tag} has no URI attribute`);
    return;
  }
  if (!uri.quoted) throw new LineProblem(`the URI of ${tag} must be a quoted string`);
  uris.replace(n, line.slice(0, uri.start), uri.value, rule.kind, line.slice(uri.end));
}

interface UriCollector {
  /** Line n becomes before + the signed URL of the object `uri` names + after. */
  replace(n: number, before: string, uri: string, kind: UriKind, after: string): void;
  /** Signs every collected path in one batch and writes the lines. */
  fill(lines: string[]): void;
}

/**
 * Collects the URIs to sign while the playlist is read, then signs them all at
 * once. Each object is signed once per playlist: key rotation repeats one key
 * URI many times and players cache keys by URL, so every repeat must be the
 * same string.
 */
function createUriCollector(input: RewriteInput): UriCollector {
  const playlistDir = input.playlistKey.slice(0, input.playlistKey.lastIndexOf('/') + 1);
  // Without the slash, "videos/abc" would admit "videos/abcdef/...".
  const prefix = input.videoPrefix.endsWith('/') ? input.videoPrefix : `${input.videoPrefix}/`;
  const paths: string[] = [];
  const indexOf = new Map<string, number>();
  // Where each URI goes: line, text before it, index in paths, text after it.
  const slotLine: number[] = [];
  const slotBefore: string[] = [];
  const slotPath: number[] = [];
  const slotAfter: string[] = [];
  const keyOf = (uri: string): string => {
    const resolved = resolveObjectKey(uri, playlistDir, prefix);
    if ('problem' in resolved) throw new LineProblem(`URI ${quote(uri)} ${resolved.problem}`);
    return resolved.key;
  };
  // The common case (a plain relative path into a safe folder) needs no resolving.
  const plainDir = playlistDir.startsWith(prefix) && isSafeObjectKey(`${playlistDir}x`);
  return {
    replace(n, before, uri, kind, after) {
      const key = plainDir && isSafeObjectKey(uri) && playlistDir.length + uri.length <= MAX_KEY_LENGTH ? playlistDir + uri : keyOf(uri);
      const path = input.pathFor(key, kind);
      let index = indexOf.get(path);
      if (index === undefined) {
        // The key is safe, but "/media/" + a key of up to 1024 characters can exceed what a signature covers.
        if (path.length > MAX_KEY_LENGTH + 1) throw new LineProblem(`URI ${quote(uri)} names a key too long to sign`);
        index = paths.push(path) - 1;
        indexOf.set(path, index);
      }
      slotLine.push(n);
      slotBefore.push(before);
      slotPath.push(index);
      slotAfter.push(after);
    },
    fill(lines) {
      const urls = input.signPaths(paths);
      for (let i = 0; i < slotLine.length; i++) lines[slotLine[i]!] = slotBefore[i]! + urls[slotPath[i]!] + slotAfter[i]!;
    },
  };
}

function invalid(n: number, message: string): AppError {
  return new AppError('playlist_invalid', `line ${n}: ${message}`, { line: n });
}

// The message goes back to the uploader; a hostile URI must not make it huge.
function quote(uri: string): string {
  return JSON.stringify(uri.length > 120 ? `${uri.slice(0, 120)}…` : uri);
}
