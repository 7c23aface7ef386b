import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../../services/stack/src/stack-config.ts';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';
import { seedDemoVideo } from '../../services/stack/src/seed-demo.ts';
import { startStack, type Stack } from '../../services/stack/src/stack.ts';

/** Benchmarks run their own stack on their own ports, so a dev stack can keep running. */
export const BENCH_ENV: Readonly<Record<string, string>> = Object.freeze({
  VIDGATE_LOG_LEVEL: 'warn',
  VIDGATE_DATA_DIR: '.vidgate/bench',
  VIDGATE_ORIGIN_PORT: '28080',
  VIDGATE_AUTH_PORT: '28081',
  VIDGATE_TRANSCODER_PORT: '28083',
  VIDGATE_COLLECTOR_PORT: '28082',
  VIDGATE_MINIO_PORT: '29000',
  VIDGATE_MINIO_CONSOLE_PORT: '29001',
  VIDGATE_DB_PORT: '25432',
  VIDGATE_PUBLIC_URL: 'http://127.0.0.1:28080',
  // wrk (data-plane, offload) speaks from 127.0.0.1 alone, as thousands of clients would from theirs;
  // load.ts and soak.ts give each viewer a loopback address of its own, which the limits apply to.
  VIDGATE_LIMIT_EXEMPT: '127.0.0.1',
});

export const DISK_PORT = 28091;
export const MISS_PORT = 28092;

/** Where the ceiling server reads its files: the same bytes as the bench objects, on local disk. */
export const benchDiskDir = (config: Config) => resolve(REPO_ROOT, config.dataDir, 'disk');

/**
 * Two more servers, for comparison only, rendered from the same templates:
 *  - the ceiling: nginx sending a file from local disk (sendfile), nothing else;
 *  - the miss path: /media/ exactly as the origin validates and streams it, but
 *    every request bypasses the cache lookup (the response is still stored), so
 *    each one pays njs, a presign, a full read of MinIO and the cache write.
 */
const comparisonServers = (diskDir: string) => `
server {
    listen 127.0.0.1:${DISK_PORT};
    access_log off;
    location /disk/ {
        alias ${diskDir}/;
    }
}

server {
    listen 127.0.0.1:${MISS_PORT};
    include \${VIDGATE_NGINX_CONF_DIR}/json-errors.conf;
    location /media/ {
        include \${VIDGATE_NGINX_CONF_DIR}/media-\${VIDGATE_SIGN_MODE}.conf;
        proxy_cache_bypass 1;
    }
}
`;

export async function startBenchStack(options: { comparisons?: boolean; env?: Readonly<Record<string, string>> } = {}): Promise<Stack> {
  const benchEnv = { ...BENCH_ENV, ...options.env };
  const config = loadConfig(benchEnv);
  await rm(resolve(REPO_ROOT, config.dataDir), { recursive: true, force: true });
  console.log(`starting a bench stack on ${config.publicUrl} (data in ${config.dataDir})`);
  return startStack({
    config,
    env: { ...process.env, ...benchEnv },
    progress: (m) => console.log(`  ${m}`),
    seed: (cfg) => seedDemoVideo(cfg, (m) => console.log(`  ${m}`)),
    nginxExtra: options.comparisons ? { comparisons: comparisonServers(benchDiskDir(config)) } : undefined,
  });
}
