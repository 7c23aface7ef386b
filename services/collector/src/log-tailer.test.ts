import { appendFile, mkdtemp, readFile, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogTailer, type LogTailer } from './log-tailer.ts';
import { TailStateError } from './tail-state.ts';

let dir: string;
let log: string;
let stateFile: string;
const open: LogTailer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgate-tailer-'));
  log = join(dir, 'access.log');
  stateFile = join(dir, 'collector.state');
});

afterEach(async () => {
  for (const tailer of open.splice(0)) await tailer.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A tailer of the test's log that collects what it hands on. */
async function follow(pollMs = 1_000) {
  const lines: string[] = [];
  const notices: string[] = [];
  const tailer = await createLogTailer({
    file: log, stateFile, pollMs,
    onLines: (batch) => lines.push(...batch),
    onNotice: (message) => notices.push(message),
  });
  open.push(tailer);
  return { tailer, lines, notices };
}

describe('createLogTailer', () => {
  it('hands on appended lines once each, in order', async () => {
    const { tailer, lines } = await follow();
    await writeFile(log, 'a\nb\n');
    await tailer.poll();
    await tailer.poll();
    await appendFile(log, 'c\n');
    await tailer.poll();
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(tailer.status()).toEqual({ offset: 6, lagBytes: 0 });
  });

  it('waits for a partial last line to be completed', async () => {
    const { tailer, lines } = await follow();
    await writeFile(log, 'a\n{"half":');
    await tailer.poll();
    expect(lines).toEqual(['a']);
    expect(tailer.status().lagBytes).toBe(8);
    await appendFile(log, '1}\n');
    await tailer.poll();
    await tailer.poll();
    expect(lines).toEqual(['a', '{"half":1}']);
  });

  it('resumes after a restart without handing on a line twice', async () => {
    const first = await follow();
    await writeFile(log, 'a\nb\nhal');
    await first.tailer.poll();
    await first.tailer.stop();
    await appendFile(log, 'f\nc\n');
    const second = await follow();
    await second.tailer.poll();
    expect(first.lines).toEqual(['a', 'b']);
    expect(second.lines).toEqual(['half', 'c']);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ offset: 11 });
  });

  it('starts from the beginning of the log when no position was saved, and waits for a missing log', async () => {
    const { tailer, lines } = await follow();
    await tailer.poll();
    expect(tailer.status()).toEqual({ offset: 0, lagBytes: 0 });
    await writeFile(log, 'a\n');
    await tailer.poll();
    expect(lines).toEqual(['a']);
  });

  it('reads a truncated log again from the start', async () => {
    const { tailer, lines, notices } = await follow();
    await writeFile(log, 'a\nb\nc\n');
    await tailer.poll();
    await truncate(log, 0);
    await appendFile(log, 'd\n');
    await tailer.poll();
    expect(lines).toEqual(['a', 'b', 'c', 'd']);
    expect(notices).toEqual([expect.stringContaining('truncated')]);
  });

  it('finishes a rotated log before following the new one', async () => {
    const { tailer, lines } = await follow();
    await writeFile(log, 'a\n');
    await tailer.poll();
    await rename(log, `${log}.1`);
    await appendFile(`${log}.1`, 'b\n'); // nginx writes to the old file until it reopens its logs
    await tailer.poll();
    await writeFile(log, ''); // reopened, nothing written yet: the old file may still grow
    await appendFile(`${log}.1`, 'c\n');
    await tailer.poll();
    await appendFile(log, 'd\n');
    await tailer.poll();
    await appendFile(log, 'e\n');
    await tailer.poll();
    expect(lines).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('finishes a log rotated while it was stopped when the rotated file is still there', async () => {
    const first = await follow();
    await writeFile(log, 'a\n');
    await first.tailer.poll();
    await first.tailer.stop();
    await appendFile(log, 'b\n');
    await rename(log, `${log}.1`);
    await writeFile(log, 'c\n');
    const second = await follow();
    await second.tailer.poll();
    expect(second.lines).toEqual(['b', 'c']);
  });

  it('reports the unread lines of a rotated file deleted while it was stopped as lost', async () => {
    const first = await follow();
    await writeFile(log, 'a\n');
    await first.tailer.poll();
    await first.tailer.stop();
    await appendFile(log, 'b\n');
    await unlink(log);
    await writeFile(log, 'c\n');
    const second = await follow();
    await second.tailer.poll();
    expect(second.lines).toEqual(['c']);
    expect(second.notices).toEqual([expect.stringContaining('lost')]);
  });

  it('reads a log truncated while it was stopped from the start', async () => {
    const first = await follow();
    await writeFile(log, 'a\nb\n');
    await first.tailer.poll();
    await first.tailer.stop();
    await writeFile(log, 'c\nd\ne\n'); // same inode, new content, longer than the saved offset
    const second = await follow();
    await second.tailer.poll();
    expect(second.lines).toEqual(['c', 'd', 'e']);
  });

  it('cuts a line longer than its read size instead of stalling on it', async () => {
    const { tailer, lines } = await follow();
    await writeFile(log, `${'x'.repeat(1.5 * 1024 * 1024)}\nok\n`);
    await tailer.poll();
    expect(lines.map((l) => l.length)).toEqual([1024 * 1024, 0.5 * 1024 * 1024, 2]);
  });

  it('refuses a damaged state file rather than counting the log again', async () => {
    await writeFile(stateFile, '{"offset":');
    await expect(follow()).rejects.toBeInstanceOf(TailStateError);
  });

  it('refuses a state file it could not save later', async () => {
    stateFile = join(dir, 'missing-folder', 'collector.state');
    await expect(follow()).rejects.toThrow(/not writable/);
  });

  it('polls on its own once started and stops cleanly', async () => {
    const { tailer, lines } = await follow(20);
    tailer.start();
    await writeFile(log, 'a\n');
    await vi.waitFor(() => expect(lines).toEqual(['a']), { timeout: 2_000, interval: 10 });
    await tailer.stop();
    await appendFile(log, 'b\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(lines).toEqual(['a']);
  });
});
