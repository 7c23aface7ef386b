import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from './stack-config.ts';
import { REPO_ROOT } from './paths.ts';
import { findTool } from './tools.ts';

const run = promisify(execFile);

/** Environment for deploy/minio-init/init.sh: the same script the compose init container runs. */
function minioInitEnv(config: Config): NodeJS.ProcessEnv {
  const { minio } = config;
  return {
    PATH: process.env.PATH,
    MC: findTool('mc'),
    MINIO_ENDPOINT: minio.endpoint,
    MINIO_ROOT_USER: minio.root.accessKey,
    MINIO_ROOT_PASSWORD: minio.root.secretKey,
    VIDGATE_BUCKET: minio.bucket,
    VIDGATE_NGINX_S3_ACCESS_KEY: minio.nginx.accessKey,
    VIDGATE_NGINX_S3_SECRET: minio.nginx.secretKey,
    VIDGATE_AUTH_S3_ACCESS_KEY: minio.auth.accessKey,
    VIDGATE_AUTH_S3_SECRET: minio.auth.secretKey,
    VIDGATE_TRANSCODER_S3_ACCESS_KEY: minio.transcoder.accessKey,
    VIDGATE_TRANSCODER_S3_SECRET: minio.transcoder.secretKey,
  };
}

export async function initMinio(config: Config): Promise<string> {
  try {
    const { stdout } = await run('sh', [resolve(REPO_ROOT, 'deploy/minio-init/init.sh')], { env: minioInitEnv(config), timeout: 60_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`MinIO initialisation failed: ${e.stderr?.trim() || e.message}`);
  }
}

export function minioServerArgs(config: Config, dataDir: string): string[] {
  return [
    'server', dataDir,
    '--address', `${config.bindHost}:${config.ports.minio}`,
    '--console-address', `${config.bindHost}:${config.ports.minioConsole}`,
  ];
}

/**
 * MinIO's own settings, including the webhook target for upload events: a
 * persistent queue directory keeps events while the transcoder is down.
 */
export function minioServerEnv(config: Config, eventQueueDir: string): NodeJS.ProcessEnv {
  return {
    MINIO_NOTIFY_WEBHOOK_ENABLE_VIDGATE: 'on',
    MINIO_NOTIFY_WEBHOOK_ENDPOINT_VIDGATE: `${config.transcoder.url}/events/minio`,
    MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_VIDGATE: config.transcoder.webhookToken,
    MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_VIDGATE: eventQueueDir,
    MINIO_PROMETHEUS_AUTH_TYPE: 'public',
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MINIO_ROOT_USER: config.minio.root.accessKey,
    MINIO_ROOT_PASSWORD: config.minio.root.secretKey,
    MINIO_REGION: config.minio.region,
    MINIO_UPDATE: 'off',
    MINIO_BROWSER_LOGIN_ANIMATION: 'off',
    // Multipart uploads left open are aborted by MinIO itself once an upload has expired for Vidgate too.
    MINIO_API_STALE_UPLOADS_EXPIRY: `${config.uploads.expiry}s`,
    MINIO_API_STALE_UPLOADS_CLEANUP_INTERVAL: '1h',
  };
}
