import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../services/stack/src/stack-config.ts';
import { createPool } from '../../services/common/src/database/pool.ts';
import { minioClient } from '../../services/common/src/minio-store.ts';
import { createVideoStore } from '../../services/common/src/video-store.ts';

export const BENCH_VIDEO = 'bench';

/**
 * Random objects under a public "video" so the same bytes can be fetched every
 * way the benchmarks compare (signed through nginx, MinIO's own presigned GET,
 * the Node proxy), and the same bytes as files in `diskDir` for nginx to send
 * from local disk.
 */
export async function putBenchObjects(config: Config, sizes: Record<string, number>, diskDir?: string): Promise<void> {
  const client = minioClient(config.minio, config.minio.root);
  if (diskDir) await mkdir(diskDir, { recursive: true });
  for (const [name, size] of Object.entries(sizes)) {
    const bytes = randomBytes(size);
    await client.putObject(config.minio.bucket, `videos/${BENCH_VIDEO}/hls/${name}`, bytes, size, { 'Content-Type': 'application/octet-stream' });
    if (diskDir) await writeFile(join(diskDir, name), bytes);
  }
  const now = new Date().toISOString();
  const pool = createPool(config.database);
  try {
    await createVideoStore(pool).put({
      id: BENCH_VIDEO, owner: 'bench', title: 'benchmark objects', visibility: 'public', allowedUsers: [],
      status: 'ready', progress: 1, durationSeconds: 60, renditions: [], createdAt: now, updatedAt: now,
    });
  } finally {
    await pool.end();
  }
}
