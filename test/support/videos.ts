import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { createPool } from '@vidgate/common/database/pool';
import { videoKeys, type Video } from '@vidgate/common/video';
import { createVideoStore } from '@vidgate/common/video-store';
import { issueToken, type Principal } from '../../services/auth/src/jwt.ts';
import { BUCKET, rootClient } from './media-fixtures.ts';
import { ORIGIN, testConfig } from './test-stack.ts';

/** The video the test stack seeds (services/stack/src/seed-demo.ts): public, ready, 12 s, 4 renditions and an audio-only one. */
export const DEMO_ID = 'demo';

/** The stack's video records, written directly as the services write them (as the services' own database role). */
export const videoStore = createVideoStore(createPool(testConfig.database));

/**
 * A video id no other test file (or earlier run) has used: the auth service
 * caches metadata for VIDGATE_CACHE_TTL, so a reused id could answer from an
 * older entry.
 */
export const freshId = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export function tokenFor(sub: string, claims: Partial<Omit<Principal, 'sub'>> = {}, ttlSeconds = 600): string {
  return issueToken(testConfig.jwt, { role: 'user', premium: false, ...claims, sub }, ttlSeconds);
}

/** Object keys (relative to videos/<id>/hls/) of a published video's HLS package. */
export async function hlsObjects(videoId: string): Promise<{ key: string; size: number }[]> {
  const prefix = videoKeys.hlsPrefix(videoId);
  const out: { key: string; size: number }[] = [];
  for await (const item of rootClient.listObjectsV2(BUCKET, prefix, true)) {
    if (item.name) out.push({ key: item.name.slice(prefix.length), size: item.size });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Publishes the demo's HLS package again under another id (a server-side copy,
 * Content-Type kept) and writes its metadata. Call it before the first request
 * that names the id, so the auth service never caches "not found" or old metadata.
 */
export async function publishDemoCopy(id: string, meta: Partial<Omit<Video, 'id'>> = {}): Promise<Video> {
  const demo = await videoStore.get(DEMO_ID);
  if (!demo) throw new Error('the test stack has no demo video; is globalSetup running?');
  const objects = await hlsObjects(DEMO_ID);
  // Playlists last, as publishHls does, though nobody asks for this id yet.
  const rank = (k: string) => (k === 'master.m3u8' ? 2 : k.endsWith('.m3u8') ? 1 : 0);
  for (const { key } of objects.sort((a, b) => rank(a.key) - rank(b.key))) {
    await rootClient.copyObject(BUCKET, videoKeys.hlsPrefix(id) + key, `/${BUCKET}/${videoKeys.hlsPrefix(DEMO_ID)}${key}`);
  }
  const now = new Date().toISOString();
  const video: Video = {
    ...demo,
    title: `test copy of the demo (${id})`,
    owner: 'test-owner',
    visibility: 'public',
    allowedUsers: [],
    status: 'ready',
    ...meta,
    id,
    createdAt: now,
    updatedAt: now,
  };
  await videoStore.put(video);
  return video;
}

export interface Playback {
  videoId: string;
  masterUrl: string;
  posterUrl: string;
  /** When the video has seek thumbnails: its signed WebVTT storyboard. */
  storyboardUrl?: string;
  expiresAt: string;
  durationSeconds: number;
  /** The video renditions, then (with sound) the audio-only one, which has no size. */
  renditions: ({ kind: 'video'; name: string; width: number; height: number; bandwidth: number } | { kind: 'audio'; name: string; bandwidth: number; audioBitrate: number })[];
}

/** GET /v1/videos/<id>/playback through nginx, as the player page does. */
export async function requestPlayback(id: string, token?: string): Promise<Response> {
  return fetch(`${ORIGIN}/v1/videos/${encodeURIComponent(id)}/playback`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
}

export async function playback(id: string, token: string): Promise<Playback> {
  const res = await requestPlayback(id, token);
  const body = (await res.json()) as Playback;
  expect({ status: res.status, body }).toMatchObject({ status: 200, body: { videoId: id } });
  return body;
}

/**
 * Every URI a playlist names: the lines that are not tags or comments, and the
 * quoted URI="…" attributes of tags (EXT-X-MEDIA, EXT-X-KEY, EXT-X-MAP, …).
 */
export function playlistUris(text: string): { uri: string; kind: 'line' | 'attribute' }[] {
  const out: { uri: string; kind: 'line' | 'attribute' }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('#')) out.push({ uri: line, kind: 'line' });
    else for (const m of line.matchAll(/[:,]URI="([^"]*)"/g)) out.push({ uri: m[1]!, kind: 'attribute' });
  }
  return out;
}

/** The variant playlist URIs of a master playlist, in order. */
export function variantUris(master: string): string[] {
  return variants(master).map((v) => v.uri);
}

/** Each variant of a master playlist: its EXT-X-STREAM-INF line and its URI, in order (the audio-only one last). */
export function variants(master: string): { attributes: string; uri: string }[] {
  const lines = master.split(/\r?\n/).map((l) => l.trim());
  return lines.flatMap((l, i) => (l.startsWith('#EXT-X-STREAM-INF') ? [{ attributes: l, uri: lines.slice(i + 1).find((n) => n !== '' && !n.startsWith('#'))! }] : []));
}

/** The URI of the largest picture: the last variant with a RESOLUTION (the ladder goes up; the audio-only variant has none). */
export const topPictureUri = (master: string): string => variants(master).findLast((v) => v.attributes.includes('RESOLUTION='))!.uri;

/** The segment URIs of a media playlist (URI lines), in order. */
export function segmentUris(variant: string): string[] {
  return playlistUris(variant).filter((u) => u.kind === 'line').map((u) => u.uri);
}

/** "/media/videos/demo/hls/240p/seg_00000.ts?exp=…" → "videos/demo/hls/240p/seg_00000.ts". */
export function mediaObjectKey(uri: string): string {
  const path = new URL(uri, ORIGIN).pathname;
  if (!path.startsWith('/media/')) throw new Error(`${uri} is not a /media/ URL`);
  return path.slice('/media/'.length);
}

/** "/v1/hls/A/240p/index.m3u8?q" → "/v1/hls/B/240p/index.m3u8?q": only the video id in the path changes. */
export function swapVideoId(url: string, from: string, to: string): string {
  const swapped = url.replace(`/hls/${from}/`, `/hls/${to}/`).replace(`/videos/${from}/`, `/videos/${to}/`);
  if (swapped === url) throw new Error(`${url} names no video ${from}`);
  return swapped;
}

/** Path and query of an absolute or absolute-path URL (what a raw request sends). */
export function target(url: string): string {
  const u = new URL(url, ORIGIN);
  return u.pathname + u.search;
}
