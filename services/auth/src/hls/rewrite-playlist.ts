import { AppError } from '@vidgate/common/errors';
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
  /** Returns the signed URL (absolute path + query) for a media object. */
  signMedia(objectKey: string): string;
  /** Returns the signed URL for a nested playlist served by the auth service. */
  signPlaylist(objectKey: string): string;
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
  const sign = createSigner(input);
  const out: string[] = [];
  let seenHeader = false;
  // Line number of an EXT-X-STREAM-INF still waiting for its variant URI, or 0.
  let variantLine = 0;
  let n = 0;
  try {
    for (const line of lines) {
      n++;
      const trimmed = line.trim();
      if (trimmed === '') {
        out.push(line);
      } else if (!seenHeader) {
        if (trimmed !== '#EXTM3U') throw new LineProblem('a playlist must start with #EXTM3U');
        seenHeader = true;
        out.push(line);
      } else if (trimmed.startsWith('#')) {
        const tag = tagName(trimmed);
        if (tag === 'EXT-X-STREAM-INF') {
          if (variantLine) throw new LineProblem('EXT-X-STREAM-INF is not followed by a URI line', variantLine);
          variantLine = n;
        }
        const rule = URI_TAGS.get(tag);
        out.push(rule ? rewriteTag(line, tag, rule, sign) : line);
      } else {
        // A URI line is a variant playlist after EXT-X-STREAM-INF, otherwise a
        // segment, with or without the EXTINF the RFC asks for.
        out.push(sign(trimmed, variantLine ? 'playlist' : 'media'));
        variantLine = 0;
      }
    }
  } catch (err) {
    throw err instanceof LineProblem ? invalid(err.line ?? n, err.message) : err;
  }
  if (!seenHeader) throw invalid(1, 'a playlist must start with #EXTM3U');
  if (variantLine) throw invalid(variantLine, 'EXT-X-STREAM-INF is not followed by a URI line');
  out.push('');
  return out.join('\n');
}

/** What is wrong with the line being read; rewritePlaylist adds its number. */
class LineProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

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
  // RFC 8216 forbids a BOM in a playlist and lets players refuse one, so it is not passed on.
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length > MAX_PLAYLIST_LINES) throw tooLong();
  return lines;
}

/** "EXT-X-KEY" for "#EXT-X-KEY:...", "" for a comment. */
function tagName(trimmed: string): string {
  if (!trimmed.startsWith('#EXT')) return '';
  const colon = trimmed.indexOf(':');
  return trimmed.slice(1, colon < 0 ? trimmed.length : colon);
}

function rewriteTag(line: string, tag: string, rule: UriTag, sign: Sign): string {
  const colon = line.indexOf(':');
  const attributes = colon < 0 ? [] : parseAttributes(line, colon + 1);
  if (typeof attributes === 'string') throw new LineProblem(`${tag}: ${attributes}`);
  const uris = attributes.filter((a) => a.name === 'URI');
  // With two, a player might fetch the one that was not checked.
  if (uris.length > 1) throw new LineProblem(`${tag} has more than one URI attribute`);
  const uri = uris[0];
  if (uri === undefined) {
    if (rule.requiresUri(attributes)) throw new LineProblem(`${tag} has no URI attribute`);
    return line;
  }
  if (!uri.quoted) throw new LineProblem(`the URI of ${tag} must be a quoted string`);
  return line.slice(0, uri.start) + sign(uri.value, rule.kind) + line.slice(uri.end);
}

type Sign = (uri: string, kind: UriKind) => string;

/**
 * Signs each object once per playlist: key rotation repeats one key URI many
 * times and players cache keys by URL, so every repeat must be the same string.
 */
function createSigner(input: RewriteInput): Sign {
  const playlistDir = input.playlistKey.slice(0, input.playlistKey.lastIndexOf('/') + 1);
  // Without the slash, "videos/abc" would admit "videos/abcdef/...".
  const prefix = input.videoPrefix.endsWith('/') ? input.videoPrefix : `${input.videoPrefix}/`;
  const signed: Record<UriKind, Map<string, string>> = { playlist: new Map(), media: new Map() };
  const signers: Record<UriKind, (key: string) => string> = {
    playlist: (key) => input.signPlaylist(key),
    media: (key) => input.signMedia(key),
  };
  return (uri, kind) => {
    const resolved = resolveObjectKey(uri, playlistDir, prefix);
    if ('problem' in resolved) throw new LineProblem(`URI ${quote(uri)} ${resolved.problem}`);
    let url = signed[kind].get(resolved.key);
    if (url === undefined) {
      url = signers[kind](resolved.key);
      signed[kind].set(resolved.key, url);
    }
    return url;
  };
}

function invalid(n: number, message: string): AppError {
  return new AppError('playlist_invalid', `line ${n}: ${message}`, { line: n });
}

// The message goes back to the uploader; a hostile URI must not make it huge.
function quote(uri: string): string {
  return JSON.stringify(uri.length > 120 ? `${uri.slice(0, 120)}…` : uri);
}
