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
  signAll(input: number, count: number, output: number): void;
  inputBase(): number;
}

const PAGE = 65_536;
const SIG_LENGTH = 43;
const ASCII = /^[\x00-\x7f]*$/;

const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('./hmac-sha256.wasm', import.meta.url)))).exports as unknown as Exports;
const base = wasm.inputBase();

function memoryFor(bytes: number): Buffer {
  const missing = base + bytes - wasm.memory.buffer.byteLength;
  if (missing > 0) wasm.memory.grow(Math.ceil(missing / PAGE));
  return Buffer.from(wasm.memory.buffer);
}

/**
 * base64url(HMAC-SHA256(key, head + tail)) for each tail: the messages of a
 * batch often share their start (the signing scheme's head), which is then
 * never copied into a string per message.
 */
export function hmacSha256Base64url(key: string, tails: readonly string[], head = ''): string[] {
  if (!ASCII.test(key) || !ASCII.test(head)) throw new RangeError('the key and the messages must be ASCII');
  // RFC 2104: a key longer than the block is hashed first.
  const keyBytes = key.length > 64 ? createHash('sha256').update(key).digest() : Buffer.from(key, 'latin1');
  let size = 64;
  for (const tail of tails) size += 2 + head.length + tail.length;
  const memory = memoryFor(size + tails.length * SIG_LENGTH);
  keyBytes.copy(memory, base);
  wasm.setKey(base, keyBytes.length);
  let at = base;
  for (const tail of tails) {
    const length = head.length + tail.length;
    if (length > 0xffff) throw new RangeError('a message must be at most 65535 bytes');
    memory.writeUInt16LE(length, at);
    memory.write(head, at + 2, 'latin1');
    // As UTF-8, a non-ASCII character takes more bytes than it counts in the string: refused, never mis-signed.
    if (memory.write(tail, at + 2 + head.length, 'utf8') !== tail.length) throw new RangeError('the key and the messages must be ASCII');
    at += 2 + length;
  }
  wasm.signAll(base, tails.length, at);
  const text = memory.toString('latin1', at, at + tails.length * SIG_LENGTH);
  const out = new Array<string>(tails.length);
  for (let i = 0; i < tails.length; i++) out[i] = text.slice(i * SIG_LENGTH, (i + 1) * SIG_LENGTH);
  return out;
}
