import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A log file held open (it stays readable when renamed or deleted) and the position reached in it. */
export interface OpenFile {
  handle: FileHandle;
  inode: bigint;
  offset: number;
}

// Enough to include the first line's request id, which no other file shares.
const HEAD_BYTES = 128;

/**
 * A digest of the file's first bytes up to the offset (at most HEAD_BYTES).
 * Bytes before the offset never change in an append-only file, so a different
 * digest under the same inode means the inode was reused for a new file.
 */
export async function headDigest(file: OpenFile, offset = file.offset): Promise<string> {
  const head = Buffer.alloc(Math.min(offset, HEAD_BYTES));
  const { bytesRead } = await file.handle.read(head, 0, head.length, 0);
  return createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex');
}

export async function openAt(path: string, offset: number): Promise<OpenFile | undefined> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return undefined;
  return { handle, inode: (await handle.stat({ bigint: true })).ino, offset };
}

export async function statPath(path: string) {
  return stat(path, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

/** A rotated copy (access.log.1, access.log-20250101) of the log that still has the given inode. */
export async function findRotated(path: string, inode: bigint): Promise<OpenFile | undefined> {
  const dir = dirname(path);
  const name = basename(path);
  for (const entry of await readdir(dir)) {
    if (entry === name || !entry.startsWith(name)) continue;
    const s = await statPath(join(dir, entry));
    if (s?.isFile() && s.ino === inode) return openAt(join(dir, entry), 0);
  }
  return undefined;
}
