import { objectKeyProblem } from '@vidgate/common/object-key';

// RFC 3986 scheme: a URI that has one is absolute and would send the player elsewhere.
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Resolves a playlist URI reference against the playlist's own object key the
 * way a player resolves it against the playlist URL (RFC 3986 section 5.2), and
 * returns the object key it names, or a reason it must not be signed.
 *
 * Only relative-path references are accepted: the signed URL replaces the
 * reference, so anything that names another host or an absolute path would
 * either escape the video or be signed for a different object than the player
 * would have fetched.
 */
export function resolveObjectKey(
  uri: string,
  playlistDir: string,
  videoPrefix: string,
): { key: string } | { problem: string } {
  // Objects are addressed by path only; the player never sends a fragment, and
  // a query would be dropped by the store anyway.
  const end = uri.search(/[?#]/);
  const path = end < 0 ? uri : uri.slice(0, end);
  if (path === '') return { problem: 'is empty or only a query' };
  if (SCHEME.test(path)) return { problem: 'is absolute (has a scheme)' };
  if (path.startsWith('/')) return { problem: 'is an absolute path or names another host' };
  // Keys never contain "%", so an encoded byte can only be a disguise (%2e%2e, %2f).
  if (path.includes('%')) return { problem: 'contains percent-encoding' };

  // Checked on the reference alone, so the common plain file name costs no split.
  const key = DOT_SEGMENT.test(path) ? removeDotSegments(playlistDir + path) : playlistDir + path;
  if (!key.startsWith(videoPrefix)) return { problem: 'resolves outside this video' };
  const problem = objectKeyProblem(key);
  return problem ? { problem: `resolves to a key that ${problem}` } : { key };
}

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** RFC 3986 5.2.4 on a rootless path: ".." above the root is dropped, as players do. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      // "a/." and "a/.." name the directory, so the result keeps a trailing slash.
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}
