import type { Config } from '@vidgate/common/config';
import { minioClient } from '@vidgate/common/minio-store';

export const DEMO_OBJECT_KEY = 'demo/welcome.txt';

/** Seeds a small object so a fresh stack has something to fetch with a signed URL. */
export async function seedDemoObject(config: Config): Promise<void> {
  const client = minioClient(config.minio, config.minio.root);
  const text = 'Welcome to Vidgate: these bytes came from a private MinIO bucket through nginx, behind a signed URL.\n';
  await client.putObject(config.minio.bucket, DEMO_OBJECT_KEY, Buffer.from(text), undefined, { 'Content-Type': 'text/plain; charset=utf-8' });
}
