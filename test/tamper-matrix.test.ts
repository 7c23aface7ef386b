import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalString } from '@vidgate/common/signing';
import { createUrlSigner } from '@vidgate/common/url-signer';
import vectors from '../nginx/signing-vectors.json' with { type: 'json' };
import { linesSince, logCursor } from './support/access-log.ts';
import { BUCKET, contentType, getObject, inSeconds, jsonError, parseJson, putObject, rootClient, tamperSignature } from './support/media-fixtures.ts';
import { rawRequest, type RawResponse } from './support/raw-http.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';

// An attacker's view of /media/: whatever they change in a signed URL, nginx
// refuses it before MinIO is asked, says why in JSON, and never sends the object.
const signer = createUrlSigner(testConfig.signing);
const KEY_ID = testConfig.signing.activeKid;
const KEY = testConfig.signing.keys.get(KEY_ID)!;
const PUBLIC = 'it-tamper/public.txt';
const SECRET = 'it-tamper/secret-1.txt';
const SECRET_2 = 'it-tamper/secret-2.txt';
const ROOT_SECRET = 'secret.txt'; // where /media/it-tamper/%2e%2e/secret.txt leads
const content = (key: string) => Buffer.from(`tamper-matrix object ${key}: do not leak\n`);
const exp = inSeconds(3600);
const signed = (key: string) => signer.signPath(`/media/${key}`, exp);
const queryOf = (target: string) => target.slice(target.indexOf('?') + 1);
/** What a naive signer would produce for the raw request target, which our signer refuses to mint. */
const rawSigned = (rawPath: string) =>
  `${rawPath}?exp=${exp}&kid=${KEY_ID}&sig=${createHmac('sha256', KEY).update(canonicalString(KEY_ID, exp, rawPath)).digest('base64url')}`;

const secretBytes = [SECRET, SECRET_2, ROOT_SECRET, PUBLIC].map(content);
function leaks(res: RawResponse): boolean {
  return secretBytes.some((b) => res.body.includes(b.subarray(0, 40)));
}

const vectorObjects = [...new Set(vectors.verify.filter((v) => v.expect.status === 200).map((v) => v.path.slice('/media/'.length)))];

beforeAll(async () => {
  for (const key of [PUBLIC, SECRET, SECRET_2, ROOT_SECRET, ...vectorObjects]) await putObject(key, content(key), 'text/plain');
});

afterAll(async () => {
  // The vector objects sit under other prefixes (videos/demo/...): leave no trace there.
  await rootClient.removeObjects(BUCKET, [ROOT_SECRET, ...vectorObjects]);
});

describe('nginx/signing-vectors.json, sent through nginx', () => {
  const cases = vectors.verify.filter((v) => !('nginx' in v) || v.nginx !== false);

  it('covers the vectors nginx can receive', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((v) => v.expect.status === 200).length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const res = await rawRequest(ORIGIN, v.query === '' ? v.path : `${v.path}?${v.query}`);
    if (v.expect.status === 200) {
      expect(res.status).toBe(200);
      expect(res.body.equals(content(v.path.slice('/media/'.length)))).toBe(true);
    } else {
      expect({ status: res.status, body: parseJson(res.body), type: contentType(res) }).toEqual({
        status: v.expect.status,
        body: jsonError((v.expect as { error: string }).error),
        type: 'application/json',
      });
    }
  });
});

interface TamperCase {
  name: string;
  target: () => string;
  method?: string;
  body?: Buffer;
  status: number;
  error: string;
}

const expired = () => signer.signPath(`/media/${SECRET}`, inSeconds(-60));
const withParam = (extra: string) => () => `${signed(SECRET)}&${extra}`;

const tamperCases: TamperCase[] = [
  // the signed string
  { name: 'path changed by one character', target: () => `/media/${SECRET_2}?${queryOf(signed(SECRET))}`, status: 403, error: 'signature_invalid' },
  { name: "another object's signature", target: () => `/media/${SECRET}?${queryOf(signed(PUBLIC))}`, status: 403, error: 'signature_invalid' },
  { name: 'expiry changed', target: () => signed(SECRET).replace(`exp=${exp}`, `exp=${exp + 86_400}`), status: 403, error: 'signature_invalid' },
  { name: 'key id changed to another known key', target: () => signed(SECRET).replace(`kid=${KEY_ID}`, 'kid=k1'), status: 403, error: 'signature_invalid' },
  { name: 'unknown key id', target: () => signed(SECRET).replace(`kid=${KEY_ID}`, 'kid=retired'), status: 403, error: 'key_unknown' },
  { name: 'key id case changed', target: () => signed(SECRET).replace(`kid=${KEY_ID}`, `kid=${KEY_ID.toUpperCase()}`), status: 403, error: 'key_unknown' },
  { name: 'signature changed', target: () => tamperSignature(signed(SECRET)), status: 403, error: 'signature_invalid' },
  { name: 'signature truncated', target: () => signed(SECRET).slice(0, -1), status: 403, error: 'signature_invalid' },
  { name: 'signature padded with "="', target: () => `${signed(SECRET)}=`, status: 403, error: 'signature_invalid' },
  { name: 'signature padded with a character', target: () => `${signed(SECRET)}A`, status: 403, error: 'signature_invalid' },
  {
    name: 'signature in standard base64',
    target: () => `${signed(SECRET).replace(/sig=(.*)$/, (_, s: string) => `sig=${Buffer.from(s, 'base64url').toString('base64')}`)}`,
    status: 403, error: 'signature_invalid',
  },
  { name: 'signature percent-encoded', target: () => signed(SECRET).replace(/sig=(.)/, (_, c: string) => `sig=%${c.charCodeAt(0).toString(16)}`), status: 403, error: 'signature_invalid' },
  { name: 'signature empty', target: () => signed(SECRET).replace(/sig=.*$/, 'sig='), status: 403, error: 'signature_invalid' },
  // the query's shape
  { name: 'sig duplicated', target: () => `${signed(SECRET)}&${queryOf(signed(SECRET)).split('&')[2]}`, status: 403, error: 'query_not_allowed' },
  { name: 'exp duplicated (an earlier value first)', target: () => `/media/${SECRET}?exp=${exp - 100}&${queryOf(signed(SECRET))}`, status: 403, error: 'query_not_allowed' },
  { name: 'kid duplicated', target: () => `${signed(SECRET)}&kid=${KEY_ID}`, status: 403, error: 'query_not_allowed' },
  { name: 'trailing "&"', target: () => `${signed(SECRET)}&`, status: 403, error: 'query_not_allowed' },
  { name: 'parameter names upper-cased', target: () => signed(SECRET).replace('exp=', 'EXP=').replace('kid=', 'KID=').replace('sig=', 'SIG='), status: 403, error: 'query_not_allowed' },
  { name: 'one parameter name capitalised', target: () => signed(SECRET).replace('sig=', 'Sig='), status: 403, error: 'query_not_allowed' },
  { name: 'no query', target: () => `/media/${SECRET}`, status: 403, error: 'signature_missing' },
  // the path's encoding: nginx decodes and normalises before njs checks, so each lands on another path than the one signed
  { name: 'encoded dot-dot segment', target: () => `/media/it-tamper/%2e%2e/secret.txt?${queryOf(signed(PUBLIC))}`, status: 403, error: 'signature_invalid' },
  { name: 'encoded dot-dot segment, signed as sent', target: () => rawSigned('/media/it-tamper/%2e%2e/secret.txt'), status: 403, error: 'signature_invalid' },
  { name: 'dot-dot past a signed object', target: () => `/media/${PUBLIC}/%2e%2e/secret-1.txt?${queryOf(signed(PUBLIC))}`, status: 403, error: 'signature_invalid' },
  { name: 'dot-dot with an encoded slash', target: () => `/media/it-tamper/..%2fsecret.txt?${queryOf(signed(PUBLIC))}`, status: 403, error: 'signature_invalid' },
  { name: 'dot-dot with an encoded slash, signed as sent', target: () => rawSigned('/media/it-tamper/x/..%2fsecret-1.txt'), status: 403, error: 'signature_invalid' },
  { name: 'encoded slash, signed as sent', target: () => rawSigned('/media/it-tamper%2Fsecret-1.txt'), status: 403, error: 'signature_invalid' },
  { name: 'encoded slash onto another object', target: () => `/media/it-tamper%2Fpublic.txt?${queryOf(signed(SECRET))}`, status: 403, error: 'signature_invalid' },
  { name: 'double slash, signed as sent', target: () => rawSigned('/media/it-tamper//secret-1.txt'), status: 403, error: 'signature_invalid' },
  { name: 'leading double slash, signed as sent', target: () => rawSigned('/media//it-tamper/secret-1.txt'), status: 403, error: 'signature_invalid' },
  { name: 'backslash separator', target: () => `/media/it-tamper\\secret-1.txt?${queryOf(signed(SECRET))}`, status: 403, error: 'path_invalid' },
  { name: 'backslash dot-dot', target: () => rawSigned('/media/it-tamper/x/..\\secret-1.txt'), status: 403, error: 'path_invalid' },
  { name: 'trailing slash', target: () => `/media/${SECRET}/?${queryOf(signed(SECRET))}`, status: 403, error: 'path_invalid' },
  { name: 'semicolon path parameter', target: () => `/media/${SECRET};x=1?${queryOf(signed(SECRET))}`, status: 403, error: 'path_invalid' },
  { name: 'path case changed', target: () => `/media/${SECRET.toUpperCase()}?${queryOf(signed(SECRET))}`, status: 403, error: 'signature_invalid' },
  { name: 'prefix case changed', target: () => `/media/IT-TAMPER/secret-1.txt?${queryOf(signed(SECRET))}`, status: 403, error: 'signature_invalid' },
  // nginx refuses these while parsing the request line; the answer must still be our JSON
  { name: 'dot-dot above the root', target: () => `/media/%2e%2e/%2e%2e/etc/passwd?${queryOf(signed(SECRET))}`, status: 400, error: 'bad_request' },
  { name: 'encoded NUL byte', target: () => `/media/${SECRET}%00.txt?${queryOf(signed(SECRET))}`, status: 400, error: 'bad_request' },
  // time
  { name: 'expired', target: expired, status: 410, error: 'signature_expired' },
  // methods: a valid signature for reading authorises nothing else
  ...['PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS'].map((method) => ({
    name: `${method} with a valid signature`, method, target: () => signed(SECRET),
    body: method === 'PUT' || method === 'POST' || method === 'PATCH' ? Buffer.from('overwritten by an attacker') : undefined,
    status: 405, error: 'method_not_allowed',
  })),
  { name: 'POST ?uploads with a valid signature', method: 'POST', target: withParam('uploads'), status: 405, error: 'method_not_allowed' },
  // S3 sub-resources and overrides must never reach MinIO
  ...['acl', 'uploads', 'versionId=x', 'tagging', 'policy', 'x-id=PutObject', 'response-content-disposition=attachment%3B%20filename%3Devil.html', 'response-content-type=text/html', 'X-Amz-Credential=vidgate-nginx']
    .map((extra) => ({ name: `valid signature plus ?${extra.split('=')[0]}`, target: withParam(extra), status: 403, error: 'query_not_allowed' })),
  { name: 'S3 sub-resource before the signature', target: () => `/media/${SECRET}?acl&${queryOf(signed(SECRET))}`, status: 403, error: 'query_not_allowed' },
];

const send = (c: TamperCase) => rawRequest(ORIGIN, c.target(), { method: c.method, body: c.body, headers: c.body ? { 'Content-Type': 'text/plain' } : {} });

describe('tampered requests', () => {
  it('a correctly signed URL for the secret works (the matrix tests something)', async () => {
    const res = await rawRequest(ORIGIN, signed(SECRET));
    expect(res.status).toBe(200);
    expect(res.body.equals(content(SECRET))).toBe(true);
  });

  it.each(tamperCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(c);
    expect(leaks(res)).toBe(false);
    expect({ status: res.status, body: parseJson(res.body), type: contentType(res) }).toEqual({ status: c.status, body: jsonError(c.error), type: 'application/json' });
    if (c.status === 405) expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('left every object as it was', async () => {
    for (const key of [PUBLIC, SECRET, SECRET_2]) expect((await getObject(key)).equals(content(key))).toBe(true);
  });

  // MinIO cannot easily tell us what it was not asked; nginx's log can: njs
  // rejections carry their reason and have no upstream status.
  it('the access log records each rejection with its reason and no upstream request', async () => {
    const rejectedByNjs = tamperCases.filter((c) => c.status !== 400);
    const logged = [];
    for (const c of rejectedByNjs) {
      const cursor = await logCursor();
      const res = await send(c);
      const [line] = await linesSince(cursor, 1);
      logged.push({ name: c.name, status: line!.status, reject: line!.reject, upstream_status: line!.upstream_status, answered: res.status });
    }
    expect(logged).toEqual(rejectedByNjs.map((c) => ({ name: c.name, status: c.status, reject: c.error, upstream_status: '', answered: c.status })));
  });

  it('the access log line of a served request names its upstream status or the cache\'s copy, and no reason', async () => {
    const cursor = await logCursor();
    const res = await rawRequest(ORIGIN, signed(SECRET));
    const [line] = await linesSince(cursor, 1);
    expect(res.status).toBe(200);
    expect(line).toMatchObject({ method: 'GET', path: `/media/${SECRET}`, status: 200, reject: '' });
    // Read from MinIO as the first slice (206), or sent from the edge cache's copy.
    expect([line!.upstream_status, line!.cache]).toSatisfy(([upstream, cache]) => (upstream === '206' && cache === 'MISS') || (upstream === '' && cache === 'HIT'));
  });
});
