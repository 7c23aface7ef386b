import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, resolve } from 'node:path';

/** The folder bootstrap.sh builds MinIO and mc into (outside git, kept between runs). */
export const CACHE_DIR = resolve(process.env.VIDGATE_CACHE_DIR ?? resolve(homedir(), '.cache/vidgate'));
const CACHE_BIN = resolve(CACHE_DIR, 'bin');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a program in the cache (MinIO and mc built by bootstrap.sh), then on
 * PATH, then in /usr/sbin (nginx). The cache comes first: Debian's "mc" on PATH
 * is Midnight Commander.
 */
export function findTool(name: string): string {
  const dirs = [CACHE_BIN, ...(process.env.PATH ?? '').split(delimiter), '/usr/sbin'];
  for (const dir of dirs) {
    const candidate = resolve(dir, name);
    if (dir && executable(candidate)) return candidate;
  }
  throw new Error(`${name} not found on PATH or in ${CACHE_BIN}; run "npm run bootstrap"`);
}
