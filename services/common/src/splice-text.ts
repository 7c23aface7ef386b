/**
 * Text spans, each to be replaced by what entry `indexes[i]` of a list gives:
 * span i runs from `starts[i]` to `ends[i]` (UTF-16 positions), in order, none
 * overlapping the next. A playlist's URIs, each replaced by its signed URL.
 */
export interface Spans {
  starts: readonly number[];
  ends: readonly number[];
  indexes: ArrayLike<number>;
}

/**
 * Throws a RangeError unless every span lies in the text, after the one
 * before, with its ends on whole characters (never between the halves of a
 * surrogate pair), and names one of `entries` entries.
 */
export function assertSpans(text: string, spans: Spans, entries: number): void {
  const splits = (at: number) => at > 0 && at < text.length && (text.charCodeAt(at) & 0xfc00) === 0xdc00 && (text.charCodeAt(at - 1) & 0xfc00) === 0xd800;
  for (let i = 0, previous = 0; i < spans.starts.length; i++) {
    const start = spans.starts[i]!;
    const end = spans.ends[i]!;
    const index = spans.indexes[i]!;
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= previous && end >= start && end <= text.length) || splits(start) || splits(end)) {
      throw new RangeError(`span ${i} is out of order, out of the text or inside a character`);
    }
    if (!(Number.isInteger(index) && index >= 0 && index < entries)) throw new RangeError(`span ${i} names no entry`);
    previous = end;
  }
}

/** `text` as UTF-8 bytes with span i replaced by `replacements[spans.indexes[i]]`. */
export function spliceText(text: string, spans: Spans, replacements: readonly string[]): Buffer {
  assertSpans(text, spans, replacements.length);
  const out: string[] = [];
  let copied = 0;
  for (let i = 0; i < spans.starts.length; i++) {
    out.push(text.slice(copied, spans.starts[i]), replacements[spans.indexes[i]!]!);
    copied = spans.ends[i]!;
  }
  out.push(text.slice(copied));
  return Buffer.from(out.join(''));
}
