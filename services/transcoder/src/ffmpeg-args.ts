/**
 * Arguments every ffmpeg run starts with: no banner, never wait on stdin,
 * overwrite, and only warnings on stderr so the tail we keep for error
 * messages holds the reason for a failure rather than stream listings.
 */
export const COMMON_ARGS: readonly string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning', '-nostats'];

/**
 * The demuxers of the containers uploads may use (VIDGATE_UPLOAD_CONTENT_TYPES):
 * MP4/MOV/3GP, Matroska/WebM, MPEG-PS, MPEG-TS, AVI. Playlist-like formats (HLS,
 * concat, DASH, IMF) open further files named inside the upload; off this list,
 * they are refused before they read anything but the upload.
 */
export const ACCEPTED_FORMATS = ['mov', 'matroska', 'mpeg', 'mpegts', 'avi'] as const;

/**
 * Input arguments for a local file. The `file:` prefix stops a name such as
 * `http:x.mp4` or `pipe:0` being read as a protocol, the protocol whitelist
 * stops the demuxer from opening network URLs, and the format whitelist keeps
 * to the containers above.
 */
export function localInputArgs(file: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', ACCEPTED_FORMATS.join(','), '-i', `file:${file}`];
}
