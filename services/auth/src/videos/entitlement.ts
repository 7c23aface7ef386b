import { AppError } from '@vidgate/common/errors';
import type { Video } from '@vidgate/common/video';
import type { Principal } from '../jwt.ts';

/**
 * Who may watch: public → anyone with a valid token (or anonymous when
 * configured); private → the owner or a listed user; premium → a token whose
 * claims grant premium (and the owner). Throws 401/403 otherwise.
 */
export function assertEntitled(video: Video, principal: Principal | undefined, options: { anonymousPublic: boolean }): void {
  if (!principal) {
    if (video.visibility === 'public' && options.anonymousPublic) return;
    throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
  }
  if (principal.role === 'admin' || principal.sub === video.owner) return;
  const allowed =
    video.visibility === 'public' ||
    (video.visibility === 'private' && video.allowedUsers.includes(principal.sub)) ||
    (video.visibility === 'premium' && principal.premium);
  if (!allowed) throw new AppError('not_entitled', `you may not watch video ${video.id}`);
}
