import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertSpans, type Spans } from './splice-text.ts';

/**
 * base64url(HMAC-SHA256(key, message)) for many messages in one call, through
 * the WebAssembly module built from services/common/wasm/hmac-sha256.ts. For
 * signing every URI of a long playlist: node:crypto's per-call cost dominates
 * there (measured in bench/sign-playlist.ts). Messages must be ASCII, as every
 * canonical string of the signing scheme is.
 */
interface Exports {
  memory: WebAssembly.Memory;
  setKey(at: number, length: number): void;
  signAll(head: number, headLength: number, lengths: number, tails: number, count: number, output: number): void;
  splice(text: number, textLength: number, spans: number, count: number, tails: number, offsets: number, lengths: number, between: number, betweenLength: number, signatures: number, output: number): number;
  inputBase(): number;
}

const PAGE = 65_536;
const SIG_LENGTH = 43;
/** Messages written, and signatures read, this many at a time: their strings stay out of V8's large-object space (128 KB), which costs more to allocate. */
const RUN = 1024;
const ASCII = /^[\x00-\x7f]*$/;

const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('./hmac-sha256.wasm', import.meta.url)))).exports as unknown as Exports;
const base = wasm.inputBase();
// Views of the module's memory, replaced when it grows (growing detaches the old buffer).
let bytes = Buffer.from(wasm.memory.buffer);
let words = new Uint32Array(wasm.memory.buffer);
// The pads of the key set last: a server signs with one key, so they are hashed once, not per playlist.
let keySet: string | undefined;

function reserve(size: number): void {
  const missing = base + size - wasm.memory.buffer.byteLength;
  if (missing <= 0) return;
  wasm.memory.grow(Math.ceil(missing / PAGE));
  bytes = Buffer.from(wasm.memory.buffer);
  words = new Uint32Array(wasm.memory.buffer);
}

function setKey(key: string): void {
  if (key === keySet) return;
  if (!ASCII.test(key)) throw new RangeError('the key and the messages must be ASCII');
  // RFC 2104: a key longer than the block is hashed first.
  const keyBytes = key.length > 64 ? createHash('sha256').update(key).digest() : Buffer.from(key, 'latin1');
  keyBytes.copy(bytes, base);
  wasm.setKey(base, keyBytes.length);
  keySet = key;
}

/** Where signBatch left a batch in the module's memory. */
interface Batch {
  /** The tails, one after another; their lengths (u32) at `lengths`; the signatures, 43 bytes each, at `output`. */
  tails: number;
  lengths: number;
  output: number;
  /** The first free byte after them. */
  end: number;
}

/**
 * base64url(HMAC-SHA256(key, head + tail)) for each tail, left in the module's
 * memory: the messages of a batch often share their start (the signing
 * scheme's head), which is then written once, not once per message.
 */
function signBatch(key: string, tails: readonly string[], head: string): Batch {
  if (!ASCII.test(head)) throw new RangeError('the key and the messages must be ASCII');
  const count = tails.length;
  let longest = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    total += tails[i]!.length;
    longest = Math.max(longest, tails[i]!.length);
  }
  // Layout from base: the key (64 bytes); the tails' lengths; the head, with room after it
  // for the longest tail and 128 bytes (signAll); the tails; the signatures, and 16 bytes
  // signAll may write past them.
  const lengths = base + 64;
  const head0 = lengths + 4 * count;
  const tails0 = head0 + head.length + longest + 128;
  const output = tails0 + total;
  const end = output + SIG_LENGTH * count + 16;
  reserve(end - base);
  setKey(key);
  for (let i = 0, at = lengths >>> 2; i < count; i++) words[at + i] = tails[i]!.length;
  bytes.write(head, head0, 'latin1');
  // The tails are written a run at a time. As UTF-8, a non-ASCII character takes more
  // bytes than it counts in the string, so it shows in the count written (what follows,
  // at least 59 bytes, leaves room for more) and is refused, never mis-signed.
  for (let from = 0, at = tails0; from < count; from += RUN) {
    const run = tails.slice(from, from + RUN).join('');
    if (bytes.write(run, at, 'utf8') !== run.length) throw new RangeError('the key and the messages must be ASCII');
    at += run.length;
  }
  wasm.signAll(head0, head.length, lengths, tails0, count, output);
  return { tails: tails0, lengths, output, end };
}

/** base64url(HMAC-SHA256(key, head + tail)) for each tail. */
export function hmacSha256Base64url(key: string, tails: readonly string[], head = ''): string[] {
  const { output } = signBatch(key, tails, head);
  const count = tails.length;
  const sigs: string[] = [];
  for (let from = 0; from < count; from += RUN) {
    const to = Math.min(count, from + RUN);
    const run = bytes.toString('latin1', output + from * SIG_LENGTH, output + to * SIG_LENGTH);
    for (let at = 0; at < run.length; at += SIG_LENGTH) sigs.push(run.slice(at, at + SIG_LENGTH));
  }
  return sigs;
}

/**
 * `text` as UTF-8 bytes with span i replaced by tail k + `between` +
 * base64url(HMAC-SHA256(key, head + tail k)), k = spans.indexes[i]: a
 * playlist with each URI replaced by its signed URL, put together in the
 * module's memory in one call, so that no string is made per URL (those
 * strings, and joining them, cost as much as the signing). The text may hold
 * any character; the tails, head and key must be ASCII.
 */
export function hmacSplice(input: { key: string; head: string; tails: readonly string[]; between: string; text: string; spans: Spans }): Buffer {
  const { text, spans, between, tails } = input;
  if (!ASCII.test(between)) throw new RangeError('the key and the messages must be ASCII');
  assertSpans(text, spans, tails.length);
  const batch = signBatch(input.key, tails, input.head);
  const count = spans.starts.length;
  const textBytes = Buffer.byteLength(text);
  // Layout after the batch: each tail's offset from the first (u32); between, then 16 bytes copied
  // past it; the text and the spans (3 u32 each), each with 16 bytes after them;
  // the output: the text and every URL, and 16 bytes.
  let urlBytes = 0;
  for (let i = 0; i < count; i++) urlBytes += words[(batch.lengths >>> 2) + spans.indexes[i]!]! + between.length + SIG_LENGTH;
  const offsets = (batch.end + 3) & ~3;
  const between0 = offsets + 4 * tails.length;
  const text0 = between0 + between.length + 16;
  const spans0 = (text0 + textBytes + 16 + 3) & ~3;
  const output = spans0 + 12 * count + 16;
  reserve(output + textBytes + urlBytes + 16 - base);
  for (let i = 0, at = offsets >>> 2, offset = 0; i < tails.length; i++) {
    words[at + i] = offset;
    offset += words[(batch.lengths >>> 2) + i]!;
  }
  bytes.write(between, between0, 'latin1');
  bytes.write(text, text0, 'utf8');
  // Positions in the string are positions in its bytes while it is ASCII; otherwise
  // each is counted in UTF-8 from the one before (assertSpans: no span ends inside a character).
  const ascii = textBytes === text.length;
  let position = 0;
  let byte = 0;
  const byteAt = (at: number): number => (ascii ? at : ((byte += Buffer.byteLength(text.slice(position, at))), (position = at), byte));
  for (let i = 0, at = spans0 >>> 2; i < count; i++, at += 3) {
    words[at] = byteAt(spans.starts[i]!);
    words[at + 1] = byteAt(spans.ends[i]!);
    words[at + 2] = spans.indexes[i]!;
  }
  const written = wasm.splice(text0, textBytes, spans0, count, batch.tails, offsets, batch.lengths, between0, between.length, batch.output, output);
  return Buffer.from(bytes.subarray(output, output + written));
}
