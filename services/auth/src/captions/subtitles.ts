import type { ObjectStore } from '@vidgate/common/object-store';
import { captionFile, videoKeys, type Caption } from '@vidgate/common/video';
import { resolveObjectKey } from '../hls/resolve-object-key.ts';
import { firstTimestamp } from './ts-start.ts';

/** The one group of subtitle renditions every variant of a master names. */
export const SUBTITLES_GROUP = 'subs';
const STREAM_INF = '#EXT-X-STREAM-INF:';
/** Enough of a segment to hold the first audio and video packets (ffmpeg interleaves them by time). */
const SEGMENT_HEAD_BYTES = 256 * 1024;

/**
 * Where a language's subtitle playlist sits, relative to the master under
 * videos/<id>/hls/. It is generated, never stored: /v1/hls/<id>/captions/<language>.m3u8.
 */
export const subtitlePlaylistPath = (language: string) => `captions/${language}.m3u8`;

/** Where a subtitle playlist would be stored, beside its WebVTT file: what the rewriter resolves its URI against. */
export const subtitlePlaylistKey = (id: string, language: string) => `${videoKeys.prefix(id)}${subtitlePlaylistPath(language)}`;

/** What a signed master or subtitle playlist depends on besides what is stored: each caption's file (every upload, label included, is a new one). */
export const captionsVersion = (captions: readonly Caption[]) => captions.map((c) => `:${captionFile(c)}`).join('');

/** The language a playlist path under /v1/hls/<id>/ names as a subtitle playlist, or undefined. */
export const subtitleLanguageOf = (relative: string): string | undefined => /^captions\/([A-Za-z0-9-]+)\.m3u8$/.exec(relative)?.[1];

/**
 * The master playlist with a subtitles rendition per caption (before the first
 * variant) and SUBTITLES="subs" on every variant; without captions, unchanged.
 * Names are unique in the group, as RFC 8216 asks (a repeated label gets its
 * language). URIs are relative, to be signed by the rewriter like every other.
 */
export function withSubtitles(master: string, captions: readonly Caption[]): string {
  const lines = master.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trimStart().startsWith(STREAM_INF));
  if (captions.length === 0 || first < 0) return master;
  const labels = captions.map((c) => c.label);
  const media = captions.map((c, i) => {
    const name = labels.indexOf(c.label) === i ? c.label : `${c.label} (${c.language})`;
    return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES_GROUP}",LANGUAGE="${c.language}",NAME="${name}",AUTOSELECT=YES,DEFAULT=NO,URI="${subtitlePlaylistPath(c.language)}"`;
  });
  const variants = lines.slice(first).map((line) =>
    line.trimStart().startsWith(STREAM_INF) && !/[:,]SUBTITLES=/.test(line) ? `${line.trimEnd()},SUBTITLES="${SUBTITLES_GROUP}"` : line);
  return [...lines.slice(0, first), ...media, ...variants].join(master.includes('\r\n') ? '\r\n' : '\n');
}

/**
 * A subtitle media playlist: one segment, the whole WebVTT file, as long as
 * the video. Its URI is relative to videos/<id>/captions/, where the file is.
 */
export function subtitlePlaylist(caption: Caption, durationSeconds: number): string {
  const duration = Math.max(durationSeconds, 0.001);
  return [
    '#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`, captionFile(caption), '#EXT-X-ENDLIST', '',
  ].join('\n');
}

/**
 * The first timestamp (90 kHz) of the video's first segment: master → first
 * variant → first segment, read from storage. Undefined when there is no such
 * segment or it is not MPEG-TS.
 */
export async function presentationStart(objects: ObjectStore, id: string): Promise<number | undefined> {
  let key = videoKeys.master(id);
  for (const _playlist of ['master', 'variant']) {
    const text = await objects.getText(key);
    const uri = text?.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'));
    if (uri === undefined) return undefined;
    const resolved = resolveObjectKey(uri, key.slice(0, key.lastIndexOf('/') + 1), videoKeys.hlsPrefix(id));
    if ('problem' in resolved) return undefined;
    key = resolved.key;
  }
  const head = await objects.getHead(key, SEGMENT_HEAD_BYTES);
  return head && firstTimestamp(head);
}
