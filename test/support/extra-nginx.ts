import { mkdir } from 'node:fs/promises';
import { loadConfig, type Config } from '../../services/stack/src/stack-config.ts';
import { startNginx, type NginxProcess } from '../../services/stack/src/nginx-process.ts';
import { stackPaths, type StackPaths } from '../../services/stack/src/paths.ts';
import { TEST_ENV, testConfig } from './test-stack.ts';

export interface ExtraNginx {
  nginx: NginxProcess;
  config: Config;
  paths: StackPaths;
  origin: string;
}

/** The test environment with some variables replaced, parsed like the services parse theirs. */
export function extraConfig(overrides: Readonly<Record<string, string>>): Config {
  return loadConfig({ ...TEST_ENV, ...overrides });
}

/**
 * A second nginx beside the test stack's, rendered from the same templates for a
 * variant of the test config, with its own port and its own folder under the
 * test data directory. It reads the test stack's MinIO unless told otherwise.
 */
export async function startExtraNginx(name: string, overrides: Readonly<Record<string, string>>, extra?: Readonly<Record<string, string>>): Promise<ExtraNginx> {
  const config = extraConfig(overrides);
  const paths = stackPaths(`${testConfig.dataDir}/${name}`);
  await mkdir(paths.logs, { recursive: true });
  const nginx = await startNginx({ config, paths, extra });
  return { nginx, config, paths, origin: nginx.url };
}
