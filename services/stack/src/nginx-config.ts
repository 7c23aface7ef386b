import { isIP } from 'node:net';
import { z } from 'zod';
import { parseEnv, port, type Env } from '@vidgate/common/config/env';
import { CREDENTIALS, credentialsSection, PROCESS, processSection, SIGNING_KEYS, signingKeysSection, STORAGE, storageSection, UPLOAD_EDGE, uploadEdgeSection } from '@vidgate/common/config/sections';

/**
 * How nginx reaches the services behind it. An address gets a fixed upstream
 * with a pool of kept-alive connections; a name (a compose service, which may
 * stand for several replicas that come and go) is re-resolved every few
 * seconds through VIDGATE_NGINX_RESOLVER, Docker's 127.0.0.11 in compose.
 */
export const NGINX_EDGE = {
  VIDGATE_BIND_HOST: PROCESS.VIDGATE_BIND_HOST,
  VIDGATE_ORIGIN_PORT: port.default(8080),
  VIDGATE_AUTH_PORT: port.default(8081),
  VIDGATE_AUTH_UPSTREAM: z.string().regex(/^[A-Za-z0-9.-]+:\d+$/, 'must be host:port').optional(),
  VIDGATE_NGINX_RESOLVER: z.string().refine((a) => isIP(a) !== 0, 'must be the IP address of a DNS server').optional(),
};

export function nginxEdgeSection(e: z.infer<z.ZodObject<typeof NGINX_EDGE>>) {
  return { authUpstream: e.VIDGATE_AUTH_UPSTREAM ?? `${e.VIDGATE_BIND_HOST}:${e.VIDGATE_AUTH_PORT}`, resolver: e.VIDGATE_NGINX_RESOLVER };
}

/** Every variable nginx's rendered configuration is made from, and nothing else: no JWT secret, no other MinIO user. */
export const NGINX_SHAPE = { ...PROCESS, ...NGINX_EDGE, ...STORAGE, ...CREDENTIALS.nginx, ...SIGNING_KEYS, ...UPLOAD_EDGE };

/** The configuration `vidgate render-nginx` renders nginx's files from. */
export function loadNginxConfig(env: Env = process.env) {
  const e = parseEnv(NGINX_SHAPE, env);
  return Object.freeze({
    ...processSection(e),
    ports: Object.freeze({ origin: e.VIDGATE_ORIGIN_PORT }),
    ...nginxEdgeSection(e),
    minio: Object.freeze({ ...storageSection(e), nginx: credentialsSection.nginx(e) }),
    signing: Object.freeze(signingKeysSection(e)),
    uploads: uploadEdgeSection(e),
  });
}

export type NginxConfig = ReturnType<typeof loadNginxConfig>;
