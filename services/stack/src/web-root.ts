import { cp, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import { NGINX_SRC } from './paths.ts';

const require = createRequire(import.meta.url);

/** The pages nginx serves at "/": nginx/web plus hls.js, oidc-client-ts and Uppy from npm (never a CDN). */
export async function prepareWebRoot(webDir: string): Promise<void> {
  await mkdir(resolve(webDir, 'vendor'), { recursive: true });
  await cp(resolve(NGINX_SRC, 'web'), webDir, { recursive: true });
  await cp(require.resolve('hls.js/dist/hls.min.js'), resolve(webDir, 'vendor/hls.min.js'));
  // Its package exports no browser build; the file is beside its package.json.
  await cp(resolve(dirname(require.resolve('oidc-client-ts/package.json')), 'dist/browser/oidc-client-ts.min.js'), resolve(webDir, 'vendor/oidc-client-ts.min.js'));
  await bundleUppy(resolve(webDir, 'vendor/uppy.min.js'));
}

/**
 * Uppy's own browser build holds every plugin (≈ 590 KB, Dashboard, Tus,
 * remote sources…); the upload page needs the core and the S3 uploader only,
 * so they are bundled here (≈ 80 KB) as Uppy's README recommends. Version 5:
 * @uppy/aws-s3 6 dropped the multipart callbacks our presign endpoints drive.
 */
async function bundleUppy(outfile: string): Promise<void> {
  const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  await build({
    stdin: { contents: "export { default as Uppy } from '@uppy/core';\nexport { default as AwsS3 } from '@uppy/aws-s3';\n", resolveDir: import.meta.dirname, loader: 'js' },
    bundle: true, minify: true, format: 'iife', globalName: 'Uppy', target: 'es2020', outfile, logLevel: 'error',
    banner: { js: `/*! @uppy/core ${version('@uppy/core')}, @uppy/aws-s3 ${version('@uppy/aws-s3')}: MIT licence, https://uppy.io */` },
  });
}
