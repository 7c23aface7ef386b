import { AppError } from '@vidgate/common/errors';
import { invalid } from './playlist-problem.ts';

// Playlists are uploaded by users; these bound the work a hostile one can cause.
// A 10,000-segment VOD playlist is about 20,000 lines and 350 KB.
export const MAX_PLAYLIST_BYTES = 5 * 1024 * 1024;
export const MAX_PLAYLIST_LINES = 200_000;

const STRAY_LINE_BREAK = /\r(?!\n)|[\u2028\u2029]/;

/**
 * The stored text checked against the size bound and against line breaks that
 * players read differently, then without its BOM and without the CR of each
 * CRLF: in what it returns, "\n" alone ends a line, and the Nth "\n" ends line
 * N. Lines are not counted here but by the one reading them, which stops at
 * MAX_PLAYLIST_LINES and, on any other problem, answers tooManyLines first.
 */
export function playlistText(text: string): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: a short text needs no byte count.
  if (text.length > MAX_PLAYLIST_BYTES || (text.length * 3 > MAX_PLAYLIST_BYTES && Buffer.byteLength(text) > MAX_PLAYLIST_BYTES)) {
    throw new AppError('playlist_invalid', `the playlist is larger than ${MAX_PLAYLIST_BYTES / 1024 / 1024} MB`);
  }
  // RFC 8216 ends a line with LF or CRLF only, but JavaScript players (hls.js) also end one at
  // a lone CR, U+2028 or U+2029: what follows one would be a URI this reading never signed.
  // (The regular expression runs only on a text that has one of these characters at all.)
  const stray = text.includes('\r') || text.includes('\u2028') || text.includes('\u2029') ? STRAY_LINE_BREAK.exec(text) : null;
  if (stray) {
    if (newlines(text) > MAX_PLAYLIST_LINES) throw tooManyLinesError();
    throw invalid(text.slice(0, stray.index).split('\n').length, 'a line break other than LF or CRLF');
  }
  // RFC 8216 forbids a BOM in a playlist and lets players refuse one, so it is not passed on.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // Every CR left is the first half of a CRLF.
  return body.includes('\r') ? body.replaceAll('\r\n', '\n') : body;
}

export function tooManyLinesError(): AppError {
  return new AppError('playlist_invalid', `the playlist has more than ${MAX_PLAYLIST_LINES} lines`);
}

/** The answer for a stored text of more than MAX_PLAYLIST_LINES lines (one per "\n", and the last one if it has none), or undefined. */
export function tooManyLines(text: string): AppError | undefined {
  const last = text === '' || text === '\uFEFF' || text.endsWith('\n') ? 0 : 1;
  return newlines(text) + last > MAX_PLAYLIST_LINES ? tooManyLinesError() : undefined;
}

/** How many "\n" the text has, counted up to one more than MAX_PLAYLIST_LINES. */
function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0 && count <= MAX_PLAYLIST_LINES; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
