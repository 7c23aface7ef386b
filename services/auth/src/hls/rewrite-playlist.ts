import type { Spans } from '@vidgate/common/splice-text';
import { parseAttributes } from './attribute-list.ts';
import { invalid, LineProblem } from './playlist-problem.ts';
import { MAX_PLAYLIST_LINES, playlistText, tooManyLines, tooManyLinesError } from './playlist-text.ts';
import { createUriCollector, type UriCollector } from './uri-collector.ts';
import { URI_TAGS, type UriKind, type UriTag } from './uri-tags.ts';

export { MAX_PLAYLIST_BYTES, MAX_PLAYLIST_LINES } from './playlist-text.ts';

export interface RewriteInput {
  /** The stored playlist text (CRLF or LF; may start with a UTF-8 BOM). */
  text: string;
  /** Object key of this playlist, e.g. "videos/abc123/hls/360p/index.m3u8". */
  playlistKey: string;
  /** Every URI must resolve inside this key prefix, e.g. "videos/abc123/hls/". */
  videoPrefix: string;
  /** The absolute path a player fetches an object at: media from nginx, nested playlists from the auth service. */
  pathFor(objectKey: string, kind: UriKind): string;
  /** Signs every path of the playlist at once: `text` as UTF-8 bytes with span i replaced by the signed URL of paths[spans.indexes[i]] (UrlSigner.signInto). */
  signInto(text: string, spans: Spans, paths: readonly string[]): Buffer;
}

/**
 * Rewrites every URI of a stored playlist to an absolute-path signed URL, and
 * returns the playlist as UTF-8 bytes, as it is cached and sent.
 * Players drop the playlist's own query string when they resolve a relative
 * URI, so a relative URI would reach nginx unsigned; every one is replaced.
 * Every other byte of every other line is kept. A URI that cannot be proven to
 * name an object of this video makes the whole playlist invalid, never signed.
 */
export function rewritePlaylist(input: RewriteInput): Buffer {
  const text = playlistText(input.text);
  const uris = createUriCollector(input, text);
  let seenHeader = false;
  // Line number of an EXT-X-STREAM-INF still waiting for its variant URI, or 0.
  let variantLine = 0;
  let n = 0;
  // A local copy: read on every line, the imported binding measurably slows the loop.
  const maxLines = MAX_PLAYLIST_LINES;
  try {
    // One pass over the text, line by line.
    for (let start = 0; start < text.length; n++) {
      if (n === maxLines) throw tooManyLinesError();
      const lineStart = start;
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      start = end + 1;
      const first = text.charCodeAt(lineStart);
      const padded = lineStart < end && (isSpace(first) || isSpace(text.charCodeAt(end - 1)));
      // Only EXT-X- tags carry URIs: EXTINF, the most common line, and comments are not made strings.
      if (seenHeader && !padded && first === HASH && !text.startsWith('#EXT-X-', lineStart)) continue;
      const line = text.slice(lineStart, end);
      const trimmed = padded ? line.trim() : line;
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
        const rule = trimmed.startsWith('#EXT-X-') ? URI_TAGS.get(tag) : undefined;
        if (rule) rewriteTag(line, lineStart, tag, rule, uris);
      } else {
        // A URI line: a variant playlist after EXT-X-STREAM-INF, otherwise a segment,
        // with or without the EXTINF the RFC asks for. Its spaces go with it.
        uris.replace(lineStart, end, trimmed, variantLine ? 'playlist' : 'media');
        variantLine = 0;
      }
    }
  } catch (err) {
    // Too many lines is the answer whatever else is wrong, as if they had been counted first.
    throw tooManyLines(input.text) ?? (err instanceof LineProblem ? invalid((err.line ?? n) + 1, err.message) : err);
  }
  if (!seenHeader) throw invalid(1, 'a playlist must start with #EXTM3U');
  if (variantLine) throw invalid(variantLine, 'EXT-X-STREAM-INF is not followed by a URI line');
  return uris.fill();
}

const HASH = 0x23; // "#"
/** What String.prototype.trim removes, at a line's ends: spaces, tabs, NBSP, BOM and the like (NaN, an empty line, is not). */
const isSpace = (code: number): boolean => code <= 0x20 || code === 0xa0 || code === 0xfeff || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;

/** "EXT-X-KEY" for "#EXT-X-KEY:...", "" for a comment. */
function tagName(trimmed: string): string {
  if (!trimmed.startsWith('#EXT')) return '';
  const colon = trimmed.indexOf(':');
  return trimmed.slice(1, colon < 0 ? trimmed.length : colon);
}

/** Line `line`, at `offset` in the text, is a tag that may carry a URI attribute. */
function rewriteTag(line: string, offset: number, tag: string, rule: UriTag, uris: UriCollector): void {
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
  uris.replace(offset + uri.start, offset + uri.end, uri.value, rule.kind);
}
