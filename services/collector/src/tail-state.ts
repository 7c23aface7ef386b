import { constants } from 'node:fs';
import { access, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where the tailer stopped: the file (by inode and first bytes) and the byte after the last line counted. */
export interface TailState {
  inode: bigint;
  offset: number;
  /** sha256 (hex) of the file's first bytes, up to the offset; see headDigest. */
  head: string;
}

export class TailStateError extends Error {}

/**
 * The saved position, or undefined when none was saved yet. The folder must be
 * writable now: finding out at the first save would mean a collector that
 * runs but never keeps its place.
 */
export async function readTailState(file: string): Promise<TailState | undefined> {
  await access(dirname(file), constants.W_OK).catch((err: Error) => {
    throw new TailStateError(`the folder of ${file} is not writable: ${err.message}`);
  });
  return readSaved(file);
}

// A damaged file is an error, not a fresh start: that would count the log twice.
async function readSaved(file: string): Promise<TailState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value = safeJson(text) as { inode?: unknown; offset?: unknown; head?: unknown } | undefined;
  const valid = typeof value?.inode === 'string' && /^[0-9]+$/.test(value.inode)
    && Number.isSafeInteger(value.offset) && (value.offset as number) >= 0
    && typeof value.head === 'string' && /^[0-9a-f]{64}$/.test(value.head);
  if (!valid) {
    throw new TailStateError(`${file} is not a collector state file ({"inode":"<digits>","offset":<bytes>,"head":"<sha256>"}); remove it only if recounting the whole log is acceptable`);
  }
  return { inode: BigInt(value.inode as string), offset: value.offset as number, head: value.head as string };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Replaces the state file atomically (temporary file, fsync, rename), so a
 * crash leaves either the old position or the new one, never half of each.
 * Inodes can exceed 2^53, so the inode is kept as a decimal string.
 */
export async function writeTailState(file: string, state: TailState): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify({ inode: state.inode.toString(), offset: state.offset, head: state.head })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}
