import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isRunning } from '../../services/stack/src/managed-process.ts';

/**
 * One black-box suite at a time per data folder and ports: a second `npm test`
 * on the same machine waits for the first instead of wiping its MinIO. A lock
 * left by a dead process is taken over.
 */
export async function acquireStackLock(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.write(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!holder || !isRunning(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another test run (pid ${holder}) holds ${path}`);
    if (!announced) console.log(`[test stack] waiting for the test run of pid ${holder} to finish`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
