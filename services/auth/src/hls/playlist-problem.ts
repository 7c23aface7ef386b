import { AppError } from '@vidgate/common/errors';

/** What is wrong with the line being read; rewritePlaylist adds its number. */
export class LineProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export function invalid(n: number, message: string): AppError {
  return new AppError('playlist_invalid', `line ${n}: ${message}`, { line: n });
}

// The message goes back to the uploader; a hostile URI must not make it huge.
export function quote(uri: string): string {
  return JSON.stringify(uri.length > 120 ? `${uri.slice(0, 120)}…` : uri);
}
