import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_SECRETS } from '@vidgate/common/config';
import { REPO_ROOT, stackPaths } from '../../services/stack/src/paths.ts';
import { seedDemoObject, seedDemoVideo } from '../../services/stack/src/seed-demo.ts';
import { TEST_ENV, testConfig } from '../support/test-stack.ts';
import { BASE, TEST_OVERRIDE } from './compose-files.ts';

/**
 * The black-box suite against containers: VIDGATE_TEST_TARGET=containers makes
 * test/support/global-setup.ts call startContainerStack instead of starting
 * local processes. The compose stack (docker-compose.yml + deploy/compose/test.yml)
 * is configured from the same TEST_ENV and publishes the same ports on the
 * loopback, and nginx writes its access log where the local stack's goes, so
 * the tests run unchanged. Needs a Docker engine and Compose v2.
 */
export type TestTarget = 'processes' | 'containers';

export function testTarget(env: NodeJS.ProcessEnv = process.env): TestTarget {
  const target = env.VIDGATE_TEST_TARGET ?? 'processes';
  if (target !== 'processes' && target !== 'containers') throw new Error(`VIDGATE_TEST_TARGET must be processes (default) or containers, not "${target}"`);
  return target;
}

/** Docker secret file names (docker-compose.yml) of the config's secrets. */
const SECRET_FILES: Record<keyof typeof DEV_SECRETS, string> = {
  VIDGATE_SIGNING_KEYS: 'signing_keys',
  VIDGATE_JWT_SECRET: 'jwt_secret',
  VIDGATE_MINIO_ROOT_PASSWORD: 'minio_root_password',
  VIDGATE_NGINX_S3_SECRET: 'nginx_s3_secret',
  VIDGATE_AUTH_S3_SECRET: 'auth_s3_secret',
  VIDGATE_TRANSCODER_S3_SECRET: 'transcoder_s3_secret',
  VIDGATE_WEBHOOK_TOKEN: 'webhook_token',
};
/** Where the local stack runs things; the containers' layout is fixed by docker-compose.yml. */
const LOCAL_LAYOUT = /^VIDGATE_(DATA_DIR|BIND_HOST|[A-Z_]*_PORT|MINIO_ENDPOINT|AUTH_UPSTREAM|TRANSCODER_URL)$/;

/**
 * Writes the secrets and the env file the compose stack reads, from the test
 * stack's configuration; returns the env file and its values.
 */
export async function writeComposeTestEnv(dir: string): Promise<{ file: string; env: Record<string, string> }> {
  const secrets = join(dir, 'secrets');
  await mkdir(secrets, { recursive: true });
  const config: Record<string, string> = { ...DEV_SECRETS, ...TEST_ENV };
  for (const [name, file] of Object.entries(SECRET_FILES)) await writeFile(join(secrets, file), `${config[name]}\n`);
  await writeFile(join(secrets, 'grafana_admin_password'), `${randomBytes(24).toString('hex')}\n`);
  const logDir = stackPaths(testConfig.dataDir).nginxLogs;
  await mkdir(logDir, { recursive: true }); // before Docker creates it, as root
  const at = (port: number) => `127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(TEST_ENV).filter(([name]) => !(name in SECRET_FILES) && !LOCAL_LAYOUT.test(name))),
    VIDGATE_BUCKET: testConfig.minio.bucket,
    VIDGATE_SECRETS_DIR: secrets,
    VIDGATE_HTTP_PORT: at(testConfig.ports.origin),
    VIDGATE_HTTPS_PORT: at(18443),
    VIDGATE_GRAFANA_PORT: at(13000),
    VIDGATE_TEST_MINIO_PORT: String(testConfig.ports.minio),
    VIDGATE_TEST_AUTH_PORT: String(testConfig.ports.auth),
    VIDGATE_TEST_TRANSCODER_PORT: String(testConfig.transcoder.port),
    VIDGATE_TEST_COLLECTOR_PORT: String(testConfig.ports.collector),
    VIDGATE_TEST_LOG_DIR: logDir,
  };
  const file = join(dir, 'test.env');
  await writeFile(file, Object.entries(env).map(([name, value]) => `${name}=${value}\n`).join(''));
  return { file, env };
}

/** Builds the images, starts the compose stack, waits for every health check, seeds the demo content. */
export async function startContainerStack(say: (message: string) => void): Promise<{ stop(): Promise<void> }> {
  const { DockerComposeEnvironment } = await import('testcontainers');
  const { file, env } = await writeComposeTestEnv(await mkdtemp(join(tmpdir(), 'vidgate-containers-')));
  say('building the images and starting docker-compose.yml + deploy/compose/test.yml');
  const environment = await new DockerComposeEnvironment(REPO_ROOT, [BASE, TEST_OVERRIDE])
    .withEnvironmentFile(file) // instead of a developer's own .env
    .withEnvironment(env)
    .withBuild()
    .withStartupTimeout(300_000)
    .up();
  try {
    await seedDemoObject(testConfig);
    await seedDemoVideo(testConfig, say);
  } catch (err) {
    await environment.down({ removeVolumes: true });
    throw err;
  }
  return { stop: async () => void (await environment.down({ removeVolumes: true })) };
}
