// Object keys and signed paths are restricted to a charset that needs no
// percent-encoding and that nginx's URI normalisation leaves untouched, so the
// path a client sends, the path nginx decodes and the path that was signed are
// one and the same string. Anything else is refused when a URL is minted.
const SEGMENT = /^[A-Za-z0-9._~+=,@-]+$/;
/** Every segment of that charset, none of them "." or "..": one test for the common case. */
const SAFE_KEY = /^(?!\.\.?(?:\/|$))[A-Za-z0-9._~+=,@-]+(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~+=,@-]+)*$/;
/** "/" + a safe key: what a signed URL's path is. */
const SAFE_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~+=,@-]+)+$/;
export const MAX_KEY_LENGTH = 1024;

export function isSafeObjectKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && SAFE_KEY.test(key);
}

/** isSafeObjectKey(path.slice(1)) for a path starting with "/", without the slice. */
export function isSafeSignedPath(path: string): boolean {
  return path.length <= MAX_KEY_LENGTH + 1 && SAFE_PATH.test(path);
}

export function objectKeyProblem(key: string): string | undefined {
  if (isSafeObjectKey(key)) return undefined;
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty segment (leading, trailing or double slash)';
    if (segment === '.' || segment === '..') return 'has a "." or ".." segment';
    if (!SEGMENT.test(segment)) return 'has a character outside [A-Za-z0-9._~+=,@-]';
  }
  // SAFE_KEY and the loop above describe the same keys; reaching here would be a bug in one of them.
  throw new Error('object key rules disagree');
}
