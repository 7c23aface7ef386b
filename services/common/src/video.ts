import { z } from 'zod';

/** Video ids are path segments of object keys and URLs: keep them plain. */
export const VIDEO_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A variant of the master playlist; bandwidth in bits per second, as its BANDWIDTH says. Records from before kinds are video. */
const videoRenditionSchema = z.object({
  kind: z.literal('video').default('video'),
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bandwidth: z.number().int().positive(),
});

/** The audio-only variant: no picture, so no size; listed after the video renditions. */
const audioRenditionSchema = z.object({
  kind: z.literal('audio'),
  name: z.string(),
  bandwidth: z.number().int().positive(),
  /** The AAC encoder's bit rate, bits per second; bandwidth adds the container's overhead. */
  audioBitrate: z.number().int().positive(),
});

const renditionSchema = z.union([videoRenditionSchema, audioRenditionSchema]);

/** A caption file of a video; version names its stored file (videoKeys.caption). */
export const captionSchema = z.object({ language: z.string(), label: z.string(), updatedAt: z.string(), version: z.string().regex(/^[0-9a-f]{1,32}$/).optional() });

/** A video's record: a row of the videos table (before PostgreSQL, videos/<id>/meta.json in the bucket). */
export const videoSchema = z.object({
  id: z.string().regex(VIDEO_ID),
  owner: z.string().min(1),
  title: z.string(),
  description: z.string().default(''),
  visibility: z.enum(['public', 'private', 'premium']),
  /** Users other than the owner who may watch the video, whatever its visibility. */
  allowedUsers: z.array(z.string()).default([]),
  /** Groups (the identity provider's groups claim) whose members may watch it. */
  allowedGroups: z.array(z.string()).default([]),
  status: z.enum(['uploading', 'processing', 'ready', 'failed']),
  progress: z.number().min(0).max(1).default(0),
  failureReason: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  renditions: z.array(renditionSchema).default([]),
  /** Seek thumbnails were published with the renditions: videos/<id>/hls/storyboard.vtt and its sheets. */
  hasStoryboard: z.boolean().optional(),
  /** The uploaded original, under uploads/<id>/source. */
  source: z
    .object({
      fileName: z.string(),
      contentType: z.string(),
      size: z.number().int().nonnegative(),
      uploadId: z.string().optional(),
      partSize: z.number().int().positive().optional(),
    })
    .optional(),
  /**
   * WebVTT captions, one per language, sorted by tag: bytes under
   * videos/<id>/captions/<language>.<version>.vtt (videoKeys.caption), a new
   * version each time a file replaces one (captions of before versions: <language>.vtt).
   */
  captions: z.array(captionSchema).default([]),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Video = z.infer<typeof videoSchema>;
export type Caption = Video['captions'][number];
/** A video as written: fields with defaults (description, sharing, progress, renditions) may be left out. */
export type VideoInput = z.input<typeof videoSchema>;
export type Rendition = z.infer<typeof renditionSchema>;

/** Why an upload ended without a source: such uploads store no bytes (a source that lands later is removed). */
export const UPLOAD_CANCELLED = 'upload cancelled';
export const UPLOAD_EXPIRED = 'upload expired';
export const endedWithoutSource = (video: Video) => video.status === 'failed' && (video.failureReason === UPLOAD_CANCELLED || video.failureReason === UPLOAD_EXPIRED);

export const STORYBOARD_FILE = 'storyboard.vtt';

/** The file name of a caption beside the others: <language>.<version>.vtt, or <language>.vtt for one stored before versions. */
export const captionFile = (caption: Pick<Caption, 'language' | 'version'>) => `${caption.language}${caption.version ? `.${caption.version}` : ''}.vtt`;

export const videoKeys = {
  /** Where installs from before PostgreSQL kept a video's record: read by `vidgate import-metadata` only. */
  meta: (id: string) => `videos/${id}/meta.json`,
  /** Everything published for a video: renditions, posters, playlists. */
  prefix: (id: string) => `videos/${id}/`,
  hlsPrefix: (id: string) => `videos/${id}/hls/`,
  master: (id: string) => `videos/${id}/hls/master.m3u8`,
  /** The WebVTT file of a video's seek thumbnails, beside its renditions (the transcoder writes STORYBOARD_FILE in the package). */
  storyboard: (id: string) => `videos/${id}/hls/${STORYBOARD_FILE}`,
  /**
   * Outside hls/: a new transcode replaces what is under hls/, not an owner's
   * captions. A replaced file gets a new key, so no cache (nginx's, a CDN's, a
   * player's) can serve the old one in its place.
   */
  caption: (id: string, caption: Pick<Caption, 'language' | 'version'>) => `videos/${id}/captions/${captionFile(caption)}`,
  source: (id: string) => `uploads/${id}/source`,
  uploadPrefix: (id: string) => `uploads/${id}/`,
};

/** uploads/<id>/source → id, or undefined for any other key. */
export function videoIdOfSource(key: string): string | undefined {
  const m = /^uploads\/([^/]+)\/source$/.exec(key);
  return m && VIDEO_ID.test(m[1]!) ? m[1] : undefined;
}
