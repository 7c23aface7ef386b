import { findRotated, headDigest, openAt, statPath, type OpenFile } from './log-file.ts';
import { readTailState, writeTailState, type TailState } from './tail-state.ts';

// Read size, and the longest line kept whole: a longer one is cut and its
// pieces are counted as malformed, so a runaway writer cannot stall the tailer.
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export interface LogTailerOptions {
  /** The file nginx appends to. It may not exist yet, and may be rotated (renamed) or truncated. */
  file: string;
  /** Where the position is saved after every batch, so a restart resumes there. */
  stateFile: string;
  pollMs: number;
  /** Complete lines, in order, each handed on exactly once (after its position is saved). */
  onLines(lines: string[]): void;
  /** After every poll, with the position reached. */
  onProgress?(status: TailStatus): void;
  /** Rotation, truncation and lost lines: worth a log line, not an error. */
  onNotice?(message: string, detail: Record<string, unknown>): void;
  /** A poll failed (unreadable file, full disk for the state file); the next poll retries. */
  onError?(err: Error): void;
}

export interface TailStatus {
  offset: number;
  /** Bytes of the file followed that are not read yet. */
  lagBytes: number;
  /** Why the last poll failed; absent once one succeeds. */
  error?: string;
}

export interface LogTailer {
  /** Reads what is new now; polls never overlap. */
  poll(): Promise<void>;
  start(): void;
  /** Stops polling and closes the file; the position is already saved. */
  stop(): Promise<void>;
  status(): TailStatus;
}

function splitLines(bytes: Buffer): string[] {
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Follows nginx's access log by byte offset, across rotations, truncations and restarts of this process. */
export async function createLogTailer(options: LogTailerOptions): Promise<LogTailer> {
  let saved: TailState | undefined = await readTailState(options.stateFile);
  let current: OpenFile | undefined;
  let lagBytes = 0;
  let error: string | undefined;
  const notice = options.onNotice ?? (() => {});
  const buffer = Buffer.alloc(CHUNK_BYTES);

  const persist = async (file: OpenFile) => {
    if (saved?.inode === file.inode && saved.offset === file.offset) return;
    const next = { inode: file.inode, offset: file.offset, head: await headDigest(file) };
    await writeTailState(options.stateFile, next);
    saved = next;
  };

  // Position first, lines second: a crash between the two loses the chunk in
  // flight instead of counting it twice after the restart.
  const drain = async (file: OpenFile, final: boolean) => {
    const size = Number((await file.handle.stat({ bigint: true })).size);
    if (size < file.offset) {
      notice('access log truncated; reading it again from the start', { offset: file.offset, size });
      file.offset = 0;
      await persist(file);
    }
    while (file.offset < size) {
      const { bytesRead } = await file.handle.read(buffer, 0, Math.min(CHUNK_BYTES, size - file.offset), file.offset);
      if (bytesRead === 0) break; // truncated since the stat: the next poll sees it
      let take = buffer.lastIndexOf(NEWLINE, bytesRead - 1) + 1;
      // A file nginx no longer writes to cannot finish its last line; a line longer than a chunk never fits.
      if ((final && file.offset + bytesRead === size) || (take === 0 && bytesRead === CHUNK_BYTES)) take = bytesRead;
      if (take === 0) break; // an incomplete last line: read it again when it is complete
      const lines = splitLines(buffer.subarray(0, take));
      file.offset += take;
      await persist(file);
      options.onLines(lines);
    }
    lagBytes = Math.max(0, size - file.offset);
  };

  // The saved position counts only for the file it was taken in: same inode
  // and same first bytes (an inode is reused once its file is deleted).
  const isSaved = async (file: OpenFile, state: TailState) => file.inode === state.inode && (await headDigest(file, state.offset)) === state.head;

  const openStart = async (): Promise<OpenFile | undefined> => {
    const opened = await openAt(options.file, 0);
    if (!opened || !saved) return opened;
    const state = saved;
    if (await isSaved(opened, state)) return { ...opened, offset: state.offset };
    const old = await findRotated(options.file, state.inode).catch(async (err: Error) => {
      await opened.handle.close();
      throw err;
    });
    if (old && (await isSaved(old, state))) {
      await opened.handle.close();
      notice('access log was rotated while stopped; finishing the rotated file first', { offset: state.offset });
      return { ...old, offset: state.offset };
    }
    await old?.handle.close();
    notice('the file of the saved position is gone (rotated and deleted, or truncated, while stopped); its unread lines are lost', { offset: state.offset });
    await persist(opened);
    return opened;
  };

  const pollOnce = async () => {
    current ??= await openStart();
    if (!current) {
      lagBytes = 0; // no log yet: nginx has not started or not logged
      return;
    }
    const onPath = await statPath(options.file);
    if (onPath?.ino === current.inode) return drain(current, false);
    // Renamed away: nginx writes to the old file until it reopens its logs
    // (USR1), and has reopened once the new file has data.
    const reopened = onPath !== undefined && onPath.size > 0n;
    await drain(current, reopened);
    if (!reopened) return;
    const old = current;
    current = await openAt(options.file, 0);
    await old.handle.close();
    notice('access log rotated; following the new file', { oldInode: String(old.inode), readBytes: old.offset });
    if (!current) return;
    await persist(current);
    await drain(current, false);
  };

  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const status = (): TailStatus => ({ offset: current?.offset ?? 0, lagBytes, ...(error === undefined ? {} : { error }) });

  const pollAndReport = async () => {
    try {
      await pollOnce();
      error = undefined;
    } catch (err) {
      error = (err as Error).message;
      throw err;
    } finally {
      options.onProgress?.(status());
    }
  };
  // The caller of poll() gets its failure; the chain only keeps polls in order.
  const poll = () => {
    const run = running.then(pollAndReport);
    running = run.catch(() => {});
    return run;
  };

  return {
    poll,
    status,
    start() {
      const tick = () => {
        poll().catch((err: Error) => options.onError?.(err)).finally(() => {
          if (!stopped) timer = setTimeout(tick, options.pollMs);
        });
      };
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await current?.handle.close();
      current = undefined;
    },
  };
}
