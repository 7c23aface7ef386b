// HMAC-SHA256 (RFC 2104, FIPS 180-4) of many short messages under one key, in
// one call, for signing every URI of a long playlist (services/common/src/hmac-batch.ts).
// AssemblyScript, compiled to ../src/hmac-sha256.wasm by `npm run build:wasm`;
// hmac-batch.test.ts checks that the committed module is what this source
// compiles to, and that it agrees with node:crypto.
//
// Why: node:crypto costs a native call and an object per HMAC, several times the
// hashing itself for an 80-byte message. Here the key's pads are hashed once;
// the first 64-byte block of a message is hashed once for every message that
// repeats it (all segments of a rendition share it); the rest is hashed four
// messages at a time, one per lane of 128-bit SIMD (multi-buffer SHA-256); and
// the results come back as base64url text in one piece of memory.
//
// Memory (bytes): [0, 256) scalar message schedule; [256, 288) inner pad state;
// [288, 320) outer pad state; [320, 352) working state; [352, 384) state after
// the cached first block; [384, 448) that block; [448, 576) key pad blocks;
// [576, 640) outer block; [640, 832) four lanes' digests, big-endian, each
// followed by 16 zero bytes; [1024, 1152) four lanes' start states; [1152,
// 1664) four lanes' padded last blocks; [2048, 3072) SIMD message schedule;
// [3072, 3200) SIMD state. Static data from 4096 (--memoryBase), then the
// caller's, from inputBase(): see signAll.
//
// Small copies and fills are SIMD loads and stores, not memory.copy or
// memory.fill: V8 makes those a call out of the module, which costs more than
// the bytes they move here.
const W: usize = 0;
const IPAD: usize = 256;
const OPAD: usize = 288;
const ST: usize = 320;
const MID: usize = 352;
const FIRST: usize = 384;
const PADS: usize = 448;
const OUTER: usize = 576;
const DIGESTS: usize = 640;
const STARTS: usize = 1024;
const TAILS: usize = 1152;
const WV: usize = 2048;
const STATE4: usize = 3072;
/** Each round constant in all four lanes, filled by setKey. */
const KV: usize = memory.data(64 * 16, 16);

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const IV: StaticArray<u32> = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

@inline function rotr(x: u32, n: u32): u32 { return (x >>> n) | (x << (32 - n)); }

/** One SHA-256 block (big-endian bytes at `block`) into the state at `state`. */
function compress(state: usize, block: usize): void {
  for (let i: usize = 0; i < 16; i++) store<u32>(W + (i << 2), bswap<u32>(load<u32>(block + (i << 2))));
  for (let i: usize = 16; i < 64; i++) {
    const x = load<u32>(W + ((i - 15) << 2));
    const y = load<u32>(W + ((i - 2) << 2));
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    store<u32>(W + (i << 2), load<u32>(W + ((i - 16) << 2)) + s0 + load<u32>(W + ((i - 7) << 2)) + s1);
  }
  let a = load<u32>(state), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  let e = load<u32>(state, 16), f = load<u32>(state, 20), g = load<u32>(state, 24), h = load<u32>(state, 28);
  for (let i = 0; i < 64; i++) {
    const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[i]) + load<u32>(W + (<usize>i << 2));
    const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(state, load<u32>(state) + a); store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8); store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16); store<u32>(state, load<u32>(state, 20) + f, 20);
  store<u32>(state, load<u32>(state, 24) + g, 24); store<u32>(state, load<u32>(state, 28) + h, 28);
}

@inline function rotrV(x: v128, n: i32): v128 { return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n)); }

/**
 * Four SHA-256 compressions at once, one per lane, of the schedule's first 16
 * words already in WV; the states are in and out of the eight lanes-of-words
 * at `state` (v128 i holds word i of each lane's state).
 */
function compress4(state: usize): void {
  for (let i: usize = 16; i < 64; i++) {
    const x = v128.load(WV + ((i - 15) << 4));
    const y = v128.load(WV + ((i - 2) << 4));
    const s0 = v128.xor(v128.xor(rotrV(x, 7), rotrV(x, 18)), i32x4.shr_u(x, 3));
    const s1 = v128.xor(v128.xor(rotrV(y, 17), rotrV(y, 19)), i32x4.shr_u(y, 10));
    v128.store(WV + (i << 4), i32x4.add(i32x4.add(v128.load(WV + ((i - 16) << 4)), s0), i32x4.add(v128.load(WV + ((i - 7) << 4)), s1)));
  }
  let a = v128.load(state), b = v128.load(state, 16), c = v128.load(state, 32), d = v128.load(state, 48);
  let e = v128.load(state, 64), f = v128.load(state, 80), g = v128.load(state, 96), h = v128.load(state, 112);
  for (let i = 0; i < 64; i++) {
    const sigma1 = v128.xor(v128.xor(rotrV(e, 6), rotrV(e, 11)), rotrV(e, 25));
    const choose = v128.bitselect(f, g, e);
    const t1 = i32x4.add(i32x4.add(h, sigma1), i32x4.add(choose, i32x4.add(v128.load(KV + (<usize>i << 4)), v128.load(WV + (<usize>i << 4)))));
    const sigma0 = v128.xor(v128.xor(rotrV(a, 2), rotrV(a, 13)), rotrV(a, 22));
    const majority = v128.bitselect(c, b, v128.xor(a, b));
    h = g; g = f; f = e; e = i32x4.add(d, t1); d = c; c = b; b = a; a = i32x4.add(t1, i32x4.add(sigma0, majority));
  }
  v128.store(state, i32x4.add(v128.load(state), a)); v128.store(state, i32x4.add(v128.load(state, 16), b), 16);
  v128.store(state, i32x4.add(v128.load(state, 32), c), 32); v128.store(state, i32x4.add(v128.load(state, 48), d), 48);
  v128.store(state, i32x4.add(v128.load(state, 64), e), 64); v128.store(state, i32x4.add(v128.load(state, 80), f), 80);
  v128.store(state, i32x4.add(v128.load(state, 96), g), 96); v128.store(state, i32x4.add(v128.load(state, 112), h), 112);
}

function initState(state: usize): void {
  for (let i = 0; i < 8; i++) store<u32>(state + (<usize>i << 2), unchecked(IV[i]));
}

/** Absorbs the key's pads: a key of at most 64 bytes at `key` (a longer key is hashed first, by the caller). */
export function setKey(key: usize, length: u32): void {
  for (let i: u32 = 0; i < 64; i++) {
    const k: u8 = i < length ? load<u8>(key + i) : 0;
    store<u8>(PADS + i, k ^ 0x36);
    store<u8>(PADS + 64 + i, k ^ 0x5c);
  }
  initState(IPAD); compress(IPAD, PADS);
  initState(OPAD); compress(OPAD, PADS + 64);
  // Each digest is followed by 16 zero bytes (encode).
  for (let j: usize = 0; j < 4; j++) v128.store(DIGESTS + j * 48 + 32, i32x4.splat(0));
  for (let i = 0; i < 64; i++) v128.store(KV + (<usize>i << 4), i32x4.splat(unchecked(K[i])));
}

function sameFirstBlock(message: usize): bool {
  const differ = v128.or(
    v128.or(v128.xor(v128.load(FIRST), v128.load(message)), v128.xor(v128.load(FIRST, 16), v128.load(message, 16))),
    v128.or(v128.xor(v128.load(FIRST, 32), v128.load(message, 32)), v128.xor(v128.load(FIRST, 48), v128.load(message, 48))),
  );
  return !v128.any_true(differ);
}

/** Copies `length` bytes in 16-byte pieces: up to 15 bytes more are read and written. */
@inline function copy16(to: usize, from: usize, length: usize): void {
  for (let i: usize = 0; i < length; i += 16) v128.store(to + i, v128.load(from + i));
}

let cached = false;

/**
 * Readies lane `lane` for `message`: its inner state after the whole blocks but
 * the last one or two (at STARTS), and those padded last blocks (at TAILS);
 * returns how many last blocks there are, 1 or 2. Reads up to 128 bytes past
 * the message's end.
 */
function prepare(lane: usize, message: usize, length: usize): usize {
  const start = STARTS + (lane << 5);
  let done: usize = 0;
  if (length >= 64) {
    if (!(cached && sameFirstBlock(message))) {
      memory.copy(MID, IPAD, 32);
      compress(MID, message);
      memory.copy(FIRST, message, 64);
      cached = true;
    }
    copy16(start, MID, 32);
    done = 64;
    while (length - done >= 64 + 56) { compress(start, message + done); done += 64; }
  } else {
    copy16(start, IPAD, 32);
  }
  // What is left fits, padded, in one block (up to 55 bytes) or two: its bytes
  // up to `rest`, 0x80 at `rest`, zeros after, the length in bits at the end.
  const tail = TAILS + (lane << 7);
  const rest = length - done;
  const blocks: usize = rest <= 55 ? 1 : 2;
  const end = i8x16.splat(<i8>rest);
  let at = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (let i: usize = 0; i < blocks << 6; i += 16) {
    const bytes = v128.and(v128.load(message + done + i), i8x16.lt_u(at, end));
    v128.store(tail + i, v128.or(bytes, v128.and(i8x16.eq(at, end), i8x16.splat(<i8>0x80))));
    at = i8x16.add(at, i8x16.splat(16));
  }
  store<u64>(tail + (blocks << 6) - 8, bswap<u64>(<u64>(64 + length) << 3));
  return blocks;
}

/**
 * A 4×4 transpose of 32-bit words: word j of row k (16 bytes at `from` + k ×
 * `fromStride`) becomes word k of row j (at `to` + j × `toStride`), each word
 * byte-swapped if `swap` (big-endian bytes to words and back).
 */
@inline function transpose(from: usize, fromStride: usize, to: usize, toStride: usize, swap: bool): void {
  const r0 = v128.load(from), r1 = v128.load(from + fromStride), r2 = v128.load(from + 2 * fromStride), r3 = v128.load(from + 3 * fromStride);
  let a: v128, b: v128, c: v128, d: v128;
  if (swap) {
    a = i8x16.shuffle(r0, r1, 3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20);
    b = i8x16.shuffle(r0, r1, 11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28);
    c = i8x16.shuffle(r2, r3, 3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20);
    d = i8x16.shuffle(r2, r3, 11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28);
  } else {
    a = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
    b = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    c = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    d = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  }
  v128.store(to, i64x2.shuffle(a, c, 0, 2));
  v128.store(to + toStride, i64x2.shuffle(a, c, 1, 3));
  v128.store(to + 2 * toStride, i64x2.shuffle(b, d, 0, 2));
  v128.store(to + 3 * toStride, i64x2.shuffle(b, d, 1, 3));
}

/**
 * base64url of the 32 big-endian bytes at `digest`, no padding: 43 characters
 * at `out`, 16 at a time. Reads 4 bytes past the digest, which must be zeros,
 * and writes 5 bytes past the 43 (signatures are written in order, so the next
 * one covers them).
 */
function encode(digest: usize, out: usize): void {
  for (let i: usize = 0; i < 3; i++) {
    // Each 3 bytes into a 32-bit lane as the number a << 16 | b << 8 | c.
    const n = i8x16.swizzle(v128.load(digest + i * 12), i8x16(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1));
    // Its four 6-bit digits, most significant first, one per byte.
    const digits = v128.or(
      v128.or(i32x4.shr_u(n, 18), v128.and(i32x4.shr_u(n, 4), i32x4.splat(0x3f00))),
      v128.or(v128.and(i32x4.shl(n, 10), i32x4.splat(0x3f0000)), v128.and(i32x4.shl(n, 24), i32x4.splat(0x3f000000))),
    );
    // Digit to character by adding an offset looked up by range: 0 for 26-51, 1-12 for 52-63, 13 for 0-25.
    const range = v128.or(i8x16.sub_sat_u(digits, i8x16.splat(51)), v128.and(i8x16.lt_u(digits, i8x16.splat(26)), i8x16.splat(13)));
    const offset = i8x16.swizzle(i8x16(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0), range);
    v128.store(out + (i << 4), i8x16.add(digits, offset));
  }
}

/** The outer hash of one inner digest (state words at ST), one lane at a time: for the lanes SIMD does not take. */
function finishOne(out: usize): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(OUTER + (i << 2), bswap<u32>(load<u32>(ST + (i << 2))));
  store<u8>(OUTER + 32, 0x80);
  memory.fill(OUTER + 33, 0, 29);
  store<u16>(OUTER + 62, 0x0003); // 768 bits, big-endian
  memory.copy(ST, OPAD, 32);
  compress(ST, OUTER);
  for (let i: usize = 0; i < 8; i++) store<u32>(DIGESTS + (i << 2), bswap<u32>(load<u32>(ST + (i << 2))));
  encode(DIGESTS, out);
}

/**
 * Signs `count` messages that share their start: message i is the `headLength`
 * bytes at `head` followed by tail i. The tails lie one after another at
 * `tails`, their lengths (u32) at `lengths`; the caller leaves 128 bytes more
 * than the longest tail after the head, where each message is put together in
 * turn. Writes 43 base64url characters per message at `output`.
 */
export function signAll(head: usize, headLength: usize, lengths: usize, tails: usize, count: u32, output: usize): void {
  cached = false;
  let at = tails;
  for (let m: u32 = 0; m < count; m += 4) {
    const lanes: usize = count - m < 4 ? <usize>(count - m) : 4;
    // Last blocks per lane, two bits each (no allocation: the heap is the caller's input).
    let blocks: usize = 0;
    for (let j: usize = 0; j < lanes; j++) {
      const length = <usize>load<u32>(lengths + ((<usize>m + j) << 2));
      copy16(head + headLength, at, length);
      blocks |= prepare(j, head, headLength + length) << (j << 1);
      at += length;
    }
    const out = output + <usize>m * 43;
    const first = blocks & 3;
    if (lanes < 4 || blocks != first * 0b01010101) {
      for (let j: usize = 0; j < lanes; j++) {
        copy16(ST, STARTS + (j << 5), 32);
        compress(ST, TAILS + (j << 7));
        if (((blocks >> (j << 1)) & 3) == 2) compress(ST, TAILS + (j << 7) + 64);
        finishOne(out + j * 43);
      }
      continue;
    }
    // Four lanes: states and blocks laid out word by word, lane by lane.
    transpose(STARTS, 32, STATE4, 16, false);
    transpose(STARTS + 16, 32, STATE4 + 64, 16, false);
    for (let b: usize = 0; b < first; b++) {
      for (let q: usize = 0; q < 64; q += 16) transpose(TAILS + (b << 6) + q, 128, WV + (q << 2), 16, true);
      compress4(STATE4);
    }
    // Outer hash: the outer pad's state, then each inner digest in one padded block.
    for (let i: usize = 0; i < 8; i++) {
      v128.store(WV + (i << 4), v128.load(STATE4 + (i << 4)));
      v128.store(STATE4 + (i << 4), i32x4.splat(load<u32>(OPAD + (i << 2))));
    }
    v128.store(WV + (8 << 4), i32x4.splat(0x80000000));
    for (let i: usize = 9; i < 15; i++) v128.store(WV + (i << 4), i32x4.splat(0));
    v128.store(WV + (15 << 4), i32x4.splat(768));
    compress4(STATE4);
    transpose(STATE4, 16, DIGESTS, 48, true);
    transpose(STATE4 + 64, 16, DIGESTS + 16, 48, true);
    for (let j: usize = 0; j < 4; j++) encode(DIGESTS + j * 48, out + j * 43);
  }
}

/**
 * Writes, at `output`, the `textLength` bytes at `text` with each of `count`
 * spans replaced by a signed URL: span j is three u32 at `spans` + 12j (its
 * start and end in the text, ascending and apart, and the index i of its
 * message), and its URL is tail i (as signAll read it, from `offsets` + 4i and
 * `lengths` + 4i), the `betweenLength` bytes at `between`, and signature i
 * (signAll's output at `signatures`). Returns the bytes written. Pieces are
 * copied 16 bytes at a time: reads up to 15 bytes past any piece and writes up
 * to 15 past the end, as copy16 does.
 */
export function splice(text: usize, textLength: usize, spans: usize, count: u32, tails: usize, offsets: usize, lengths: usize, between: usize, betweenLength: usize, signatures: usize, output: usize): usize {
  let out = output;
  let copied: usize = 0;
  for (let j: usize = 0; j < <usize>count; j++) {
    const span = spans + j * 12;
    const start = <usize>load<u32>(span);
    const i = <usize>load<u32>(span, 8);
    copy16(out, text + copied, start - copied);
    out += start - copied;
    const length = <usize>load<u32>(lengths + (i << 2));
    copy16(out, tails + <usize>load<u32>(offsets + (i << 2)), length);
    out += length;
    copy16(out, between, betweenLength);
    out += betweenLength;
    copy16(out, signatures + i * 43, 43);
    out += 43;
    copied = <usize>load<u32>(span, 4);
  }
  copy16(out, text + copied, textLength - copied);
  return out + textLength - copied - output;
}

/** Where the caller may write messages: the end of this module's static data, 16-byte aligned. */
export function inputBase(): usize {
  return (__heap_base + 15) & ~15;
}
