import { createHmac, timingSafeEqual } from 'node:crypto';
import { hmacSha256Base64url, hmacSplice } from './hmac-batch.ts';
import { isSafeSignedPath, objectKeyProblem } from './object-key.ts';
import type { Spans } from './splice-text.ts';

/**
 * The Vidgate URL signature, scheme "v1" (specified in nginx/README.md).
 *
 *   canonical = "vidgate-v1\n" + kid + "\n" + exp + "\n" + path
 *   sig       = base64url(HMAC-SHA256(key, canonical)), no padding (43 chars)
 *   query     = "exp=" + exp + "&kid=" + kid + "&sig=" + sig   (this order, nothing else)
 *
 * The same rules are implemented for nginx in nginx/njs/vidgate.js; both sides
 * run nginx/signing-vectors.json.
 */
export const SCHEME = 'vidgate-v1';
export const KID = /^[A-Za-z0-9_-]{1,32}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;
const EXP = /^[1-9][0-9]{0,10}$/;

export type KeyRing = ReadonlyMap<string, string>;

export interface SignInput {
  path: string;
  kid: string;
  key: string;
  exp: number;
}

export type Verdict =
  | { ok: true; exp: number; kid: string }
  | { ok: false; status: 403 | 410; error: VerifyError };

export type VerifyError =
  | 'signature_missing'
  | 'signature_invalid'
  | 'key_unknown'
  | 'query_not_allowed'
  | 'path_invalid'
  | 'signature_expired';

export function canonicalString(kid: string, exp: number, path: string): string {
  return `${SCHEME}\n${kid}\n${exp}\n${path}`;
}

function hmac(key: string, kid: string, exp: number, path: string): string {
  return createHmac('sha256', key).update(canonicalString(kid, exp, path)).digest('base64url');
}

/** The path a signature covers: "/" + segments that each pass objectKeyProblem. */
export function signedPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  return objectKeyProblem(path.slice(1));
}

function checkSigning(kid: string, exp: number): void {
  if (!KID.test(kid)) throw new RangeError('kid must match [A-Za-z0-9_-]{1,32}');
  if (!Number.isSafeInteger(exp) || !EXP.test(String(exp))) throw new RangeError('exp must be a positive integer of unix seconds');
}

function checkPath(path: string): void {
  if (!isSafeSignedPath(path)) throw new RangeError(`path ${signedPathProblem(path)}`);
}

/** The query up to its signature: exp, kid and "sig=" (the scheme's one order). */
const queryBefore = (kid: string, exp: number) => `exp=${exp}&kid=${kid}&sig=`;

export function signQuery(input: SignInput): string {
  checkPath(input.path);
  checkSigning(input.kid, input.exp);
  return queryBefore(input.kid, input.exp) + hmac(input.key, input.kid, input.exp, input.path);
}

interface BatchInput {
  paths: readonly string[];
  kid: string;
  key: string;
  exp: number;
}

/** Checks a batch as signQuery checks each path; the start its canonical strings share. */
function checkBatch(input: BatchInput): string {
  checkSigning(input.kid, input.exp);
  for (const path of input.paths) checkPath(path);
  return canonicalString(input.kid, input.exp, '');
}

/**
 * signQuery for many paths with one key id, key and expiry: what a playlist
 * needs. The same queries, computed in one batch (hmac-batch.ts).
 */
export function signQueries(input: BatchInput): string[] {
  const sigs = hmacSha256Base64url(input.key, input.paths, checkBatch(input));
  const query = queryBefore(input.kid, input.exp);
  return sigs.map((sig) => query + sig);
}

/**
 * `text` as UTF-8 bytes with span i replaced by the signed URL of
 * paths[spans.indexes[i]] (the path, "?", and signQuery's query): a
 * playlist's URIs signed in one batch and written into it without a string
 * per URL (hmac-batch.ts).
 */
export function signIntoText(input: BatchInput & { text: string; spans: Spans }): Buffer {
  const head = checkBatch(input);
  return hmacSplice({ key: input.key, head, tails: input.paths, between: `?${queryBefore(input.kid, input.exp)}`, text: input.text, spans: input.spans });
}

function parseQuery(rawQuery: string): { exp: string; kid: string; sig: string } | VerifyError {
  if (rawQuery === '') return 'signature_missing';
  const seen: Record<string, string> = {};
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if ((name !== 'exp' && name !== 'kid' && name !== 'sig') || name in seen) return 'query_not_allowed';
    seen[name] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  const { exp, kid, sig } = seen;
  if (exp === undefined || kid === undefined || sig === undefined) return 'signature_missing';
  return { exp, kid, sig };
}

/** Checks a request path and its raw (undecoded) query string. */
export function verify(input: { path: string; rawQuery: string; keys: KeyRing; now: number }): Verdict {
  const deny = (error: VerifyError, status: 403 | 410 = 403): Verdict => ({ ok: false, status, error });
  if (signedPathProblem(input.path)) return deny('path_invalid');
  const q = parseQuery(input.rawQuery);
  if (typeof q === 'string') return deny(q);
  if (!EXP.test(q.exp) || !KID.test(q.kid) || !SIG.test(q.sig)) return deny('signature_invalid');
  const key = input.keys.get(q.kid);
  if (key === undefined) return deny('key_unknown');
  const exp = Number(q.exp);
  const expected = Buffer.from(hmac(key, q.kid, exp, input.path));
  if (!timingSafeEqual(expected, Buffer.from(q.sig))) return deny('signature_invalid');
  if (exp <= input.now) return deny('signature_expired', 410);
  return { ok: true, exp, kid: q.kid };
}
