import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the repository's own files are, independent of the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const NGINX_SRC = resolve(REPO_ROOT, 'nginx');

/** Runtime state of one local stack, all under its data directory (git-ignored). */
export function stackPaths(dataDir: string) {
  const root = resolve(REPO_ROOT, dataDir);
  return {
    root,
    minioData: resolve(root, 'minio'),
    minioEvents: resolve(root, 'minio-events'),
    postgresData: resolve(root, 'postgres'),
    nginxConf: resolve(root, 'nginx/conf'),
    nginxRun: resolve(root, 'nginx/run'),
    nginxLogs: resolve(root, 'nginx/logs'),
    nginxCache: resolve(root, 'nginx/cache'),
    web: resolve(root, 'web'),
    logs: resolve(root, 'logs'),
    run: resolve(root, 'run'),
    collector: resolve(root, 'collector'),
  };
}

export type StackPaths = ReturnType<typeof stackPaths>;
