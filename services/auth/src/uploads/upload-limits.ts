import { AppError } from '@vidgate/common/errors';
import type { UploadsConfig } from '@vidgate/common/config/sections';
import { endedWithoutSource, UPLOAD_EXPIRED, type Video } from '@vidgate/common/video';

const DAY_MS = 86_400_000;

const createdMs = (video: Video) => Date.parse(video.createdAt);

/** True when `video` is an upload still open `expiry` seconds after it was created. */
export const isExpiredUpload = (video: Video, limits: Pick<UploadsConfig, 'expiry'>, now = Date.now()) =>
  video.status === 'uploading' && createdMs(video) + limits.expiry * 1000 <= now;

/** Seconds until an open upload expires (at least 1): no URL handed out for it may outlive it. */
export const secondsToExpiry = (video: Video, limits: Pick<UploadsConfig, 'expiry'>, now = Date.now()) =>
  Math.max(1, Math.floor((createdMs(video) + limits.expiry * 1000 - now) / 1000));

/** The video as it stands now: an upload past its expiry is failed, whether or not the sweeper has written that yet. */
export function asOfNow(video: Video, limits: Pick<UploadsConfig, 'expiry'>, now = Date.now()): Video {
  return isExpiredUpload(video, limits, now) ? { ...video, status: 'failed', failureReason: UPLOAD_EXPIRED } : video;
}

/**
 * Refuses a new upload of `size` bytes when the owner already has `quota.open`
 * uploads open, or when it would take the bytes of uploads started in the last
 * 24 hours past `quota.dailyBytes`. An open upload counts its declared size (its
 * URLs cannot carry more); cancelled and expired ones stored nothing and count
 * nothing. 429 quota_exceeded, with Retry-After: when the oldest open upload
 * expires, or when enough of the day's bytes leave the window.
 */
export function assertWithinQuota(owned: readonly Video[], size: number, limits: Pick<UploadsConfig, 'expiry' | 'quota'>, now = Date.now()): void {
  const current = owned.map((v) => asOfNow(v, limits, now));
  const open = current.filter((v) => v.status === 'uploading').sort((a, b) => createdMs(a) - createdMs(b));
  if (open.length >= limits.quota.open) {
    const expiresMs = createdMs(open[open.length - limits.quota.open]!) + limits.expiry * 1000;
    throw new AppError('quota_exceeded', `you have ${open.length} uploads open, the most allowed; finish or cancel one`, { quota: 'open_uploads', limit: limits.quota.open }, (expiresMs - now) / 1000);
  }
  const stored = (v: Video) => v.source !== undefined && !endedWithoutSource(v);
  const today = current.filter((v) => stored(v) && createdMs(v) > now - DAY_MS).sort((a, b) => createdMs(a) - createdMs(b));
  let used = today.reduce((sum, v) => sum + v.source!.size, 0);
  if (used + size <= limits.quota.dailyBytes) return;
  const message = `uploads started in the last 24 hours hold ${used} bytes; ${size} more would pass the daily quota of ${limits.quota.dailyBytes}`;
  // The settings guarantee one upload of the largest size fits, so some upload leaving the window makes room.
  const leaving = today.find((v) => (used -= v.source!.size) + size <= limits.quota.dailyBytes)!;
  throw new AppError('quota_exceeded', message, { quota: 'daily_bytes', limit: limits.quota.dailyBytes }, (createdMs(leaving) + DAY_MS - now) / 1000);
}

/** The oldest creation time the quota looks at: uploads still open, and those of the last 24 hours. */
export const quotaWindowStart = (limits: Pick<UploadsConfig, 'expiry'>, now = Date.now()) =>
  new Date(now - Math.max(DAY_MS, limits.expiry * 1000)).toISOString();
