import { describe, expect, it } from 'vitest';
import { DEMO_ID, freshId, playback, tokenFor, variantUris } from './support/videos.ts';
import { ORIGIN } from './support/test-stack.ts';

// A player embedded in another site's page (an intranet portal, an LMS) fetches
// with hls.js, cross-origin: every signed resource it needs answers
// "Access-Control-Allow-Origin: *" (the signed URL is the credential), while
// the API, which takes a bearer token, and refusals answer no CORS at all.
const ELSEWHERE = { Origin: 'https://portal.example.test' };

const corsOf = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers: { ...ELSEWHERE, ...headers } });
  await res.arrayBuffer();
  return { status: res.status, allowOrigin: res.headers.get('access-control-allow-origin'), expose: res.headers.get('access-control-expose-headers') };
};

describe('signed resources for a player on another origin', () => {
  it('answer CORS for the master, a variant, a segment (whole and ranged), and the poster', async () => {
    const pb = await playback(DEMO_ID, tokenFor(freshId('embed')));
    const master = await fetch(pb.masterUrl, { headers: ELSEWHERE });
    expect(master.headers.get('access-control-allow-origin')).toBe('*');
    const variant = new URL(variantUris(await master.text())[0]!, pb.masterUrl).href;
    const variantRes = await fetch(variant, { headers: ELSEWHERE });
    expect(variantRes.headers.get('access-control-allow-origin')).toBe('*');
    const segment = new URL((await variantRes.text()).split('\n').find((l) => l !== '' && !l.startsWith('#'))!, variant).href;
    expect(new URL(segment).pathname).toMatch(/^\/media\//);
    expect(await corsOf(segment)).toEqual({ status: 200, allowOrigin: '*', expose: 'Content-Length, Content-Range, ETag' });
    expect(await corsOf(segment, { Range: 'bytes=0-99' })).toMatchObject({ status: 206, allowOrigin: '*' });
    expect(await corsOf(pb.posterUrl)).toMatchObject({ status: 200, allowOrigin: '*' });
  });

  it('but not the API, nor a refused URL', async () => {
    expect(await corsOf(`${ORIGIN}/v1/videos/${DEMO_ID}/playback`, { Authorization: `Bearer ${tokenFor(freshId('embed'))}` })).toMatchObject({ status: 200, allowOrigin: null });
    const pb = await playback(DEMO_ID, tokenFor(freshId('embed')));
    const tampered = pb.posterUrl.replace(/sig=[^&]{4}/, 'sig=AAAA');
    expect(tampered).not.toBe(pb.posterUrl);
    expect(await corsOf(tampered)).toMatchObject({ status: 403, allowOrigin: null });
  });
});
