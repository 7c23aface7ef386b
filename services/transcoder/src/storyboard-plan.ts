/**
 * The seek-thumbnail storyboard of a video: tiles of at most TILE_BOX pixels on
 * their longer side, one every `intervalSeconds`, laid out in sheets of up to
 * SHEET_COLUMNS × SHEET_ROWS tiles (JPEG), and a WebVTT file whose cue k covers
 * [k × interval, (k + 1) × interval) and names its tile as
 * `storyboard-<sheet>.jpg#xywh=x,y,w,h` (the Media Fragments spatial form that
 * players' thumbnail tracks read).
 *
 * The cap: at most MAX_TILES tiles, so at most three sheets of at most
 * 1600 × 1600 pixels whatever the length. Up to MAX_TILES seconds of video get
 * a tile every second; a longer one a tile every ceil(duration / MAX_TILES)
 * seconds (the 4-hour upload limit: every 48 s).
 */
export const TILE_BOX = 160;
export const SHEET_COLUMNS = 10;
export const SHEET_ROWS = 10;
export const MAX_TILES = 300;
export const MIN_INTERVAL_SECONDS = 1;

export const sheetName = (index: number) => `storyboard-${index}.jpg`;

export interface StoryboardPlan {
  intervalSeconds: number;
  tileWidth: number;
  tileHeight: number;
  /** The grid of every sheet; the last sheet may leave tiles blank. */
  columns: number;
  rows: number;
  tileCount: number;
  sheetCount: number;
  durationSeconds: number;
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/** Plans the storyboard of a video of this displayed size and duration. */
export function planStoryboard(video: { durationSeconds: number; width: number; height: number }): StoryboardPlan {
  const { durationSeconds, width, height } = video;
  if (!(durationSeconds > 0 && width > 0 && height > 0)) throw new RangeError(`cannot plan a storyboard for ${width}x${height}, ${durationSeconds} s`);
  const intervalSeconds = Math.max(MIN_INTERVAL_SECONDS, Math.ceil(durationSeconds / MAX_TILES));
  const tileCount = Math.ceil(durationSeconds / intervalSeconds);
  // Even sizes: the JPEG encoder's 4:2:0 chroma, as for the renditions.
  const landscape = width >= height;
  const tileWidth = landscape ? TILE_BOX : even((TILE_BOX * width) / height);
  const tileHeight = landscape ? even((TILE_BOX * height) / width) : TILE_BOX;
  // A short video's one sheet is only as large as its tiles need.
  const columns = Math.min(SHEET_COLUMNS, tileCount);
  const rows = Math.min(SHEET_ROWS, Math.ceil(tileCount / columns));
  return { intervalSeconds, tileWidth, tileHeight, columns, rows, tileCount, sheetCount: Math.ceil(tileCount / (columns * rows)), durationSeconds };
}

export interface StoryboardCue {
  start: number;
  end: number;
  sheet: string;
  x: number;
  y: number;
}

/** Cue k: from k × interval to the next one's start (the last ends with the video), showing tile k. */
export function storyboardCues(plan: StoryboardPlan): StoryboardCue[] {
  const perSheet = plan.columns * plan.rows;
  return Array.from({ length: plan.tileCount }, (_, k) => {
    const onSheet = k % perSheet;
    return {
      start: k * plan.intervalSeconds,
      end: Math.min((k + 1) * plan.intervalSeconds, plan.durationSeconds),
      sheet: sheetName(Math.floor(k / perSheet)),
      x: (onSheet % plan.columns) * plan.tileWidth,
      y: Math.floor(onSheet / plan.columns) * plan.tileHeight,
    };
  });
}

/** hh:mm:ss.ttt, WebVTT's timestamp. */
export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/** The WebVTT storyboard; image references are relative to the VTT (the auth service signs each one). */
export function storyboardVtt(plan: StoryboardPlan): string {
  const cues = storyboardCues(plan).map((c) => `${vttTime(c.start)} --> ${vttTime(c.end)}\n${c.sheet}#xywh=${c.x},${c.y},${plan.tileWidth},${plan.tileHeight}\n`);
  return ['WEBVTT\n', ...cues].join('\n');
}
