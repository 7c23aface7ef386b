import { describe, expect, it } from 'vitest';
import { AppError } from '@vidgate/common/errors';
import { UPLOAD_CANCELLED, UPLOAD_EXPIRED, type Video } from '@vidgate/common/video';
import { asOfNow, assertWithinQuota, isExpiredUpload } from './upload-limits.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const GB = 1024 ** 3;
const limits = { expiry: 86_400, quota: { open: 3, dailyBytes: 10 * GB } };

let n = 0;
function video(hoursAgo: number, status: Video['status'], size = GB, failureReason?: string): Video {
  const at = new Date(NOW - hoursAgo * HOUR).toISOString();
  return {
    id: `v${n++}`, owner: 'alice', title: 't', description: '', visibility: 'private', allowedUsers: [], allowedGroups: [], status, progress: 0, renditions: [], captions: [],
    source: { fileName: 'a.mp4', contentType: 'video/mp4', size }, createdAt: at, updatedAt: at, ...(failureReason ? { failureReason } : {}),
  };
}

/** The AppError an assertion throws, or undefined when it passes. */
function refusal(owned: Video[], size: number): AppError | undefined {
  try {
    assertWithinQuota(owned, size, limits, NOW);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
}

describe('upload expiry', () => {
  it('is reached exactly `expiry` seconds after creation, only for uploads still open', () => {
    expect(isExpiredUpload(video(23.99, 'uploading'), limits, NOW)).toBe(false);
    expect(isExpiredUpload(video(24, 'uploading'), limits, NOW)).toBe(true);
    expect(isExpiredUpload(video(48, 'processing'), limits, NOW)).toBe(false);
  });

  it('reads an expired upload as failed, "upload expired", before any sweep wrote it', () => {
    expect(asOfNow(video(25, 'uploading'), limits, NOW)).toMatchObject({ status: 'failed', failureReason: UPLOAD_EXPIRED });
    const open = video(1, 'uploading');
    expect(asOfNow(open, limits, NOW)).toBe(open);
  });
});

describe('per-user upload quota', () => {
  it('allows up to the open limit, then refuses with quota_exceeded until the oldest open upload expires', () => {
    expect(refusal([video(1, 'uploading'), video(2, 'uploading')], GB)).toBeUndefined();
    const err = refusal([video(1, 'uploading'), video(5, 'uploading'), video(3, 'uploading')], GB)!;
    expect({ code: err.code, status: err.status, details: err.details }).toEqual({ code: 'quota_exceeded', status: 429, details: { quota: 'open_uploads', limit: 3 } });
    expect(err.retryAfter).toBeCloseTo(19 * 3600, 0); // the one opened 5 h ago expires at 24 h
  });

  it('does not count uploads that expired, finished or were cancelled as open', () => {
    const owned = [video(30, 'uploading'), video(2, 'processing'), video(3, 'ready'), video(1, 'failed', GB, UPLOAD_CANCELLED), video(1, 'uploading'), video(1, 'uploading')];
    expect(refusal(owned, GB)).toBeUndefined();
  });

  it('refuses bytes past the daily quota, with Retry-After when enough of them leave the 24-hour window', () => {
    const owned = [video(20, 'ready', 4 * GB), video(10, 'failed', 3 * GB, 'not a video'), video(2, 'processing', 2 * GB)];
    expect(refusal(owned, GB)).toBeUndefined(); // 9 + 1 = 10 GB: exactly the quota
    const err = refusal(owned, 2 * GB)!;
    expect({ code: err.code, details: err.details }).toEqual({ code: 'quota_exceeded', details: { quota: 'daily_bytes', limit: 10 * GB } });
    expect(err.retryAfter).toBeCloseTo(4 * 3600, 0); // the 4 GB upload of 20 h ago leaves the window in 4 h
    const needsTwo = refusal(owned, 8 * GB)!;
    expect(needsTwo.retryAfter).toBeCloseTo(14 * 3600, 0); // 4 GB and 3 GB must both leave
  });

  it('counts no bytes for uploads that stored none (cancelled, expired) nor for those older than a day', () => {
    const owned = [video(25, 'ready', 9 * GB), video(3, 'failed', 9 * GB, UPLOAD_CANCELLED), video(3, 'failed', 9 * GB, UPLOAD_EXPIRED), video(30, 'uploading', 9 * GB)];
    expect(refusal(owned, 10 * GB)).toBeUndefined();
  });
});
