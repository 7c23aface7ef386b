import { cp, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { NGINX_SRC } from './paths.ts';

const require = createRequire(import.meta.url);

/** The pages nginx serves at "/": nginx/web plus hls.js and oidc-client-ts from npm (never a CDN). */
export async function prepareWebRoot(webDir: string): Promise<void> {
  await mkdir(resolve(webDir, 'vendor'), { recursive: true });
  await cp(resolve(NGINX_SRC, 'web'), webDir, { recursive: true });
  await cp(require.resolve('hls.js/dist/hls.min.js'), resolve(webDir, 'vendor/hls.min.js'));
  // Its package exports no browser build; the file is beside its package.json.
  await cp(resolve(dirname(require.resolve('oidc-client-ts/package.json')), 'dist/browser/oidc-client-ts.min.js'), resolve(webDir, 'vendor/oidc-client-ts.min.js'));
}
