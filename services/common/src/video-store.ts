import { AppError } from './errors.ts';
import type { ObjectStore } from './object-store.ts';
import { videoKeys, videoSchema, VIDEO_ID, type Video } from './video.ts';

/** Video metadata kept as JSON objects in the bucket: no database to run. */
export interface VideoStore {
  get(id: string): Promise<Video | undefined>;
  put(video: Video): Promise<void>;
  /** Writes a new video's metadata and indexes it under its owner. */
  create(video: Video): Promise<void>;
  listByOwner(owner: string): Promise<Video[]>;
}

export function createVideoStore(objects: ObjectStore): VideoStore {
  const store: VideoStore = {
    async get(id) {
      if (!VIDEO_ID.test(id)) return undefined;
      const text = await objects.getText(videoKeys.meta(id));
      if (text === undefined) return undefined;
      const parsed = videoSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new AppError('internal', `metadata of video ${id} is invalid: ${parsed.error.message}`);
      return parsed.data;
    },
    async put(video) {
      await objects.putText(videoKeys.meta(video.id), JSON.stringify(videoSchema.parse(video), null, 2), 'application/json');
    },
    async create(video) {
      await store.put(video);
      await objects.putText(videoKeys.ownerPrefix(video.owner) + video.id, '', 'text/plain');
    },
    async listByOwner(owner) {
      const ids = await objects.listChildren(videoKeys.ownerPrefix(owner));
      const videos = await Promise.all(ids.map((id) => store.get(id)));
      return videos.filter((v): v is Video => v !== undefined && v.owner === owner);
    },
  };
  return store;
}
