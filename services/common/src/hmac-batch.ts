import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

/**
 * base64url(HMAC-SHA256(key, head + tail)) for each tail: the messages of a
 * batch often share their start (the signing scheme's head), which is then
 * written once, not once per message.
 */
export function hmacSha256Base64url(key: string, tails: readonly string[], head = ''): string[] {
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
  reserve(output + SIG_LENGTH * count + 16 - base);
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
  const sigs: string[] = [];
  for (let from = 0; from < count; from += RUN) {
    const to = Math.min(count, from + RUN);
    const run = bytes.toString('latin1', output + from * SIG_LENGTH, output + to * SIG_LENGTH);
    for (let at = 0; at < run.length; at += SIG_LENGTH) sigs.push(run.slice(at, at + SIG_LENGTH));
  }
  return sigs;
}
