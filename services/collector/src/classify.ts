/** What a request to the origin was for; the label that splits the byte counters. */
export type RequestKind = 'segment' | 'playlist' | 'upload' | 'other';

export const REQUEST_KINDS: readonly RequestKind[] = ['segment', 'playlist', 'upload', 'other'];

// Media and key files of HLS (TS or fMP4/CMAF) and their subtitles.
const SEGMENT = /\.(?:ts|m4s|mp4|m4a|m4v|aac|ac3|ec3|mp3|cmfv|cmfa|vtt|webvtt|key)$/i;
const PLAYLIST = /\.m3u8$/i;

export interface ClassifierOptions {
  /** The bucket whose path-style upload URLs nginx passes to MinIO. */
  bucket: string;
}

export type Classify = (request: { method: string; path: string }) => RequestKind;

/**
 * Classifies by method and path alone ($uri: no query string). Uploads are
 * presigned PUTs (single or multipart parts) under /<bucket>/uploads/, the
 * multipart completion POST there, and browser form POSTs to /<bucket>.
 */
export function createClassifier(options: ClassifierOptions): Classify {
  const bucketRoot = `/${options.bucket}`;
  const uploads = `${bucketRoot}/uploads/`;
  return ({ method, path }) => {
    const writes = method === 'PUT' || method === 'POST';
    if (writes && path.startsWith(uploads) && path.length > uploads.length) return 'upload';
    if (method === 'POST' && (path === bucketRoot || path === `${bucketRoot}/`)) return 'upload';
    const media = path.startsWith('/media/');
    if (PLAYLIST.test(path) && (media || path.startsWith('/v1/hls/'))) return 'playlist';
    if (media && SEGMENT.test(path)) return 'segment';
    return 'other';
  };
}
