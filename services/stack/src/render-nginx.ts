import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { NginxConfig } from './nginx-config.ts';
import { ERROR_CONTEXTS, renderErrorBodies, renderErrorPages, renderJsonErrors, type ErrorContext } from './nginx-errors.ts';
import { NGINX_SRC, type StackPaths } from './paths.ts';

const PLACEHOLDER = /\$\{(VIDGATE_[A-Z0-9_]+)\}/g;

/** Replaces ${VIDGATE_*} placeholders (the same syntax envsubst renders in containers). */
function renderTemplate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`nginx template uses \${${name}}, which the renderer does not define`);
    return value;
  });
}

/** The keys map and upstream credentials, kept out of the templates and out of git. */
function renderSecrets(config: NginxConfig): string {
  // Regex entries: plain map strings compare case-insensitively, key ids must not.
  const keys = [...config.signing.keys].map(([kid, key]) => `    "~^${kid}$" "${key}";`).join('\n');
  const { accessKey, secretKey } = config.minio.nginx;
  return [
    '# Rendered secrets: signing keys by key id and the read-only MinIO user. Never commit.',
    'map $arg_kid $vidgate_signing_key {',
    '    default "";',
    keys,
    '}',
    `js_var $vidgate_s3_access_key "${accessKey}";`,
    `js_var $vidgate_s3_secret_key "${secretKey}";`,
    '',
  ].join('\n');
}

/** $vidgate_cors_origin: the request's Origin when it is an allowed one, else empty. */
function renderCors(config: NginxConfig): string {
  const allowed = config.uploads.corsOrigins.map((o) => `    "${o}" "${o}";`);
  return ['map $http_origin $vidgate_cors_origin {', '    default "";', ...allowed, '}', ''].join('\n');
}

/**
 * The client's address (from the last X-Forwarded-For entry a trusted proxy
 * added), and $vidgate_limit_key: that address, or empty (never limited) for an
 * exempt one.
 */
function renderLimits(config: NginxConfig): string {
  const proxies = ['127.0.0.1', ...config.limits.trustedProxies].map((range) => `set_real_ip_from ${range};`);
  const exempt = config.limits.exempt.map((range) => `    ${range} 1;`);
  return [...proxies, 'real_ip_header X-Forwarded-For;', 'geo $vidgate_limit_exempt {', '    default 0;', ...exempt, '}', 'map $vidgate_limit_exempt $vidgate_limit_key {', '    1 "";', '    default $binary_remote_addr;', '}', ''].join('\n');
}

/**
 * $vidgate_minio_backend and $vidgate_auth_backend, what proxy_pass names. An
 * address gets an upstream group with kept-alive connections. A name (a compose
 * service: several replicas that come and go) is looked up again every 2 s
 * through the resolver, so a stopped replica leaves the rotation within
 * seconds and a new one joins it; nginx resolves names given in an upstream
 * group only when it starts.
 */
function renderBackends(config: NginxConfig): string {
  const backends = [
    { name: 'minio', hostPort: new URL(config.minio.endpoint).host, setting: 'VIDGATE_MINIO_ENDPOINT', keepalive: 64 },
    { name: 'auth', hostPort: config.authUpstream, setting: 'VIDGATE_AUTH_UPSTREAM', keepalive: 16 },
  ];
  const lines = config.resolver ? [`resolver ${config.resolver} valid=2s ipv6=off;`, 'resolver_timeout 2s;'] : [];
  for (const { name, hostPort, setting, keepalive } of backends) {
    const host = hostPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      lines.push(`upstream vidgate_${name} {`, `    server ${hostPort} max_fails=0;`, `    keepalive ${keepalive};`, '}');
      lines.push(`map $host $vidgate_${name}_backend {`, `    default vidgate_${name};`, '}');
    } else if (config.resolver) {
      lines.push(`map $host $vidgate_${name}_backend {`, `    default ${hostPort};`, '}');
    } else {
      throw new Error(`${setting} names a host (${host}); nginx re-resolves names, so VIDGATE_NGINX_RESOLVER must be set (in Docker: 127.0.0.11)`);
    }
  }
  return `# Rendered: how nginx reaches MinIO and the auth service.\n${lines.join('\n')}\n`;
}

export interface NginxRenderOptions {
  config: NginxConfig;
  paths: StackPaths;
  workers?: number;
  /** Shown by /healthz, so a reload can be seen to have taken effect. */
  generation?: string;
  /** Extra http-level snippets, e.g. the benchmark's unsigned server. */
  extra?: Readonly<Record<string, string>>;
  /**
   * Where nginx will find its files when that is not where they are rendered:
   * a container mounts the rendered folder elsewhere. Default: the local stack's paths.
   */
  layout?: NginxLayout;
}

export interface NginxLayout {
  confDir: string;
  njsDir: string;
  webDir: string;
  runDir: string;
  logDir: string;
  /** The media cache's folder unless VIDGATE_EDGE_CACHE_PATH names another. */
  cacheDir: string;
}

function nginxVars({ config, paths, workers = 1, generation = '1', layout }: NginxRenderOptions): Record<string, string> {
  const at = layout ?? { confDir: paths.nginxConf, njsDir: resolve(NGINX_SRC, 'njs'), webDir: paths.web, runDir: paths.nginxRun, logDir: paths.nginxLogs, cacheDir: paths.nginxCache };
  const cache = config.edgeCache;
  return {
    VIDGATE_EDGE_CACHE_PATH: cache.path ?? at.cacheDir,
    VIDGATE_EDGE_CACHE_MAX_SIZE: cache.maxSize,
    VIDGATE_EDGE_CACHE_INACTIVE: cache.inactive,
    VIDGATE_EDGE_CACHE_FRESH: `${cache.freshSeconds}s`,
    VIDGATE_EDGE_CACHE_SLICE: cache.slice,
    VIDGATE_NGINX_WORKERS: String(workers),
    VIDGATE_NGINX_RUN_DIR: at.runDir,
    VIDGATE_NGINX_LOG_DIR: at.logDir,
    VIDGATE_NGINX_CONF_DIR: at.confDir,
    VIDGATE_NGINX_NJS_DIR: at.njsDir,
    VIDGATE_NGINX_WEB_DIR: at.webDir,
    VIDGATE_NGINX_LISTEN: `${config.bindHost}:${config.ports.origin}`,
    VIDGATE_BUCKET: config.minio.bucket,
    VIDGATE_MINIO_REGION: config.minio.region,
    VIDGATE_MINIO_HOST: new URL(config.minio.endpoint).host,
    VIDGATE_SIGN_MODE: config.signing.mode,
    VIDGATE_CONFIG_GENERATION: generation,
    VIDGATE_UPLOAD_MAX_BODY: String(config.uploads.maxBytes),
    VIDGATE_LIMIT_API_RATE: `${config.limits.api.rate}r/s`,
    VIDGATE_LIMIT_API_BURST: String(config.limits.api.burst),
    VIDGATE_LIMIT_UPLOAD_RATE: `${config.limits.upload.rate}r/s`,
    VIDGATE_LIMIT_UPLOAD_BURST: String(config.limits.upload.burst),
    VIDGATE_LIMIT_CONNECTIONS: String(config.limits.connections),
    VIDGATE_CLIENT_HEADER_TIMEOUT: `${config.limits.timeouts.header}s`,
    VIDGATE_CLIENT_BODY_TIMEOUT: `${config.limits.timeouts.body}s`,
    VIDGATE_SEND_TIMEOUT: `${config.limits.timeouts.send}s`,
  };
}

/** Renders every template into paths.nginxConf and returns the main config's path. */
export async function renderNginx(options: NginxRenderOptions): Promise<string> {
  const { paths } = options;
  const vars = nginxVars(options);
  await rm(paths.nginxConf, { recursive: true, force: true });
  // With a layout, the run and log folders are nginx's own (in its container).
  const own = options.layout ? [] : [paths.nginxRun, paths.nginxLogs];
  for (const dir of [paths.nginxConf, resolve(paths.nginxConf, 'extra'), ...own]) {
    await mkdir(dir, { recursive: true });
  }
  const templates = (await readdir(resolve(NGINX_SRC, 'templates'))).filter((f) => f.endsWith('.template'));
  for (const file of templates) {
    const text = await readFile(resolve(NGINX_SRC, 'templates', file), 'utf8');
    await writeFile(resolve(paths.nginxConf, file.replace(/\.template$/, '')), renderTemplate(text, vars));
  }
  for (const [name, text] of Object.entries(options.extra ?? {})) {
    await writeFile(resolve(paths.nginxConf, 'extra', `${name}.conf`), renderTemplate(text, vars));
  }
  await writeFile(resolve(paths.nginxConf, 'json-errors.conf'), renderJsonErrors(vars.VIDGATE_NGINX_CONF_DIR!));
  await writeFile(resolve(paths.nginxConf, 'error-bodies.conf'), renderErrorBodies());
  for (const context of Object.keys(ERROR_CONTEXTS) as ErrorContext[]) {
    await writeFile(resolve(paths.nginxConf, `error-pages-${context}.conf`), renderErrorPages(context));
  }
  await writeFile(resolve(paths.nginxConf, 'cors.conf'), renderCors(options.config));
  await writeFile(resolve(paths.nginxConf, 'limits.conf'), renderLimits(options.config));
  await writeFile(resolve(paths.nginxConf, 'backends.conf'), renderBackends(options.config));
  const secrets = resolve(paths.nginxConf, 'secrets.conf');
  await writeFile(secrets, renderSecrets(options.config), { mode: 0o600 });
  await chmod(secrets, 0o600);
  return resolve(paths.nginxConf, 'nginx.conf');
}
