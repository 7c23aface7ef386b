import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '@vidgate/common/config';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import { initMinio, minioServerArgs, minioServerEnv } from './minio-setup.ts';
import { REPO_ROOT, stackPaths, type StackPaths } from './paths.ts';
import { startNginx } from './nginx-process.ts';
import { findTool } from './tools.ts';
import { waitForHttp } from './wait-ready.ts';
import { prepareWebRoot } from './web-root.ts';

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

export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.progress ?? (() => {});
  let config = options.config;
  const paths = stackPaths(config.dataDir);
  for (const dir of [paths.minioData, paths.minioEvents, paths.logs]) await mkdir(dir, { recursive: true });
  await prepareWebRoot(paths.web);
  const children: ManagedProcess[] = [];
  let stopping = false;
  let reportCrash: (what: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));
  // A child that exits while it is still part of the stack has crashed.
  const track = <T extends ManagedProcess>(child: T): T => {
    children.push(child);
    void child.exited.then((code) => {
      if (!stopping && children.includes(child)) reportCrash(`${child.name} exited (${String(code)})`);
    });
    return child;
  };
  const stop = async () => {
    stopping = true;
    for (const child of [...children].reverse()) await child.stop();
  };
  const local = (port: number) => `http://${config.bindHost}:${port}`;

  try {
    say(`starting MinIO on ${local(config.ports.minio)} (data in ${paths.minioData})`);
    const minio = track(startProcess({
      name: 'minio', command: findTool('minio'), args: minioServerArgs(config, paths.minioData),
      env: minioServerEnv(config, paths.minioEvents), logFile: resolve(paths.logs, 'minio.log'),
    }));
    await waitForHttp(`${config.minio.endpoint}/minio/health/ready`, { timeoutMs: 60_000, exited: minio.exited, what: 'MinIO' });
    say(await initMinio(config));
    if (options.seed) await options.seed(config, paths);

    // A TypeScript service of services/<name>, run with tsx, ready when /healthz answers.
    const startService = async (name: string, port: number, env: NodeJS.ProcessEnv) => {
      say(`starting the ${name} service on ${local(port)}`);
      const service = startProcess({
        name, command: process.execPath, args: ['--import', 'tsx', resolve(REPO_ROOT, `services/${name}/src/server.ts`)],
        env, cwd: REPO_ROOT, logFile: resolve(paths.logs, `${name}.log`),
      });
      await waitForHttp(`${local(port)}/healthz`, { timeoutMs: 30_000, exited: service.exited, what: `${name} service` });
      return service;
    };
    track(await startService('transcoder', config.transcoder.port, options.env));
    let auth = track(await startService('auth', config.ports.auth, options.env));

    say(`starting nginx on ${local(config.ports.origin)}`);
    const nginx = track(await startNginx({ config, paths, extra: options.nginxExtra }));

    return {
      get config() { return config; },
      paths,
      originUrl: local(config.ports.origin),
      authUrl: local(config.ports.auth),
      async reload(next, env) {
        config = next;
        await nginx.reload(next);
        const old = auth;
        children.splice(children.indexOf(old), 1);
        await old.stop();
        auth = track(await startService('auth', next.ports.auth, env));
      },
      stop,
      crashed,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
