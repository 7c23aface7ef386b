import type { Attribute } from './attribute-list.ts';

/** What a URI names decides how it is signed: nested playlists go back through the auth service to be rewritten too. */
export type UriKind = 'playlist' | 'media';

export interface UriTag {
  kind: UriKind;
  /** Whether a line of this tag without URI= is malformed. */
  requiresUri(attributes: readonly Attribute[]): boolean;
}

const always = (): boolean => true;
const never = (): boolean => false;
const valueOf = (attributes: readonly Attribute[], name: string): string | undefined =>
  attributes.find((a) => a.name === name)?.value;

/**
 * The tags whose URI= attribute a player fetches (RFC 8216 and its LL-HLS
 * successor draft). The kind comes from the tag, never the file extension:
 * an uploaded playlist can name its files anything.
 */
export const URI_TAGS: ReadonlyMap<string, UriTag> = new Map<string, UriTag>([
  // Closed captions travel inside the video stream and never have a URI; audio
  // and video renditions without one are muxed into the variant; subtitles always have one.
  ['EXT-X-MEDIA', { kind: 'playlist', requiresUri: (a) => valueOf(a, 'TYPE') === 'SUBTITLES' }],
  ['EXT-X-I-FRAME-STREAM-INF', { kind: 'playlist', requiresUri: always }],
  ['EXT-X-RENDITION-REPORT', { kind: 'playlist', requiresUri: always }],
  ['EXT-X-MAP', { kind: 'media', requiresUri: always }],
  ['EXT-X-KEY', { kind: 'media', requiresUri: (a) => valueOf(a, 'METHOD') !== 'NONE' }],
  ['EXT-X-SESSION-KEY', { kind: 'media', requiresUri: always }],
  ['EXT-X-PART', { kind: 'media', requiresUri: always }],
  ['EXT-X-PRELOAD-HINT', { kind: 'media', requiresUri: always }],
  // Session data carries either an inline VALUE or a URI to a JSON file.
  ['EXT-X-SESSION-DATA', { kind: 'media', requiresUri: never }],
]);
