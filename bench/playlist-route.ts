/**
 * The signed-playlist route end to end in one process: GET /v1/hls/<id>/<variant>
 * for a 10,000-segment playlist, first rewritten and signed (cache miss), then
 * served from the in-process cache (hit), over HTTP on loopback.
 *
 *   node --import tsx bench/playlist-route.ts
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../services/auth/src/app.ts';
import { createMinioUploadStorage } from '../services/auth/src/uploads/upload-storage.ts';
import { loadAuthConfig } from '../services/auth/src/auth-config.ts';
import { createLogger } from '../services/common/src/logger.ts';
import type { ObjectStore } from '../services/common/src/object-store.ts';
import { createUrlSigner, nowSeconds } from '../services/common/src/url-signer.ts';
import { videoKeys } from '../services/common/src/video.ts';

const SEGMENTS = 10_000;
const RUNS = 50;
const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_CACHE_MAX_KEYS: '100000' });
const playlist = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-PLAYLIST-TYPE:VOD'];
for (let i = 0; i < SEGMENTS; i++) playlist.push('#EXTINF:2.000000,', `seg_${String(i).padStart(5, '0')}.ts`);
playlist.push('#EXT-X-ENDLIST', '');

// The object-store seam in memory: this measures the service, not MinIO.
const objects = new Map<string, string>();
const store: ObjectStore = { getText: async (k) => objects.get(k), putText: async (k, t) => void objects.set(k, t), listChildren: async () => [], ping: async () => {} };
const now = new Date().toISOString();
const video = (id: string) => ({ id, owner: 'o', title: 't', visibility: 'public', allowedUsers: [], status: 'ready', progress: 1, durationSeconds: SEGMENTS * 2, renditions: [], createdAt: now, updatedAt: now });

const server = createApp(config, { store, uploads: createMinioUploadStorage(config), logger: createLogger({ name: 'bench', level: 'silent' }) }).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const signer = createUrlSigner(config.signing);
const urlFor = (id: string) => base + signer.signPath(`/v1/hls/${id}/720p/index.m3u8`, nowSeconds() + 3600);

async function time(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200 || !body.includes('sig=')) throw new Error(`HTTP ${res.status}`);
  return performance.now() - started;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`GET of a ${SEGMENTS}-segment variant playlist, ${RUNS} runs each (warm-up first)`);
const misses: number[] = [];
const hits: number[] = [];
for (let i = -5; i < RUNS; i++) {
  const id = `v${i + 5}`; // a fresh video each time: a guaranteed miss
  objects.set(videoKeys.meta(id), JSON.stringify(video(id)));
  objects.set(`${videoKeys.hlsPrefix(id)}720p/index.m3u8`, playlist.join('\n'));
  const miss = await time(urlFor(id));
  const hit = await time(urlFor(id));
  if (i >= 0) {
    misses.push(miss);
    hits.push(hit);
  }
}
console.log(`  rewritten and signed (miss): median ${median(misses).toFixed(2)} ms`);
console.log(`  from the cache (hit):        median ${median(hits).toFixed(2)} ms`);
server.close();
