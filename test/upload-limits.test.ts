import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../services/common/src/errors.ts';
import { videoKeys } from '../services/common/src/video.ts';
import { jsonError } from './support/media-fixtures.ts';
import { ORIGIN, testConfig } from './support/test-stack.ts';
import { api, createUpload, incompleteUploads, putPart, type MultipartUpload } from './support/uploads.ts';
import { freshId, tokenFor, videoStore } from './support/videos.ts';

// Per-user limits of the API, through nginx, at their defaults: 20 uploads open
// at once (VIDGATE_UPLOAD_MAX_OPEN), uploads that expire (VIDGATE_UPLOAD_EXPIRY:
// the clock is moved by back-dating an upload's record in MinIO), and
// GET /v1/videos a page at a time.
const OPEN_LIMIT = 20;
const small = (n: number) => ({ fileName: `clip-${n}.mp4`, size: 1000 + n, contentType: 'video/mp4' });

/** Every page of GET /v1/videos `query`, following nextCursor; bounded. */
async function allPages(token: string, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 50; pages++) {
    const res = await api(`/v1/videos?${query}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...(res.body.videos as { id: string }[]).map((v) => v.id));
    cursor = res.body.nextCursor;
    if (!cursor) return { ids, pages };
  }
  throw new Error('more than 50 pages');
}

describe('GET /v1/videos, a page at a time', () => {
  const token = tokenFor(freshId('it-pages'));
  const created: string[] = [];

  it('walks every video once, newest first, by cursor', async () => {
    for (let n = 0; n < 7; n++) created.push((await createUpload(token, small(n))).videoId);
    const { ids, pages } = await allPages(token, 'limit=3');
    expect(pages).toBe(3);
    expect(ids).toEqual([...created].reverse());
    const first = await api('/v1/videos?limit=7', { token });
    expect(first.body.videos).toHaveLength(7);
    expect(first.body.nextCursor).toBeUndefined();
  });

  it('filters by status', async () => {
    for (const id of created.slice(0, 2)) expect((await api(`/v1/uploads/${id}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await allPages(token, 'limit=1&status=failed')).ids).toEqual([created[1], created[0]]);
    expect((await allPages(token, 'status=uploading')).ids).toEqual(created.slice(2).reverse());
  });

  it.each([
    ['limit=0'], ['limit=101'], ['limit=ten'], ['cursor=bm90LWEtY3Vyc29y'], ['status=deleted'], ['page=2'],
  ])('refuses %s with 400 bad_request', async (query) => {
    const res = await api(`/v1/videos?${query}`, { token });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: jsonError('bad_request') });
  });
});

describe('uploads open at once, per user', () => {
  it(`allows ${OPEN_LIMIT}, then answers 429 quota_exceeded with Retry-After; a cancel makes room`, async () => {
    const token = tokenFor(freshId('it-quota'));
    const ids: string[] = [];
    for (let n = 0; n < OPEN_LIMIT; n++) ids.push((await createUpload(token, small(n))).videoId);
    const refused = await fetch(`${ORIGIN}/v1/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(small(99)) });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ ...jsonError('quota_exceeded'), quota: 'open_uploads', limit: OPEN_LIMIT });
    // Until the oldest open upload expires (VIDGATE_UPLOAD_EXPIRY, a day by default).
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(86_400 - 300);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    // Parallel requests cannot all slip past the check (one auth process: the check and the record are one step per user).
    const other = tokenFor(freshId('it-quota-parallel'));
    const statuses = await Promise.all(Array.from({ length: OPEN_LIMIT + 10 }, (_, n) => api('/v1/uploads', { method: 'POST', token: other, body: small(n) }).then((r) => r.status)));
    expect({ created: statuses.filter((s) => s === 201).length, refused: statuses.filter((s) => s === 429).length }).toEqual({ created: OPEN_LIMIT, refused: 10 });
    // Another user is not affected.
    await createUpload(tokenFor(freshId('it-quota-other')), small(0));
    expect((await api(`/v1/uploads/${ids[0]}`, { method: 'DELETE', token })).status).toBe(204);
    await createUpload(token, small(100));
  });
});

describe('unfinished uploads expire', () => {
  const MIB = 1024 * 1024;
  const EXPIRY = testConfig.uploads.expiry;
  /** Moves the upload's creation `seconds` into the past, as if that time had gone by. */
  async function backdate(videoId: string, seconds: number) {
    const video = (await videoStore.get(videoId))!;
    await videoStore.put({ ...video, createdAt: new Date(Date.parse(video.createdAt) - seconds * 1000).toISOString() });
  }
  const multipart = (token: string) => createUpload<MultipartUpload>(token, { fileName: 'big.mp4', size: 70 * MIB, contentType: 'video/mp4' });

  it('hands out part URLs that never outlive the upload', async () => {
    const token = tokenFor(freshId('it-expiry'));
    const { videoId } = await multipart(token);
    await backdate(videoId, EXPIRY - 120);
    const res = await api(`/v1/uploads/${videoId}/parts?from=2&count=1`, { token });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeLessThanOrEqual(121_000);
    expect(Number(new URL(res.body.parts[0].url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(120);
  });

  it('past its expiry, an upload reads failed "upload expired", refuses more parts with 410 upload_expired, and its parts are gone', async () => {
    const token = tokenFor(freshId('it-expiry'));
    const { videoId, upload } = await multipart(token);
    const key = videoKeys.source(videoId);
    expect((await putPart(upload.parts[0]!.url, upload.partSize)).status).toBe(200);
    await backdate(videoId, EXPIRY + 60);

    expect((await api(`/v1/videos/${videoId}`, { token })).body).toMatchObject({ status: 'failed', failureReason: 'upload expired' });
    expect((await api('/v1/videos?status=failed', { token })).body.videos.map((v: { id: string }) => v.id)).toEqual([videoId]);
    const more = await api(`/v1/uploads/${videoId}/parts?from=2`, { token });
    expect({ status: more.status, body: more.body }).toEqual({ status: 410, body: jsonError('upload_expired') });
    // Ended, not only refused: aborted in MinIO, its URLs revoked, the record written.
    expect(await incompleteUploads(key)).toEqual([]);
    expect(['upload_refused', 'upload_not_found']).toContain((await putPart(upload.parts[1]!.url, upload.partSize)).error);
    expect(await videoStore.get(videoId)).toMatchObject({ status: 'failed', failureReason: 'upload expired' });
    const done = await api(upload.completeUrl, { method: 'POST', token, body: {} });
    expect({ status: done.status, error: done.body.error }).toEqual({ status: ERROR_CODES.conflict, error: 'conflict' });
  });
});
