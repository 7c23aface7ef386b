import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, stackPaths } from '../services/stack/src/paths.ts';
import { isRunning } from '../services/stack/src/managed-process.ts';
import { jsonError } from './support/media-fixtures.ts';

// `npm start` as an operator meets it: the entry point it runs, on ports of its
// own, printing a working signed URL; SIGHUP applies a rotated key file;
// Ctrl-C (SIGINT to the process group) stops every child and restarts none.
const PORT = 18180;
const ENV = {
  VIDGATE_DATA_DIR: '.vidgate/test-start',
  VIDGATE_ORIGIN_PORT: String(PORT),
  VIDGATE_AUTH_PORT: String(PORT + 1),
  VIDGATE_COLLECTOR_PORT: String(PORT + 2),
  VIDGATE_TRANSCODER_PORT: String(PORT + 3),
  VIDGATE_MINIO_PORT: String(PORT + 10),
  VIDGATE_MINIO_CONSOLE_PORT: String(PORT + 11),
  VIDGATE_DB_PORT: String(PORT + 12),
  VIDGATE_PUBLIC_URL: `http://127.0.0.1:${PORT}`,
  VIDGATE_LOG_LEVEL: 'warn',
};
const OLD = 'old:npm-start-test-old-key-0123456789abcdefghij';
const NEW = 'new:npm-start-test-new-key-0123456789abcdefghij';

let child: ChildProcess;
let output = '';
let work: string;
let keysFile: string;

async function outputMatching(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(output);
    if (m) return m;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in the output of npm start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-npm-start-'));
  keysFile = join(work, 'signing-keys');
  await writeFile(keysFile, `${OLD},${NEW}`);
  await rm(resolve(REPO_ROOT, ENV.VIDGATE_DATA_DIR), { recursive: true, force: true });
  child = spawn(process.execPath, ['--import', 'tsx', 'services/stack/src/main.ts'], {
    cwd: REPO_ROOT,
    // No VIDGATE_SIGNING_KEY_ID: the first key in the file signs, so the file alone rotates.
    env: { ...process.env, ...ENV, VIDGATE_SIGNING_KEYS_FILE: keysFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives it: Ctrl-C is sent to the whole group.
    detached: true,
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await outputMatching(/Ctrl-C stops everything/, 120_000);
});

afterAll(async () => {
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  await rm(work, { recursive: true, force: true });
});

describe('npm start', () => {
  let signedUrl: string;

  it('prints the player URL and a signed URL that serves the demo object', async () => {
    expect(output).toContain(`player          http://127.0.0.1:${PORT}/`);
    signedUrl = (await outputMatching(/signed URL\s+(\S+)/, 1_000))[1]!;
    expect(signedUrl).toMatch(/[?&]kid=old&/);
    const res = await fetch(signedUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Welcome to Vidgate');
    expect((await fetch(`http://127.0.0.1:${PORT}/`)).status).toBe(200);
    const upload = (await outputMatching(/^ +upload +(\S+)/m, 1_000))[1]!;
    expect(upload).toBe(`http://127.0.0.1:${PORT}/upload.html`);
    expect((await fetch(upload)).headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('re-reads a rotated key file on SIGHUP: URLs of a removed key stop working', async () => {
    await writeFile(keysFile, NEW);
    child.kill('SIGHUP');
    await outputMatching(/reloaded; signing with key new/, 30_000);
    const res = await fetch(signedUrl);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(jsonError('key_unknown'));
  });

  it('stops every child on Ctrl-C (SIGINT to the whole process group), restarting none of them', async () => {
    const runDir = stackPaths(ENV.VIDGATE_DATA_DIR).run;
    const pids = await Promise.all(['minio', 'nginx', 'auth', 'transcoder', 'collector'].map(async (n) => Number(await readFile(join(runDir, `${n}.pid`), 'utf8'))));
    expect(pids.every((pid) => pid > 0 && isRunning(pid))).toBe(true);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000)); // a service restarted by mistake would be up by now
    expect(output).not.toMatch(/restarting it/);
    expect(pids.filter(isRunning)).toEqual([]);
    const left = await Promise.all(['auth', 'transcoder', 'collector'].map((n) => readFile(join(runDir, `${n}.pid`), 'utf8').then(Number, () => 0)));
    expect(left.filter((pid) => pid > 0 && isRunning(pid))).toEqual([]);
  });
});
