import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from './stack-config.ts';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import { initMinio, minioServerArgs, minioServerEnv } from './minio-setup.ts';
import { REPO_ROOT, stackPaths, type StackPaths } from './paths.ts';
import { startNginx } from './nginx-process.ts';
import { findTool } from './tools.ts';
import { stopLeftovers, supervise, type Supervised } from './supervisor.ts';
import { waitForHttp } from './wait-ready.ts';
import { prepareWebRoot } from './web-root.ts';
import { assertPortsFree } from './ports.ts';
import { startPostgres } from './postgres-process.ts';
import { setUpDatabase } from '@vidgate/common/database/setup';

export interface StackOptions {
  config: Config;
  /** The environment the services are started with (they parse it themselves). */
  env: NodeJS.ProcessEnv;
  progress?: (message: string) => void;
  /** Run after MinIO is ready and before the services start (seeding demo content). */
  seed?: (config: Config, paths: StackPaths) => Promise<void>;
  nginxExtra?: Readonly<Record<string, string>>;
}

export interface Stack {
  readonly config: Config;
  readonly paths: StackPaths;
  readonly originUrl: string;
  readonly authUrl: string;
  /** Re-renders nginx from a new config (signing keys), reloads it, and restarts the auth service. */
  reload(config: Config, env: NodeJS.ProcessEnv): Promise<void>;
  /** Stops every child, newest first. */
  stop(): Promise<void>;
  /** Settles when any child exits on its own. */
  readonly crashed: Promise<string>;
}

/**
 * Waits for a just-started process to answer; stops it if it never does. With
 * `ownPid`, the answer must carry the child's pid, so a stray process holding
 * the port is not mistaken for it.
 */
async function readyOrStopped(child: ManagedProcess, url: string, timeoutMs: number, ownPid = false): Promise<ManagedProcess> {
  try {
    const ok = ownPid ? (status: number, body: string) => status === 200 && body.includes(`"pid":${child.pid}`) : undefined;
    await waitForHttp(url, { timeoutMs, exited: child.exited, what: child.name, ok });
    return child;
  } catch (err) {
    await child.stop();
    throw err;
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.progress ?? (() => {});
  let config = options.config;
  const paths = stackPaths(config.dataDir);
  for (const dir of [paths.minioData, paths.minioEvents, paths.logs, paths.run, paths.collector]) await mkdir(dir, { recursive: true });
  await prepareWebRoot(paths.web);
  await stopLeftovers(paths.run, say);
  const { ports } = config;
  const transcoderPorts = Array.from({ length: config.transcoder.workers }, (_, i) => config.transcoder.port + i);
  await assertPortsFree(config.bindHost, [ports.minio, ports.minioConsole, config.database.port, ...transcoderPorts, ports.auth, ports.origin, ports.collector]);
  const running: Supervised[] = [];
  let reportCrash: (what: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));
  const keep = async <T extends ManagedProcess>(name: string, restartOnCrash: boolean, start: () => Promise<T>) => {
    const supervised = await supervise({ name, start, runDir: paths.run, restartOnCrash, onCrash: reportCrash, say });
    running.push(supervised);
    return supervised;
  };
  const stop = async () => {
    for (const child of running) child.release();
    for (const child of running.reverse()) await child.stop();
  };
  const local = (port: number) => `http://${config.bindHost}:${port}`;

  try {
    say(`starting MinIO on ${local(config.ports.minio)} (data in ${paths.minioData})`);
    await keep('minio', false, async () => {
      const minio = startProcess({
        name: 'minio', command: findTool('minio'), args: minioServerArgs(config, paths.minioData),
        env: minioServerEnv(config, paths.minioEvents), logFile: resolve(paths.logs, 'minio.log'),
      });
      return readyOrStopped(minio, `${config.minio.endpoint}/minio/health/ready`, 60_000);
    });
    say(await initMinio(config));
    say(`starting PostgreSQL on ${config.database.host}:${config.database.port} (data in ${paths.postgresData})`);
    await keep('postgres', false, () => startPostgres({ db: config.database, admin: config.databaseAdmin, dataDir: paths.postgresData, logFile: resolve(paths.logs, 'postgres.log') }));
    const migrations = await setUpDatabase(config.database, config.databaseAdmin, say);
    say(migrations.length ? `database ${config.database.database}: applied ${migrations.join(', ')}` : `database ${config.database.database}: up to date`);
    if (options.seed) await options.seed(config, paths);

    // A TypeScript service of services/<name>, run with tsx, ready when /healthz answers; `label` names its process and log.
    let env = options.env;
    const startService = async (name: string, port: number, extraEnv: NodeJS.ProcessEnv = {}, label = name) => {
      say(`starting the ${label} service on ${local(port)}`);
      const service = startProcess({
        name: label, command: process.execPath, args: ['--import', 'tsx', resolve(REPO_ROOT, `services/${name}/src/server.ts`)],
        env: { ...env, ...extraEnv }, cwd: REPO_ROOT, logFile: resolve(paths.logs, `${label}.log`),
      });
      return readyOrStopped(service, `${local(port)}/healthz`, 30_000, true);
    };
    // Transcoder workers share the queue in PostgreSQL. The first is MinIO's webhook target; every one
    // answers the webhook, /healthz and /metrics on its own port, and works in a folder of its own.
    for (const [i, port] of transcoderPorts.entries()) {
      const label = i === 0 ? 'transcoder' : `transcoder-${i + 1}`;
      const workDir = config.transcoder.workDir && config.transcoder.workers > 1 ? { VIDGATE_TRANSCODER_WORK_DIR: resolve(config.transcoder.workDir, label) } : {};
      await keep(label, true, () => startService('transcoder', port, { VIDGATE_TRANSCODER_PORT: String(port), ...workDir }, label));
    }
    const auth = await keep('auth', true, () => startService('auth', config.ports.auth));

    say(`starting nginx on ${local(config.ports.origin)}`);
    const nginx = await keep('nginx', false, () => startNginx({ config, paths, extra: options.nginxExtra }));
    await keep('collector', true, () => startService('collector', config.ports.collector, {
      VIDGATE_COLLECTOR_LOG: resolve(paths.nginxLogs, 'access.log'),
      VIDGATE_COLLECTOR_STATE: resolve(paths.collector, 'state.json'),
    }));

    return {
      get config() { return config; },
      paths,
      originUrl: local(config.ports.origin),
      authUrl: local(config.ports.auth),
      async reload(next, nextEnv) {
        config = next;
        env = nextEnv;
        await nginx.current.reload(next);
        await auth.restart();
      },
      stop,
      crashed,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
