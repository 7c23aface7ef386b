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

/** `text` as UTF-8 bytes with span i replaced by `replacements[spans.indexes[i]]`. */
export function spliceText(text: string, spans: Spans, replacements: readonly string[]): Buffer {
  const out: string[] = [];
  let copied = 0;
  for (let i = 0; i < spans.starts.length; i++) {
    out.push(text.slice(copied, spans.starts[i]), replacements[spans.indexes[i]!]!);
    copied = spans.ends[i]!;
  }
  out.push(text.slice(copied));
  return Buffer.from(out.join(''));
}
