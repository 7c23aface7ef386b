import { AppError } from '@vidgate/common/errors';
import type { Video } from '@vidgate/common/video';
import type { Principal } from '../jwt.ts';

/**
 * Every decision about who may do what with a video, in one place.
 *
 * Manage (rename, share, change visibility, delete): the owner and admins.
 * Watch: whoever may manage; users the video is shared with by name or through
 * one of their groups (whatever its visibility); for a public video anyone
 * signed in (or anonymous when VIDGATE_ANONYMOUS_PUBLIC); for a premium video
 * anyone whose token grants premium. Nobody else, private being the default.
 */
export interface AccessOptions {
  anonymousPublic: boolean;
}

export const mayManage = (video: Video, principal: Principal | undefined): boolean =>
  principal !== undefined && (principal.role === 'admin' || principal.sub === video.owner);

const sharedWith = (video: Video, principal: Principal): boolean =>
  video.allowedUsers.includes(principal.sub) || (principal.groups ?? []).some((group) => video.allowedGroups.includes(group));

export function mayWatch(video: Video, principal: Principal | undefined, options: AccessOptions): boolean {
  if (!principal) return video.visibility === 'public' && options.anonymousPublic;
  return mayManage(video, principal) || sharedWith(video, principal) || video.visibility === 'public' || (video.visibility === 'premium' && principal.premium);
}

/** 401 without a token where one is needed, 403 not_entitled otherwise. */
export function assertMayWatch(video: Video, principal: Principal | undefined, options: AccessOptions): void {
  if (mayWatch(video, principal, options)) return;
  if (!principal) throw new AppError('token_missing', 'an "Authorization: Bearer <token>" header is required');
  throw new AppError('not_entitled', `you may not watch video ${video.id}`);
}

/**
 * What GET /v1/videos/:id shows: everything to those who manage it; to a
 * viewer who may watch it, the video once it is ready; 404 for the rest of the
 * ready ones' viewers, as for a video that does not exist.
 */
export function assertMaySee(video: Video, principal: Principal | undefined, options: AccessOptions): void {
  if (mayManage(video, principal)) return;
  assertMayWatch(video, principal, options);
  if (video.status !== 'ready') throw new AppError('video_not_found', `no video ${video.id}`);
}

/** 403 for a viewer who may see the video but not change it; 404 for anyone who may not even see it. */
export function assertMayManage(video: Video, principal: Principal | undefined, options: AccessOptions): void {
  if (mayManage(video, principal)) return;
  if (video.status === 'ready' && mayWatch(video, principal, options)) throw new AppError('forbidden', `only the owner of video ${video.id} or an admin may change it`);
  throw new AppError('video_not_found', `no video ${video.id}`);
}
