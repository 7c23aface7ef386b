import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUrlSigner, type UrlSigner } from '@vidgate/common/url-signer';

/**
 * Property: the TypeScript verifier (auth service) and the njs one (nginx) give
 * the same verdict, status and error code, on every request: URLs minted by the
 * TypeScript signer for random keys, key ids, expiries and paths, and mutants of
 * them. All cases go to one njs process (test/njs/verify-batch.js). A failure
 * names the seed; VIDGATE_PROPERTY_SEED=<seed> replays it.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const seed = Number(process.env.VIDGATE_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const NOW = 1_700_000_000;
const MAX_EXP = 99_999_999_999; // 11 digits, the most the scheme allows
const SCENARIOS = 150;
const MUTANTS = 16; // per scenario, each of 1 to 3 chained mutations

interface Case { path: string; query: string }
interface Scenario { ring: [string, string][]; exp: number; path: string; mutants: Mutation[][] }
interface Ctx { ring: [string, string][]; exp: number; signerFor(kid: string, key?: string): UrlSigner }
type Mutation = (c: Case, ctx: Ctx) => Case;
interface Verdict { status: number; error?: string }

const SEGMENT_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+=,@-'];
const KEY_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/=.-'];

// --- what is signed ---
const kid = fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'K', 'k') });
// Across the 64-byte block, where HMAC hashes the key first.
const key = fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 32, maxLength: 130 });
const ring = fc.uniqueArray(fc.tuple(kid, key), { minLength: 1, maxLength: 3, selector: (e) => e[0] });
const exp = fc.oneof(fc.integer({ min: NOW + 1, max: MAX_EXP }), fc.integer({ min: 1, max: NOW }), fc.constantFrom(NOW, NOW + 1, 1, MAX_EXP));
const segment = fc.string({ unit: fc.constantFrom(...SEGMENT_CHARS), minLength: 1, maxLength: 24 }).filter((s) => s !== '.' && s !== '..');
const path = fc.tuple(
  fc.constantFrom('/media/videos', '/media', '/v1/hls'),
  fc.array(segment, { minLength: 1, maxLength: 6 }),
  fc.constantFrom(0, 0, 0, 1024, 1025), // pad to the longest paths the scheme allows
).map(([head, segs, pad]) => {
  const p = `${head}/${segs.join('/')}`;
  return pad > p.length ? p + 'a'.repeat(pad - p.length) : p;
});

// --- how it is mutated ---
const nasty = fc.oneof(
  fc.constantFrom(...SEGMENT_CHARS),
  fc.constantFrom('%', '/', '.', '?', '&', '=', '#', ';', ' ', '+', '\n', '\r', '\t', '\0', '\\', '"', 'é', 'İ', 'ſ', '\u212a', '\u{1F600}', '\uFEFF', '\u2028', '٣', '１'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);
/** By code point, so no edit leaves half a surrogate pair (which JSON cannot carry to njs). */
function edit(s: string, op: 'flip' | 'insert' | 'delete', at: number, ch: string): string {
  const cps = [...s];
  const i = at % (cps.length + 1);
  if (op === 'insert') cps.splice(i, 0, ch);
  else if (i < cps.length) cps.splice(i, 1, ...(op === 'flip' ? [ch] : []));
  return cps.join('');
}
const split = (url: string): Case => (url.includes('?') ? { path: url.slice(0, url.indexOf('?')), query: url.slice(url.indexOf('?') + 1) } : { path: url, query: '' });
const pairsOf = (q: string) => (q === '' ? [] : q.split('&'));
function mapValue(c: Case, name: string, f: (v: string) => string): Case {
  const pairs = pairsOf(c.query);
  const i = pairs.findIndex((p) => p === name || p.startsWith(`${name}=`));
  if (i < 0) return c;
  pairs[i] = `${name}=${f(pairs[i]!.slice(name.length + 1))}`;
  return { ...c, query: pairs.join('&') };
}
const percent = (ch: string, lower: boolean) => [...Buffer.from(ch)].map((b) => `%${b.toString(16).padStart(2, '0')[lower ? 'toLowerCase' : 'toUpperCase']()}`).join('');
const PARAM = fc.constantFrom('exp', 'kid', 'sig');

const charEdit = fc.record({ target: fc.constantFrom('path', 'query', 'url', 'exp', 'kid', 'sig'), op: fc.constantFrom('flip', 'insert', 'delete' as const), at: fc.nat(), ch: nasty })
  .map(({ target, op, at, ch }): Mutation => (c) => {
    const f = (s: string) => edit(s, op, at, ch);
    if (target === 'path') return { ...c, path: f(c.path) };
    if (target === 'query') return { ...c, query: f(c.query) };
    if (target === 'url') return split(f(`${c.path}?${c.query}`));
    return mapValue(c, target, f);
  });
const valueChange = fc.oneof(
  fc.constantFrom<(v: string, ctx: Ctx) => string>(
    () => '', (v) => `0${v}`, (v) => String(Number(v) + 1), (v) => String(Number(v) - 1), (v) => v.toUpperCase(), (v) => v.toLowerCase(),
    (v) => `${v}=`, (v) => [...v].slice(0, -1).join(''), (v) => v + v, (v) => ` ${v}`, (v) => `+${v}`, (v) => `${v}\n`, (v) => `${v}\r\n`, (v) => `\n${v}`,
    (v) => [...v].map((ch) => percent(ch, false)).join(''), (v) => v.replace(/-/g, '+').replace(/_/g, '/'), () => String(NOW), () => String(NOW + 1),
    () => String(MAX_EXP), () => String(MAX_EXP + 1), () => '1e10', () => '0x10', () => '٣', () => '4102444800.0',
    (_, ctx) => ctx.ring.at(-1)![0], (v) => `${v}x`,
  ),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => () => s),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,50}$/).map((s) => () => s),
  fc.integer({ min: 30, max: 2000 }).map((n) => (v: string) => {
    const cps = [...(v || 'a')];
    return Array.from({ length: n }, (_, i) => cps[i % cps.length]).join('');
  }),
);
const setValue = fc.record({ name: PARAM, change: valueChange }).map(({ name, change }): Mutation => (c, ctx) => mapValue(c, name, (v) => change(v, ctx)));
const removeParam = PARAM.map((name): Mutation => (c) => ({ ...c, query: pairsOf(c.query).filter((p) => p !== name && !p.startsWith(`${name}=`)).join('&') }));
const repeatParam = fc.record({ which: fc.nat(), at: fc.nat(), value: fc.option(fc.constantFrom('', '1', 'k1', 'x'.repeat(43))) }).map(({ which, at, value }): Mutation => (c) => {
  const pairs = pairsOf(c.query);
  if (pairs.length === 0) return c;
  const p = pairs[which % pairs.length]!;
  pairs.splice(at % (pairs.length + 1), 0, value === null ? p : `${p.split('=')[0]}=${value}`);
  return { ...c, query: pairs.join('&') };
});
const addParam = fc.record({
  name: fc.oneof(fc.constantFrom('acl', 'uploads', 'versionId', 'response-content-type', 'X-Amz-Signature', 'EXP', 'Kid', 'exp ', ' exp', '%65xp', 'e%78p', '', 'exp\n', 'sig[]', '__proto__'), fc.string({ unit: 'binary', maxLength: 6 })),
  value: fc.option(fc.string({ unit: 'binary', maxLength: 6 })),
  at: fc.nat(),
}).map(({ name, value, at }): Mutation => (c) => {
  const pairs = pairsOf(c.query);
  pairs.splice(at % (pairs.length + 1), 0, value === null ? name : `${name}=${value}`);
  return { ...c, query: pairs.join('&') };
});
const reorder = fc.array(fc.nat(), { minLength: 8, maxLength: 8 }).map((order): Mutation => (c) => {
  const pairs = pairsOf(c.query).map((p, i) => [order[i % 8]! + i / 100, p] as const);
  return { ...c, query: pairs.sort((a, b) => a[0] - b[0]).map(([, p]) => p).join('&') };
});
const separators = fc.constantFrom<Mutation>(
  ...[(q: string) => `&${q}`, (q: string) => `${q}&`, (q: string) => q.replace('&', '&&'), (q: string) => q.replace(/&/g, ';'), (q: string) => `?${q}`, (q: string) => `${q}#frag`,
    (q: string) => q.replace('=', '=='), (q: string) => q.replace(/=/g, '%3D'), (q: string) => q.replace('sig=', 'sig'), (q: string) => q.replace('&', '%26'), () => '', () => '&', () => '=']
    .map((f): Mutation => (c) => ({ ...c, query: f(c.query) })),
);
const percentEncode = fc.record({ target: fc.constantFrom('path', 'query'), at: fc.nat(), lower: fc.boolean() }).map(({ target, at, lower }): Mutation => (c) => {
  const cps = [...c[target]];
  if (cps.length === 0) return c;
  const i = at % cps.length;
  cps[i] = percent(cps[i]!, lower);
  return { ...c, [target]: cps.join('') };
});
const pathShape = fc.record({
  how: fc.constantFrom('insert', 'replace', 'trailing', 'unrooted', 'backslash', 'upper', 'pad'),
  seg: fc.constantFrom('.', '..', '', '...', '.a', '%2e', '%2F'),
  at: fc.nat(),
  pad: fc.constantFrom(1024, 1025, 1026, 4096),
}).map(({ how, seg, at, pad }): Mutation => (c) => {
  const segs = c.path.split('/');
  const i = 1 + (at % Math.max(1, segs.length - 1));
  if (how === 'insert') segs.splice(i, 0, seg);
  else if (how === 'replace') segs[i] = seg;
  else if (how === 'trailing') segs.push('');
  else if (how === 'unrooted') segs.shift();
  else if (how === 'backslash') return { ...c, path: c.path.replace('/', '\\') };
  else if (how === 'upper') return { ...c, path: c.path.toUpperCase() };
  else return { ...c, path: c.path.padEnd(pad, 'b') };
  return { ...c, path: segs.join('/') };
});
// A genuine URL for what the path has become: another key of the ring, a new expiry, or a key nginx does not hold.
const reSign = fc.record({ which: fc.nat(), exp, foreign: fc.boolean() }).map(({ which, exp: e, foreign }): Mutation => (c, ctx) => {
  const [k, secret] = ctx.ring[which % ctx.ring.length]!;
  try {
    return split(ctx.signerFor(k, foreign ? `${secret}-not-in-the-ring` : secret).signPath(c.path, e));
  } catch {
    return c; // the path can no longer be signed
  }
});
const mutation = fc.oneof(charEdit, setValue, removeParam, repeatParam, addParam, reorder, separators, percentEncode, pathShape, reSign);
const scenario: fc.Arbitrary<Scenario> = fc.record({ ring, exp, path, mutants: fc.array(fc.array(mutation, { minLength: 1, maxLength: 3 }), { minLength: MUTANTS, maxLength: MUTANTS }) });

// --- the two verifiers ---
type Ring = [string, string][];
interface Checked extends Case { ring: number; original: boolean; exp: number; ts: Verdict; njs?: Verdict }

function signerFor(r: Ring, active: string, key?: string): UrlSigner {
  const keys = new Map(r);
  if (key !== undefined) keys.set(active, key);
  return createUrlSigner({ mode: 'hmac', keys, activeKid: active });
}

function tsVerdict(signer: UrlSigner, c: Case): Verdict {
  const v = signer.verify(c.path, c.query, NOW);
  return v.ok ? { status: 200 } : { status: v.status, error: v.error };
}

/** Every scenario's original URL and mutants, with the TypeScript verdict. */
function buildCases(scenarios: Scenario[]): Checked[] {
  const cases: Checked[] = [];
  scenarios.forEach((s, ring) => {
    const signer = signerFor(s.ring, s.ring[0]![0]);
    const ctx: Ctx = { ring: s.ring, exp: s.exp, signerFor: (k, key) => signerFor(s.ring, k, key) };
    const url = signer.signPath(s.path, s.exp);
    // The batch signer (WebAssembly) must mint what node:crypto mints.
    expect(signer.signPaths([s.path], s.exp)).toEqual([url]);
    const original = split(url);
    [original, ...s.mutants.map((chain) => chain.reduce((acc, m) => m(acc, ctx), original))].forEach((c, i) => {
      cases.push({ ...c, ring, original: i === 0, exp: s.exp, ts: tsVerdict(signer, c) });
    });
  });
  return cases;
}

function runNjs(rings: Ring[], cases: Checked[]): (Verdict & Case)[] {
  const dir = mkdtempSync(join(tmpdir(), 'vidgate-njs-'));
  try {
    const file = join(dir, 'batch.json');
    writeFileSync(file, JSON.stringify({ now: NOW, rings, cases: cases.map(({ ring, path, query }) => ({ ring, path, query })) }));
    const verdicts = join(dir, 'verdicts.jsonl');
    execFileSync('njs', ['-p', 'nginx/njs', 'test/njs/verify-batch.js', file, verdicts], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    return readFileSync(verdicts, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Verdict & Case);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const same = (a: Verdict, b: Verdict | undefined) => b !== undefined && a.status === b.status && a.error === b.error;
/** The cases the two sides judge differently, shortest first: the first is the one to reduce. */
function disagreements(cases: Checked[]): Checked[] {
  return cases.filter((c) => !same(c.ts, c.njs)).sort((a, b) => a.path.length + a.query.length - (b.path.length + b.query.length));
}
const show = (cs: Checked[]) => `seed ${seed}: ${cs.length} disagreement(s), e.g.\n${cs.slice(0, 5).map((c) => JSON.stringify({ path: c.path, query: c.query, ts: c.ts, njs: c.njs })).join('\n')}`;

describe(`signing: TypeScript and njs agree on signed URLs and their mutants (seed ${seed})`, () => {
  let cases: Checked[] = [];
  let echoed: Case[] = [];

  beforeAll(() => {
    const scenarios = fc.sample(scenario, { numRuns: SCENARIOS, seed });
    cases = buildCases(scenarios);
    const njs = runNjs(scenarios.map((s) => s.ring), cases);
    echoed = njs.map(({ path, query }) => ({ path, query }));
    cases.forEach((c, i) => (c.njs = njs[i] && { status: njs[i].status, ...(njs[i].error === undefined ? {} : { error: njs[i].error }) }));
  });

  it('njs read every case as it was written', () => {
    expect(cases.length).toBe(SCENARIOS * (MUTANTS + 1));
    const garbled = cases.filter((c, i) => echoed[i]?.path !== c.path || echoed[i]?.query !== c.query);
    expect(garbled.map(({ path, query }) => JSON.stringify({ path, query })), `seed ${seed}`).toEqual([]);
  });

  it('gives the same status and error code on every case', () => {
    const bad = disagreements(cases);
    expect(bad, show(bad)).toEqual([]);
  });

  it('accepts every original until its expiry, and answers 410 after it', () => {
    const originals = cases.filter((c) => c.original);
    const live = originals.filter((c) => c.exp > NOW).length;
    expect(originals.filter((c) => c.njs?.status === 200).length).toBe(live);
    expect(originals.filter((c) => c.njs?.status === 410).length).toBe(originals.length - live);
    expect(live, 'both kinds of original are generated').toBeGreaterThan(0);
    expect(live).toBeLessThan(originals.length);
  });

  it('exercises every verdict, through mutants too', () => {
    const mutants = cases.filter((c) => !c.original);
    const seen = new Set(mutants.map((c) => `${c.njs?.status} ${c.njs?.error ?? ''}`));
    for (const verdict of ['200 ', '410 signature_expired', '403 path_invalid', '403 signature_missing', '403 query_not_allowed', '403 signature_invalid', '403 key_unknown']) {
      expect(seen, verdict).toContain(verdict);
    }
    // Most mutants must be refused, or the mutations are not mutating.
    expect(mutants.filter((c) => c.njs?.status === 403).length).toBeGreaterThan(mutants.length / 2);
  });

  it('would report a single wrong verdict', () => {
    const tampered = cases.map((c) => ({ ...c }));
    const victim = tampered.find((c) => c.original && c.njs?.status === 200)!;
    victim.njs = { status: 403, error: 'signature_invalid' };
    const found = disagreements(tampered);
    expect(found).toContain(victim);
    expect(found).toHaveLength(disagreements(cases).length + 1);
  });
});
