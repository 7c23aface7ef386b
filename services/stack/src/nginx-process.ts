import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from './stack-config.ts';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import type { StackPaths } from './paths.ts';
import { renderNginx } from './render-nginx.ts';
import { findTool } from './tools.ts';
import { waitForHttp } from './wait-ready.ts';

const run = promisify(execFile);

export interface NginxProcess extends ManagedProcess {
  readonly url: string;
  /** Re-renders from a new config, checks it with nginx -t, reloads, and waits for the new workers. */
  reload(config: Config): Promise<void>;
}

/** Renders the templates for a config, checks them with `nginx -t`, and runs nginx in the foreground. */
export async function startNginx(options: { config: Config; paths: StackPaths; extra?: Readonly<Record<string, string>> }): Promise<NginxProcess> {
  const bin = findTool('nginx');
  let generation = 1;
  let config = options.config;
  const render = async () => {
    const conf = await renderNginx({ config, paths: options.paths, extra: options.extra, generation: String(generation) });
    const args = ['-p', options.paths.nginxRun, '-c', conf, '-e', resolve(options.paths.nginxLogs, 'error.log')];
    await run(bin, [...args, '-t', '-q']).catch((err: { stderr?: string }) => {
      throw new Error(`rendered nginx config is invalid: ${err.stderr ?? String(err)}`);
    });
    return args;
  };
  const args = await render();
  const url = `http://${config.bindHost}:${config.ports.origin}`;
  const child = startProcess({ name: 'nginx', command: bin, args: [...args, '-g', 'daemon off;'], logFile: resolve(options.paths.logs, 'nginx.log') });
  const serves = () => waitForHttp(`${url}/healthz`, {
    timeoutMs: 15_000, exited: child.exited, what: `nginx (config generation ${generation})`,
    ok: (status, body) => status === 200 && body.includes(`"generation":"${generation}"`),
  });
  try {
    await serves();
  } catch (err) {
    await child.stop();
    throw err;
  }
  return {
    ...child,
    url,
    async reload(next: Config) {
      config = next;
      generation += 1;
      await run(bin, [...(await render()), '-s', 'reload']);
      // nginx swaps workers asynchronously: wait until the new generation answers.
      await serves();
    },
  };
}
