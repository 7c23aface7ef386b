import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackPaths } from '../../services/stack/src/paths.ts';
import { TEST_ENV, testConfig } from '../support/test-stack.ts';
import { BASE, TEST_OVERRIDE, composeConfig, resolvedModel, type ComposeModel } from './compose-files.ts';
import { testTarget, writeComposeTestEnv } from './container-stack.ts';

// What VIDGATE_TEST_TARGET=containers starts, checked without a Docker engine:
// the compose stack configured from the test stack's environment, with the test
// stack's ports and access log, so the same tests can run against it.
let envFile: string;
let model: ComposeModel;

beforeAll(async () => {
  ({ file: envFile } = await writeComposeTestEnv(await mkdtemp(join(tmpdir(), 'vidgate-containers-check-'))));
  model = await resolvedModel([BASE, TEST_OVERRIDE], envFile);
});

it('selects the target from VIDGATE_TEST_TARGET: local processes unless told otherwise', () => {
  expect(testTarget({})).toBe('processes');
  expect(testTarget({ VIDGATE_TEST_TARGET: 'containers' })).toBe('containers');
  expect(() => testTarget({ VIDGATE_TEST_TARGET: 'docker' })).toThrow(/VIDGATE_TEST_TARGET must be/);
});

describe('docker-compose.yml + deploy/compose/test.yml', () => {
  it('passes `docker-compose config -q` with the env file the suite writes', async () => {
    const result = await composeConfig([BASE, TEST_OVERRIDE], envFile, ['-q']);
    expect(result.code, result.stderr).toBe(0);
  });

  it("publishes the test stack's ports, on the loopback only", () => {
    const published = (name: string) => JSON.stringify(model.services[name]!.ports ?? []);
    const expected = { nginx: testConfig.ports.origin, minio: testConfig.ports.minio, auth: testConfig.ports.auth, transcoder: testConfig.transcoder.port, collector: testConfig.ports.collector };
    for (const [name, port] of Object.entries(expected)) expect(published(name), name).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\b|"published":"?${port}"?.*"host_ip":"127\\.0\\.0\\.1"`));
    for (const service of Object.values(model.services)) expect(JSON.stringify(service.ports ?? [])).not.toMatch(/0\.0\.0\.0/);
  });

  it('gives the services every setting of the test environment', () => {
    const env = model.services.auth!.environment!;
    for (const [name, value] of Object.entries(TEST_ENV)) {
      if (/_PORT$|^VIDGATE_(DATA_DIR|SIGNING_KEYS)$/.test(name)) continue;
      expect(env[name], name).toBe(value);
    }
    expect(env.VIDGATE_SIGNING_KEYS_FILE).toBe('/run/secrets/signing_keys');
  });

  it("writes nginx's access log where the tests read it", () => {
    const logs = stackPaths(testConfig.dataDir).nginxLogs;
    for (const name of ['nginx', 'collector']) expect(JSON.stringify(model.services[name]!.volumes), name).toContain(`${logs}:/var/log/vidgate`);
  });
});
