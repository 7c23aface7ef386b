/**
 * The signed-playlist route: GET /v1/hls/<id>/<variant> for a 10,000-segment
 * playlist, first rewritten and signed (cache miss), then served from the
 * in-process cache (hit), plain and gzipped. A miss is timed at the route, from
 * the request entering express to its last byte handed to the socket, with a
 * raw-socket client in this process; hits by wrk, one connection from its own
 * process (its p50 latency, the whole response received), so the client's
 * reading does not count against the service's event loop.
 *
 *   node --import tsx bench/playlist-route.ts
 */
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';
import { wrk } from './support/wrk.ts';
import { createApp } from '../services/auth/src/app.ts';
import { createMinioUploadStorage } from '../services/auth/src/uploads/upload-storage.ts';
import { loadAuthConfig } from '../services/auth/src/auth-config.ts';
import { createAuditLog } from '../services/common/src/audit.ts';
import { createLogger } from '../services/common/src/logger.ts';
import { memoryObjectStore } from '../services/common/src/memory-object-store.ts';
import { createUrlSigner, nowSeconds } from '../services/common/src/url-signer.ts';
import { videoKeys, type Video } from '../services/common/src/video.ts';
import type { VideoStore } from '../services/common/src/video-store.ts';

const SEGMENTS = 10_000;
const RUNS = 50;
const config = loadAuthConfig({ VIDGATE_LOG_LEVEL: 'silent', VIDGATE_CACHE_MAX_KEYS: '100000' });
const playlist = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-PLAYLIST-TYPE:VOD'];
for (let i = 0; i < SEGMENTS; i++) playlist.push('#EXTINF:2.000000,', `seg_${String(i).padStart(5, '0')}.ts`);
playlist.push('#EXT-X-ENDLIST', '');

// The object and video stores in memory: this measures the service, not MinIO or PostgreSQL.
const store = memoryObjectStore();
const now = new Date().toISOString();
const records = new Map<string, Video>();
const unused = () => Promise.reject(new Error('not used by this benchmark'));
const videos: VideoStore = { get: async (id) => records.get(id), put: unused, create: unused, patch: unused, remove: unused, page: unused, createdSince: unused, withOwnerLock: unused, setCaption: unused, removeCaption: unused, ping: async () => {} };
// The playlist route writes no audit event: a pool that never connects.
const audit = createAuditLog(new pg.Pool());
const video = (id: string): Video => ({ id, owner: 'o', title: 't', description: '', visibility: 'public', allowedUsers: [], allowedGroups: [], status: 'ready', progress: 1, durationSeconds: SEGMENTS * 2, renditions: [], captions: [], createdAt: now, updatedAt: now });

let routeMs = 0;
const timed = express()
  .use((_req, res, next) => {
    const started = performance.now();
    res.once('finish', () => (routeMs = performance.now() - started));
    next();
  })
  .use(createApp(config, { store, videos, uploads: createMinioUploadStorage(config), logger: createLogger({ name: 'bench', level: 'silent' }), audit }));
const server = timed.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const signer = createUrlSigner(config.signing);
const urlFor = (id: string) => base + signer.signPath(`/v1/hls/${id}/720p/index.m3u8`, nowSeconds() + 3600);

/** GETs over a raw socket and returns the route's time for it; the response is checked, not decoded. */
function time(url: string, gzip: boolean): Promise<number> {
  const u = new URL(url);
  const head = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close', ...(gzip ? ['Accept-Encoding: gzip'] : []), '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(u.port), u.hostname, () => socket.write(head));
    socket.on('data', (c: Buffer) => chunks.push(c)).on('error', reject).on('close', () => {
      const start = Buffer.concat(chunks).subarray(0, 400).toString('latin1');
      if (!start.startsWith('HTTP/1.1 200') || start.includes('Content-Encoding: gzip') !== gzip) return reject(new Error(start.split('\r\n')[0]));
      resolve(routeMs);
    });
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`GET of a ${SEGMENTS}-segment variant playlist, ${RUNS} runs each (warm-up first), timed at the route`);
const misses: number[] = [];
const gzipFirst: number[] = [];
for (let i = -5; i < RUNS; i++) {
  const id = `v${i + 5}`; // a fresh video each time: a guaranteed miss
  records.set(id, video(id));
  await store.putText(`${videoKeys.hlsPrefix(id)}720p/index.m3u8`, playlist.join('\n'), 'application/vnd.apple.mpegurl');
  const miss = await time(urlFor(id), false);
  const firstGzip = await time(urlFor(id), true);
  if (i >= 0) {
    misses.push(miss);
    gzipFirst.push(firstGzip);
  }
}
const url = urlFor('v0');
const plain = await wrk(url, { seconds: 5, connections: 1, threads: 1 });
const gzip = await wrk(url, { seconds: 5, connections: 1, threads: 1, headers: ['Accept-Encoding: gzip'] });
console.log(`  rewritten and signed (miss), at the route:     median ${median(misses).toFixed(2)} ms`);
console.log(`  first gzipped answer (compressed then), route: median ${median(gzipFirst).toFixed(2)} ms`);
console.log(`  from the cache (hit), wrk -c1:                 p50 ${plain.p50ms.toFixed(2)} ms (${plain.requestsPerSecond.toFixed(0)} req/s)`);
console.log(`  from the cache, gzipped (hit), wrk -c1:        p50 ${gzip.p50ms.toFixed(2)} ms (${gzip.requestsPerSecond.toFixed(0)} req/s)`);
server.close();
