/**
 * Arguments every ffmpeg run starts with: no banner, never wait on stdin,
 * overwrite, and only warnings on stderr so the tail we keep for error
 * messages holds the reason for a failure rather than stream listings.
 */
export const COMMON_ARGS: readonly string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning', '-nostats'];

/**
 * Input arguments for a local file. The `file:` prefix stops a name such as
 * `http:x.mp4` or `pipe:0` being read as a protocol, and the whitelist stops
 * the demuxer from opening network URLs a crafted file may point at.
 */
export function localInputArgs(file: string): string[] {
  return ['-protocol_whitelist', 'file', '-i', `file:${file}`];
}
