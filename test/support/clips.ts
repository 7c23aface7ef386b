import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestVideo } from '../../services/transcoder/src/test-video.ts';

export interface Clips<K extends string> {
  /** The folder they were written to, for the tests' other files. */
  readonly dir: string;
  readonly bytes: Readonly<Record<K, Buffer>>;
  remove(): Promise<void>;
}

/** Test videos (test pattern and tone, H.264/AAC MP4) of the given sizes, generated into a folder of their own and read. */
export async function makeClips<K extends string>(prefix: string, specs: Record<K, { seconds: number; width: number; height: number }>): Promise<Clips<K>> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const bytes = {} as Record<K, Buffer>;
  for (const [name, spec] of Object.entries(specs) as [K, { seconds: number; width: number; height: number }][]) {
    await generateTestVideo({ output: join(dir, `${name}.mp4`), ...spec });
    bytes[name] = await readFile(join(dir, `${name}.mp4`));
  }
  return { dir, bytes, remove: () => rm(dir, { recursive: true, force: true }) };
}
