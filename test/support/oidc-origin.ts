import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startProcess, type ManagedProcess } from '../../services/stack/src/managed-process.ts';
import { REPO_ROOT, stackPaths } from '../../services/stack/src/paths.ts';
import { prepareWebRoot } from '../../services/stack/src/web-root.ts';
import { startExtraNginx, type ExtraNginx } from './extra-nginx.ts';
import { startTestIdentityProvider, TEST_AUDIENCE, type TestIdentityProvider } from './oidc-provider.ts';
import { eventually } from './poll.ts';
import { TEST_ENV, testConfig } from './test-stack.ts';

export interface OidcOrigin {
  url: string;
  idp: TestIdentityProvider;
  stop(): Promise<void>;
}

/**
 * An origin whose pages sign in with the test identity provider (oidc-provider),
 * beside the test stack and on its MinIO, database and transcoder: a provider,
 * an auth service configured for it (demo login off) and an nginx in front.
 */
export async function startOidcOrigin(name: string, ports: { origin: number; auth: number }): Promise<OidcOrigin> {
  const url = `http://${testConfig.bindHost}:${ports.origin}`;
  const idp = await startTestIdentityProvider({ webRedirectUris: ['/', '/upload.html', '/library.html'].map((p) => url + p) });
  const originEnv = { VIDGATE_ORIGIN_PORT: String(ports.origin), VIDGATE_AUTH_PORT: String(ports.auth), VIDGATE_PUBLIC_URL: url };
  const env = {
    ...TEST_ENV, ...originEnv, VIDGATE_DEMO_LOGIN: 'false',
    VIDGATE_OIDC_ISSUER: idp.issuer, VIDGATE_OIDC_AUDIENCE: TEST_AUDIENCE, VIDGATE_OIDC_CLIENT_ID: 'vidgate-web', VIDGATE_OIDC_USER_CLAIM: 'preferred_username',
  };
  const paths = stackPaths(`${testConfig.dataDir}/${name}`);
  await mkdir(paths.logs, { recursive: true });
  await prepareWebRoot(paths.web);
  let auth: ManagedProcess | undefined;
  let origin: ExtraNginx | undefined;
  const stop = async () => {
    await origin?.nginx.stop();
    await auth?.stop();
    await idp.stop();
  };
  try {
    auth = startProcess({
      name: `auth (${name})`, command: process.execPath, args: ['--import', 'tsx', resolve(REPO_ROOT, 'services/auth/src/server.ts')],
      env: { ...process.env, ...env }, cwd: REPO_ROOT, logFile: resolve(paths.logs, 'auth.log'),
    });
    await eventually(`the ${name} origin's auth service`, () => fetch(`http://${testConfig.bindHost}:${ports.auth}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 30_000);
    origin = await startExtraNginx(name, originEnv);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, idp, stop };
}
