const PACKET = 188;
const SYNC = 0x47;

/**
 * The earliest decoding time (DTS, else PTS; 90 kHz) among the audio and video
 * PES packets that start in these bytes of an MPEG-TS segment: where a player
 * such as hls.js puts time 0 of playback. Undefined when the bytes hold none
 * (not MPEG-TS, or no audio or video).
 */
export function firstTimestamp(bytes: Uint8Array): number | undefined {
  let earliest: number | undefined;
  for (let at = 0; at + PACKET <= bytes.length; at += PACKET) {
    if (bytes[at] !== SYNC) return earliest;
    // Only packets where a PES packet starts (payload_unit_start_indicator) and that carry a payload.
    if (!(bytes[at + 1]! & 0x40) || !(bytes[at + 3]! & 0x10)) continue;
    const adaptation = bytes[at + 3]! & 0x20 ? 1 + bytes[at + 4]! : 0;
    const time = pesTime(bytes.subarray(at + 4 + adaptation, at + PACKET));
    if (time !== undefined && (earliest === undefined || time < earliest)) earliest = time;
  }
  return earliest;
}

/** The DTS (else PTS) of a PES header for an audio (0xC0–0xDF) or video (0xE0–0xEF) stream. */
function pesTime(pes: Uint8Array): number | undefined {
  if (pes.length < 19 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1 || pes[3]! < 0xc0 || pes[3]! > 0xef) return undefined;
  const flags = pes[7]! >> 6;
  if (flags === 3) return timestamp(pes, 14);
  if (flags === 2) return timestamp(pes, 9);
  return undefined;
}

/** A 33-bit timestamp in its five bytes (marker bits between). */
const timestamp = (b: Uint8Array, at: number): number =>
  ((b[at]! >> 1) & 0x07) * 2 ** 30 + (b[at + 1]! << 22 | (b[at + 2]! >> 1) << 15 | b[at + 3]! << 7 | b[at + 4]! >> 1);
