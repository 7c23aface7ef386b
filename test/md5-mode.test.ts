import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signQueryMd5 } from '@vidgate/common/signing-md5';
import { findTool } from '../services/stack/src/tools.ts';
import vectors from '../nginx/signing-vectors.json' with { type: 'json' };
import { startExtraNginx, type ExtraNginx } from './support/extra-nginx.ts';
import { BUCKET, contentType, inSeconds, jsonError, parseJson, putObject, rootClient, tamperSignature } from './support/media-fixtures.ts';
import { rawRequest, type RawResponse } from './support/raw-http.ts';

// The second signing mode: nginx's native secure_link_md5, keys chosen by kid.
// The same vector file drives it; everything else about /media/ stays the same.
const run = promisify(execFile);
const PORT = '18091';
const KEYS = `k1:${vectors.keys.k1},k2:${vectors.keys.k2}`;
const content = (key: string) => Buffer.from(`md5-mode object ${key}\n`);
const OWN_KEY = 'it-md5/clip.ts';
const vectorKeys = vectors.md5Sign.map((v) => v.path.slice('/media/'.length));

// nginx's documentation example, verbatim, on a server of its own: the md5
// vector in nginx/signing-vectors.json must pass through real nginx too.
const DOCS_PORT = 18093;
const DOCS_EXAMPLE = `
server {
    listen 127.0.0.1:${DOCS_PORT};
    location /s/ {
        secure_link $arg_md5,$arg_expires;
        secure_link_md5 "$secure_link_expires$uri$remote_addr secret";
        if ($secure_link = "") { return 403; }
        if ($secure_link = "0") { return 410; }
        return 200 "ok\\n";
    }
}
`;

let origin: ExtraNginx;
const get = (target: string, method?: string) => rawRequest(origin.origin, target, { method });
const signed = (key: string, exp = inSeconds(600), kid: 'k1' | 'k2' = 'k1') =>
  `/media/${key}?${signQueryMd5({ path: `/media/${key}`, kid, key: vectors.keys[kid], exp })}`;

function errorOf(res: RawResponse) {
  return { status: res.status, body: parseJson(res.body) };
}

beforeAll(async () => {
  for (const key of [...vectorKeys, OWN_KEY]) await putObject(key, content(key), 'video/mp2t');
  origin = await startExtraNginx('md5', { VIDGATE_ORIGIN_PORT: PORT, VIDGATE_SIGN_MODE: 'md5', VIDGATE_SIGNING_KEYS: KEYS, VIDGATE_SIGNING_KEY_ID: 'k1' }, { 'docs-example': DOCS_EXAMPLE });
});

afterAll(async () => {
  await origin?.nginx.stop();
  await rootClient.removeObjects(BUCKET, vectorKeys); // they sit under other prefixes (videos/demo/...)
});

describe('the md5-mode nginx', () => {
  it('started from a rendered config that passes nginx -t and selects the md5 location', async () => {
    expect(origin.config.signing.mode).toBe('md5');
    const conf = resolve(origin.paths.nginxConf, 'nginx.conf');
    await expect(run(findTool('nginx'), ['-p', origin.paths.nginxRun, '-c', conf, '-e', resolve(origin.paths.nginxLogs, 'error.log'), '-t', '-q'])).resolves.toBeDefined();
    const health = await get('/healthz');
    expect(health.status).toBe(200);
  });

  it.each(vectors.md5Sign.map((v) => [v.name, v] as const))('serves the vector "%s" with 200 and the exact bytes', async (_name, v) => {
    const res = await get(`${v.path}?${v.query}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(content(v.path.slice('/media/'.length)))).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp2t');
  });

  it.each(vectors.md5.map((v) => [v.name, v] as const))('agrees with the vector "%s" through nginx itself', async (_name, v) => {
    expect(v.clientIp).toBe('127.0.0.1'); // the address this request comes from
    const docs = `http://127.0.0.1:${DOCS_PORT}`;
    expect((await rawRequest(docs, `${v.uri}?md5=${v.md5}&expires=${v.expires}`)).status).toBe(200);
    const tampered = (v.md5[0] === 'A' ? 'B' : 'A') + v.md5.slice(1);
    expect((await rawRequest(docs, `${v.uri}?md5=${tampered}&expires=${v.expires}`)).status).toBe(403);
    expect((await rawRequest(docs, `${v.uri}?md5=${v.md5}&expires=${v.expires - 1}`)).status).toBe(403);
  });

  it('serves a URL minted by the TypeScript signer', async () => {
    const res = await get(signed(OWN_KEY));
    expect(res.status).toBe(200);
    expect(res.body.equals(content(OWN_KEY))).toBe(true);
  });

  it('refuses an hmac-mode URL', async () => {
    const hmac = vectors.sign[0]!;
    expect(errorOf(await get(`${hmac.path}?${hmac.query}`))).toEqual({ status: 403, body: jsonError('query_not_allowed') });
  });
});

describe('md5-mode rejections', () => {
  const cases: [string, () => string, string | undefined, number, string][] = [
    ['tampered md5', () => tamperSignature(signed(OWN_KEY), 'md5'), undefined, 403, 'signature_invalid'],
    ['md5 of another object', () => `/media/${OWN_KEY}?${signed(vectorKeys[0]!).split('?')[1]}`, undefined, 403, 'signature_invalid'],
    ['expiry changed', () => signed(OWN_KEY, 4102444800).replace('expires=4102444800', 'expires=4102444801'), undefined, 403, 'signature_invalid'],
    ['key id swapped', () => signed(OWN_KEY).replace('kid=k1', 'kid=k2'), undefined, 403, 'signature_invalid'],
    ['unknown key id', () => signed(OWN_KEY).replace('kid=k1', 'kid=k9'), undefined, 403, 'key_unknown'],
    ['expired', () => signed(OWN_KEY, inSeconds(-60)), undefined, 410, 'signature_expired'],
    ['extra query parameter', () => `${signed(OWN_KEY)}&acl`, undefined, 403, 'query_not_allowed'],
    ['S3 override parameter', () => `${signed(OWN_KEY)}&response-content-type=text/html`, undefined, 403, 'query_not_allowed'],
    ['parameters reordered', () => { const [p, q] = signed(OWN_KEY).split('?'); return `${p}?${q!.split('&').reverse().join('&')}`; }, undefined, 403, 'query_not_allowed'],
    ['no query', () => `/media/${OWN_KEY}`, undefined, 403, 'signature_missing'],
    ['POST with a valid signature', () => signed(OWN_KEY), 'POST', 405, 'method_not_allowed'],
    ['PUT with a valid signature', () => signed(OWN_KEY), 'PUT', 405, 'method_not_allowed'],
    ['DELETE with a valid signature', () => signed(OWN_KEY), 'DELETE', 405, 'method_not_allowed'],
  ];

  it.each(cases)('%s', async (_name, target, method, status, error) => {
    const res = await get(target(), method);
    expect(errorOf(res)).toEqual({ status, body: jsonError(error) });
    if (status === 405) expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.includes(content(OWN_KEY))).toBe(false);
  });

  it('a signed URL for a missing key answers 404 not_found', async () => {
    expect(errorOf(await get(signed('it-md5/missing.ts')))).toEqual({ status: 404, body: jsonError('not_found') });
  });

  // A JSON error labelled video/mp2t goes to the player's demuxer.
  it('every error is served as application/json, whatever the extension', async () => {
    const answers = [];
    for (const [name, target, method] of cases) answers.push({ name, type: contentType(await get(target(), method)) });
    answers.push({ name: 'missing key', type: contentType(await get(signed('it-md5/missing.ts'))) });
    expect(answers.filter((a) => a.type !== 'application/json')).toEqual([]);
  });
});
