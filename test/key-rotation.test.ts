import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { extraConfig, startExtraNginx, type ExtraNginx } from './support/extra-nginx.ts';
import { contentType, inSeconds, jsonError, parseJson, putObject, sha256 } from './support/media-fixtures.ts';
import { rawRequest } from './support/raw-http.ts';

// Rotating signing keys on a running origin: add the new key beside the old,
// switch minting to it, then drop the old one with a reload. URLs already
// handed out under the new key, and downloads in progress, must not notice.
const OLD = 'old:rotation-old-signing-key-0123456789abcdef';
const NEW = 'new:rotation-new-signing-key-0123456789abcdef';
const PORT = '18090';
const KEY = 'it-rotation/seg_00000.ts';
const BIG_KEY = 'it-rotation/big.ts';
const small = randomBytes(64 * 1024);
const big = randomBytes(8 * 1024 * 1024); // larger than the socket buffers, so the transfer is still going during the reload

const BEFORE_ENV = { VIDGATE_ORIGIN_PORT: PORT, VIDGATE_SIGNING_KEYS: `${OLD},${NEW}`, VIDGATE_SIGNING_KEY_ID: 'new' };
const before = extraConfig(BEFORE_ENV);
const after = extraConfig({ ...BEFORE_ENV, VIDGATE_SIGNING_KEYS: NEW });
const signWithOld = createUrlSigner({ ...before.signing, activeKid: 'old' });
const signWithNew = createUrlSigner(before.signing);

let origin: ExtraNginx;
const get = (target: string) => rawRequest(origin.origin, target);

beforeAll(async () => {
  await putObject(KEY, small, 'video/mp2t');
  await putObject(BIG_KEY, big, 'video/mp2t');
  origin = await startExtraNginx('rotation', BEFORE_ENV);
});

afterAll(async () => {
  await origin?.nginx.stop();
});

describe('with both keys listed', () => {
  it.each([['old', signWithOld], ['new', signWithNew]])('a URL signed with "%s" is served', async (_kid, signer) => {
    const res = await get(signer.signPath(`/media/${KEY}`, inSeconds(600)));
    expect(res.status).toBe(200);
    expect(res.body.equals(small)).toBe(true);
  });
});

describe('after a reload that drops "old"', () => {
  const exp = inSeconds(600);
  let oldUrl: string;
  let newUrlMintedBefore: string;
  let inFlight: Promise<{ status: number; sha: string; length: number }>;

  beforeAll(async () => {
    oldUrl = signWithOld.signPath(`/media/${KEY}`, exp);
    newUrlMintedBefore = signWithNew.signPath(`/media/${KEY}`, exp);
    // A player mid-download: the response has started but is read only after the reload.
    const paused = await startPausedDownload(origin.origin, signWithNew.signPath(`/media/${BIG_KEY}`, exp));
    await origin.nginx.reload(after); // resolves once the new workers answer
    inFlight = finishDownload(paused);
  });

  it('answers 403 key_unknown for a URL signed with "old"', async () => {
    const res = await get(oldUrl);
    expect({ status: res.status, body: parseJson(res.body), type: contentType(res) }).toEqual({ status: 403, body: jsonError('key_unknown'), type: 'application/json' });
  });

  it('still serves a URL signed with "new" before the reload', async () => {
    const res = await get(newUrlMintedBefore);
    expect(res.status).toBe(200);
    expect(res.body.equals(small)).toBe(true);
  });

  it('serves a URL signed with "new" after the reload', async () => {
    const res = await get(signWithNew.signPath(`/media/${KEY}`, inSeconds(600)));
    expect(res.status).toBe(200);
    expect(res.body.equals(small)).toBe(true);
  });

  it('lets a download that started before the reload finish intact', async () => {
    expect(await inFlight).toEqual({ status: 200, sha: sha256(big), length: big.length });
  });
});

function startPausedDownload(base: string, target: string): Promise<IncomingMessage> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: target, agent: false }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

function finishDownload(res: IncomingMessage): Promise<{ status: number; sha: string; length: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      resolve({ status: res.statusCode ?? 0, sha: sha256(body), length: body.length });
    });
    res.resume();
  });
}
