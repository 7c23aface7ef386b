import { randomBytes } from 'node:crypto';
import type { Config } from '../../services/stack/src/stack-config.ts';
import { createMinioStore, minioClient } from '../../services/common/src/minio-store.ts';
import { createVideoStore } from '../../services/common/src/video-store.ts';

export const BENCH_VIDEO = 'bench';

/**
 * Random objects under a public "video" so the same bytes can be fetched
 * signed through nginx, unsigned through nginx and through the Node proxy.
 */
export async function putBenchObjects(config: Config, sizes: Record<string, number>): Promise<void> {
  const client = minioClient(config.minio, config.minio.root);
  for (const [name, size] of Object.entries(sizes)) {
    await client.putObject(config.minio.bucket, `videos/${BENCH_VIDEO}/hls/${name}`, randomBytes(size), size, { 'Content-Type': 'application/octet-stream' });
  }
  const now = new Date().toISOString();
  await createVideoStore(createMinioStore(client, config.minio.bucket)).put({
    id: BENCH_VIDEO, owner: 'bench', title: 'benchmark objects', visibility: 'public', allowedUsers: [],
    status: 'ready', progress: 1, durationSeconds: 60, renditions: [], createdAt: now, updatedAt: now,
  });
}
