import type { AuthConfig } from '../auth-config.ts';

const BUCKET_SECONDS = 60;

/**
 * Expiry of the URLs inside playlists: long enough to play the whole video plus
 * a grace period (pauses, seeking), capped by the configured maximum; rounded up
 * to the next minute so that every request within a minute gets byte-identical
 * playlists, which are then served from cache.
 */
export function mediaExpiry(nowSeconds: number, durationSeconds: number, playback: AuthConfig['playback']): number {
  const lifetime = Math.min(Math.ceil(durationSeconds) + playback.grace, playback.maxTtl);
  return Math.ceil((nowSeconds + lifetime) / BUCKET_SECONDS) * BUCKET_SECONDS;
}
