import { beforeAll, describe, expect, it } from 'vitest';
import { createUrlSigner } from '@vidgate/common/url-signer';
import { parseJson } from './support/media-fixtures.ts';
import { rawRequest, type RawResponse } from './support/raw-http.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { DEMO_ID, freshId, playback, publishDemoCopy, requestPlayback, segmentUris, swapVideoId, target, tokenFor, variantUris } from './support/videos.ts';

// Who may play what, and what a signed URL does and does not open. Every
// request goes through nginx on the origin port, as a player's would.
const PUBLIC = freshId('acc-pub');
const PRIVATE = freshId('acc-priv'); // alice's, shared with carol
const PREMIUM = freshId('acc-prem');
const PROCESSING = freshId('acc-proc');

const alice = tokenFor('alice');
const bob = tokenFor('bob');
const carol = tokenFor('carol');
const admin = tokenFor('root', { role: 'admin' });
const subscriber = tokenFor('sam', { premium: true });

const get = (url: string) => rawRequest(ORIGIN, target(url));
const text = (res: RawResponse) => res.body.toString('utf8');

function expectError(res: RawResponse, status: number, error: string): void {
  expect({ status: res.status, body: parseJson(res.body) }).toMatchObject({ status, body: { error } });
}

async function expectPlaybackError(id: string, token: string | undefined, status: number, error: string): Promise<void> {
  const res = await requestPlayback(id, token);
  expect({ status: res.status, body: await res.json() }).toMatchObject({ status, body: { error } });
}

/** The master, first variant playlist and first segment URLs a viewer is handed for a video. */
async function signedUrls(id: string, token: string) {
  const { masterUrl } = await playback(id, token);
  const master = await get(masterUrl);
  expect(master.status).toBe(200);
  const variantUrl = variantUris(text(master))[0]!;
  const variant = await get(variantUrl);
  expect(variant.status).toBe(200);
  return { masterUrl: target(masterUrl), variantUrl, segmentUrl: segmentUris(text(variant))[0]! };
}

beforeAll(async () => {
  await publishDemoCopy(PUBLIC, { visibility: 'public' });
  await publishDemoCopy(PRIVATE, { visibility: 'private', owner: 'alice', allowedUsers: ['carol'] });
  await publishDemoCopy(PREMIUM, { visibility: 'premium', owner: 'studio' });
  await publishDemoCopy(PROCESSING, { visibility: 'public', status: 'processing', progress: 0.5 });
});

describe('GET /v1/videos/:id/playback', () => {
  it('without a token answers 401 token_missing', async () => {
    await expectPlaybackError(DEMO_ID, undefined, 401, 'token_missing');
  });

  it('with a token that is not a JWT of ours answers 401 token_invalid', async () => {
    await expectPlaybackError(DEMO_ID, 'garbage', 401, 'token_invalid');
    await expectPlaybackError(DEMO_ID, tokenFor('bob', {}, -60), 401, 'token_invalid'); // expired
  });

  it('for a video that does not exist answers 404 video_not_found', async () => {
    await expectPlaybackError(freshId('acc-missing'), bob, 404, 'video_not_found');
  });

  it('a private video: 403 not_entitled for bob; 200 for the owner, a listed user and an admin', async () => {
    await expectPlaybackError(PRIVATE, bob, 403, 'not_entitled');
    for (const token of [alice, carol, admin]) await playback(PRIVATE, token);
  });

  it('a premium video: 403 not_entitled without the premium claim, 200 with it', async () => {
    await expectPlaybackError(PREMIUM, bob, 403, 'not_entitled');
    const body = await playback(PREMIUM, subscriber);
    expect(body.masterUrl).toMatch(new RegExp(`^${ORIGIN}/v1/hls/${PREMIUM}/master\\.m3u8\\?exp=`));
  });

  it('a video still processing answers 409 video_not_ready', async () => {
    await expectPlaybackError(PROCESSING, admin, 409, 'video_not_ready');
  });
});

describe('signed URLs open exactly what they were signed for', () => {
  const signer = createUrlSigner(testConfig.signing);
  let pub: Awaited<ReturnType<typeof signedUrls>>; // handed to bob
  let priv: Awaited<ReturnType<typeof signedUrls>>; // handed to alice

  beforeAll(async () => {
    pub = await signedUrls(PUBLIC, bob);
    priv = await signedUrls(PRIVATE, alice);
  });

  it('the URLs as handed out work (the control for every refusal below)', async () => {
    for (const url of [pub.masterUrl, pub.variantUrl, pub.segmentUrl, priv.masterUrl, priv.variantUrl, priv.segmentUrl]) {
      expect({ url, status: (await get(url)).status }).toEqual({ url, status: 200 });
    }
  });

  it('a segment URL without its query answers 403 signature_missing', async () => {
    expectError(await get(priv.segmentUrl.split('?')[0]!), 403, 'signature_missing');
  });

  it("a segment path with another video's signature for the same-named segment answers 403", async () => {
    const forged = swapVideoId(pub.segmentUrl, PUBLIC, PRIVATE);
    expect(forged.split('?')[0]).toBe(priv.segmentUrl.split('?')[0]);
    expectError(await get(forged), 403, 'signature_invalid');
  });

  it('an expired segment URL answers 410 signature_expired', async () => {
    const path = priv.segmentUrl.split('?')[0]!;
    expectError(await get(signer.signPath(path, Math.floor(Date.now() / 1000) - 10)), 410, 'signature_expired');
  });

  it("a variant playlist URL of one video, moved to another video's path, answers 403", async () => {
    expectError(await get(swapVideoId(priv.variantUrl, PRIVATE, PUBLIC)), 403, 'signature_invalid');
  });

  it("bob cannot turn his playlist URLs for a public video into alice's private one", async () => {
    expectError(await get(swapVideoId(pub.masterUrl, PUBLIC, PRIVATE)), 403, 'signature_invalid');
    expectError(await get(swapVideoId(pub.variantUrl, PUBLIC, PRIVATE)), 403, 'signature_invalid');
  });

  it("a master playlist's signature does not open the variant playlists beside it", async () => {
    const query = priv.masterUrl.slice(priv.masterUrl.indexOf('?'));
    expectError(await get(`${priv.variantUrl.split('?')[0]}${query}`), 403, 'signature_invalid');
  });

  it('an extra query parameter answers 403 query_not_allowed (playlists and segments)', async () => {
    for (const url of [priv.masterUrl, priv.variantUrl, priv.segmentUrl]) {
      expectError(await get(`${url}&x=1`), 403, 'query_not_allowed');
    }
  });
});
