import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../../services/stack/src/stack-config.ts';
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
  VIDGATE_PUBLIC_URL: 'http://127.0.0.1:28080',
});

export const UNSIGNED_PORT = 28090;

/**
 * A second server, for comparison only: the same MinIO streaming as /media/
 * (minio-proxy.conf, njs SigV4 upstream) without the signature check.
 */
const UNSIGNED_SERVER = `
server {
    listen 127.0.0.1:${UNSIGNED_PORT};
    access_log off;
    location /media/ {
        include \${VIDGATE_NGINX_CONF_DIR}/minio-proxy.conf;
    }
    include \${VIDGATE_NGINX_CONF_DIR}/json-errors.conf;
}
`;

export async function startBenchStack(options: { unsigned?: boolean } = {}): Promise<Stack> {
  const config = loadConfig({ ...BENCH_ENV });
  await rm(resolve(REPO_ROOT, config.dataDir), { recursive: true, force: true });
  console.log(`starting a bench stack on ${config.publicUrl} (data in ${config.dataDir})`);
  return startStack({
    config,
    env: { ...process.env, ...BENCH_ENV },
    progress: (m) => console.log(`  ${m}`),
    seed: (cfg) => seedDemoVideo(cfg, (m) => console.log(`  ${m}`)),
    nginxExtra: options.unsigned ? { unsigned: UNSIGNED_SERVER } : undefined,
  });
}
