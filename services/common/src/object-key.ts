// Object keys and signed paths are restricted to a charset that needs no
// percent-encoding and that nginx's URI normalisation leaves untouched, so the
// path a client sends, the path nginx decodes and the path that was signed are
// one and the same string. Anything else is refused when a URL is minted.
const SEGMENT = /^[A-Za-z0-9._~+=,@-]+$/;
const MAX_KEY_LENGTH = 1024;

export function objectKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') return 'has an empty segment (leading, trailing or double slash)';
    if (segment === '.' || segment === '..') return 'has a "." or ".." segment';
    if (!SEGMENT.test(segment)) return 'has a character outside [A-Za-z0-9._~+=,@-]';
  }
  return undefined;
}

export function isSafeObjectKey(key: string): boolean {
  return objectKeyProblem(key) === undefined;
}
