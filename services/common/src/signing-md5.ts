import { createHash, timingSafeEqual } from 'node:crypto';
import { KID, signedPathProblem, type KeyRing, type Verdict } from './signing.ts';

/**
 * The second mode: nginx's native secure_link_md5, in the format of nginx's
 * documentation: base64url(md5(expires + uri + clientIp + " " + secret)).
 * Vidgate binds no client address and selects the secret by kid, so its query is
 * "md5=" + token + "&expires=" + expires + "&kid=" + kid.
 */
export function md5Token(input: { expires: number; uri: string; secret: string; clientIp?: string }): string {
  const material = `${input.expires}${input.uri}${input.clientIp ?? ''} ${input.secret}`;
  return createHash('md5').update(material).digest('base64url');
}

export function signQueryMd5(input: { path: string; kid: string; key: string; exp: number }): string {
  const problem = signedPathProblem(input.path);
  if (problem) throw new RangeError(`path ${problem}`);
  if (!KID.test(input.kid)) throw new RangeError('kid must match [A-Za-z0-9_-]{1,32}');
  const token = md5Token({ expires: input.exp, uri: input.path, secret: input.key });
  return `md5=${token}&expires=${input.exp}&kid=${input.kid}`;
}

const MD5_QUERY = /^md5=([A-Za-z0-9_-]{22})&expires=([1-9][0-9]{0,10})&kid=([A-Za-z0-9_-]{1,32})$/;

/** The same decision nginx's md5 location makes (see nginx/templates/media-md5.conf). */
export function verifyMd5(input: { path: string; rawQuery: string; keys: KeyRing; now: number }): Verdict {
  // The order and the codes of nginx/templates/media-md5.conf.template.
  if (input.rawQuery === '') return { ok: false, status: 403, error: 'signature_missing' };
  const m = MD5_QUERY.exec(input.rawQuery);
  if (!m) return { ok: false, status: 403, error: 'query_not_allowed' };
  if (signedPathProblem(input.path)) return { ok: false, status: 403, error: 'path_invalid' };
  const [, token, expires, kid] = m as unknown as [string, string, string, string];
  const key = input.keys.get(kid);
  if (key === undefined) return { ok: false, status: 403, error: 'key_unknown' };
  const exp = Number(expires);
  const expected = md5Token({ expires: exp, uri: input.path, secret: key });
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(token))) return { ok: false, status: 403, error: 'signature_invalid' };
  if (exp <= input.now) return { ok: false, status: 410, error: 'signature_expired' };
  return { ok: true, exp, kid };
}
