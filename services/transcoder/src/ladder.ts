export interface Rendition {
  /** "360p": also the folder the rendition is written to. */
  name: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  audioBitrateKbps: number;
}

/**
 * "p" is the shorter side, so a portrait 720x1280 phone clip is "720p" and gets
 * the same rungs and bitrates as a landscape 1280x720 one (same pixel count).
 */
const RUNGS = [
  { p: 240, videoBitrateKbps: 400 },
  { p: 360, videoBitrateKbps: 800 },
  { p: 480, videoBitrateKbps: 1400 },
  { p: 720, videoBitrateKbps: 2800 },
  { p: 1080, videoBitrateKbps: 5000 },
] as const;

const AUDIO_BITRATE_KBPS = 128;

/**
 * The audio-only variant, for links too slow for the smallest video rung
 * (Apple's HLS authoring spec asks for one on cellular). AAC-LC, so CODECS is
 * "mp4a.40.2" for every player; 48 kHz stereo whatever the source's rate, so
 * its AAC frames have one known length (see hls-command.ts).
 */
export interface AudioOnlyRendition {
  name: 'audio';
  audioBitrateKbps: number;
  sampleRate: number;
}

export const AUDIO_ONLY: AudioOnlyRendition = Object.freeze({ name: 'audio', audioBitrateKbps: 64, sampleRate: 48_000 });

/**
 * Every rung up to the source's shorter side (never upscaled), smallest first.
 * A source smaller than the smallest rung gets one rendition at its own size.
 * Sizes are even because H.264 with 4:2:0 chroma cannot encode odd ones.
 */
export function planLadder(source: { width: number; height: number }): Rendition[] {
  const { width, height } = source;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 2 && height >= 2)) {
    throw new RangeError(`cannot plan a ladder for a ${width}x${height} source`);
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const fitting = RUNGS.filter((rung) => rung.p <= short);
  if (fitting.length === 0) {
    return [rendition({ width: evenFloor(width), height: evenFloor(height), videoBitrateKbps: RUNGS[0].videoBitrateKbps })];
  }
  return fitting.map((rung) => {
    // Nearest even size keeps 854x480 conventional; the cap stops a 1281x720 source being stretched by a pixel.
    const scaledLong = Math.min(evenRound((rung.p * long) / short), evenFloor(long));
    return rendition({
      width: width >= height ? scaledLong : rung.p,
      height: width >= height ? rung.p : scaledLong,
      videoBitrateKbps: rung.videoBitrateKbps,
    });
  });
}

function rendition(size: { width: number; height: number; videoBitrateKbps: number }): Rendition {
  const { width, height, videoBitrateKbps } = size;
  return {
    name: `${Math.min(width, height)}p`,
    width,
    height,
    videoBitrateKbps,
    // Apple's HLS authoring spec asks for peaks within 110% of the average on VOD.
    maxrateKbps: Math.round(videoBitrateKbps * 1.1),
    // Two seconds' worth of the average rate: rate control may shift bits within a segment, not across many.
    bufsizeKbps: videoBitrateKbps * 2,
    audioBitrateKbps: AUDIO_BITRATE_KBPS,
  };
}

function evenFloor(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

function evenRound(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
