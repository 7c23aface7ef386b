import { isIP } from 'node:net';
import { z } from 'zod';
import { parseEnv, port, whole, type Env } from '@vidgate/common/config/env';
import { CREDENTIALS, credentialsSection, list, PROCESS, processSection, SIGNING_KEYS, signingKeysSection, STORAGE, storageSection, UPLOAD_EDGE, uploadEdgeSection } from '@vidgate/common/config/sections';

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

/**
 * nginx's cache of media objects, filled after a request's signature is checked
 * and keyed by the object path: every viewer of a video shares one copy.
 * FRESH is how long a copy is served without asking MinIO whether it changed
 * (a conditional request, not the bytes): the bound on serving a deleted or
 * replaced object. PATH defaults to the stack's own folder (a volume in compose).
 */
const nginxSize = (units: string) => z.string().regex(new RegExp(`^[1-9][0-9]*[${units}]$`), `must be a size like 10g (units ${units})`);
export const EDGE_CACHE = {
  VIDGATE_EDGE_CACHE_PATH: z.string().regex(/^\/[^\s;'"]*$/, 'must be an absolute path without spaces').optional(),
  VIDGATE_EDGE_CACHE_MAX_SIZE: nginxSize('kmg').default('10g'),
  VIDGATE_EDGE_CACHE_INACTIVE: z.string().regex(/^[1-9][0-9]*[smhd]$/, 'must be a time like 7d (units s, m, h, d)').default('7d'),
  VIDGATE_EDGE_CACHE_FRESH: whole.pipe(z.number().int().min(1).max(3_600)).default(30),
  VIDGATE_EDGE_CACHE_SLICE: nginxSize('km').default('1m'),
};
export const edgeCacheSection = (e: z.infer<z.ZodObject<typeof EDGE_CACHE>>) => Object.freeze({
  path: e.VIDGATE_EDGE_CACHE_PATH,
  maxSize: e.VIDGATE_EDGE_CACHE_MAX_SIZE,
  inactive: e.VIDGATE_EDGE_CACHE_INACTIVE,
  freshSeconds: e.VIDGATE_EDGE_CACHE_FRESH,
  slice: e.VIDGATE_EDGE_CACHE_SLICE,
});

/**
 * What one client address may do at the edge, on /v1/ and the upload routes
 * (media is not limited: every media request carries a signature, and a
 * player fetches segments in bursts). Sized for a real player and uploader:
 * starting playback costs about 4 API requests (playback, master, one or two
 * media playlists), an upload page a few plus one per 100 parts, so 20/s with
 * a burst of 100 lets some 25 viewers behind one NAT start at once. Refusals
 * are 429 with Retry-After. EXEMPT lists addresses never limited (monitoring);
 * TRUSTED_PROXIES the load balancers in front, whose X-Forwarded-For names the
 * client (the loopback always is one: the HTTPS server hands requests to the
 * origin server over it). The timeouts end slow or stalled clients.
 */
const rate = whole.pipe(z.number().int().min(1).max(100_000));
const isCidr = (entry: string) => {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  return family !== 0 && extra === undefined && (bits === undefined || (/^[0-9]+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
};
const cidrList = z.string().default('').transform(list).refine((entries) => entries.every(isCidr), 'must be a comma-separated list of addresses or CIDR ranges like 10.0.0.0/8');
export const EDGE_LIMITS = {
  VIDGATE_LIMIT_API_RATE: rate.default(20),
  VIDGATE_LIMIT_API_BURST: rate.default(100),
  VIDGATE_LIMIT_UPLOAD_RATE: rate.default(20),
  VIDGATE_LIMIT_UPLOAD_BURST: rate.default(200),
  VIDGATE_LIMIT_CONNECTIONS: rate.default(100),
  VIDGATE_LIMIT_EXEMPT: cidrList,
  VIDGATE_TRUSTED_PROXIES: cidrList,
  VIDGATE_CLIENT_HEADER_TIMEOUT: whole.pipe(z.number().int().min(1).max(600)).default(10),
  VIDGATE_CLIENT_BODY_TIMEOUT: whole.pipe(z.number().int().min(1).max(600)).default(20),
  VIDGATE_SEND_TIMEOUT: whole.pipe(z.number().int().min(1).max(600)).default(30),
};
export const edgeLimitsSection = (e: z.infer<z.ZodObject<typeof EDGE_LIMITS>>) => Object.freeze({
  api: Object.freeze({ rate: e.VIDGATE_LIMIT_API_RATE, burst: e.VIDGATE_LIMIT_API_BURST }),
  upload: Object.freeze({ rate: e.VIDGATE_LIMIT_UPLOAD_RATE, burst: e.VIDGATE_LIMIT_UPLOAD_BURST }),
  connections: e.VIDGATE_LIMIT_CONNECTIONS,
  exempt: e.VIDGATE_LIMIT_EXEMPT,
  trustedProxies: e.VIDGATE_TRUSTED_PROXIES,
  timeouts: Object.freeze({ header: e.VIDGATE_CLIENT_HEADER_TIMEOUT, body: e.VIDGATE_CLIENT_BODY_TIMEOUT, send: e.VIDGATE_SEND_TIMEOUT }),
});

/** Every variable nginx's rendered configuration is made from, and nothing else: no JWT secret, no other MinIO user. */
export const NGINX_SHAPE = { ...PROCESS, ...NGINX_EDGE, ...EDGE_CACHE, ...EDGE_LIMITS, ...STORAGE, ...CREDENTIALS.nginx, ...SIGNING_KEYS, ...UPLOAD_EDGE };

/** The configuration `vidgate render-nginx` renders nginx's files from. */
export function loadNginxConfig(env: Env = process.env) {
  const e = parseEnv(NGINX_SHAPE, env);
  return Object.freeze({
    ...processSection(e),
    ports: Object.freeze({ origin: e.VIDGATE_ORIGIN_PORT }),
    ...nginxEdgeSection(e),
    edgeCache: edgeCacheSection(e),
    limits: edgeLimitsSection(e),
    minio: Object.freeze({ ...storageSection(e), nginx: credentialsSection.nginx(e) }),
    signing: Object.freeze(signingKeysSection(e)),
    uploads: uploadEdgeSection(e),
  });
}

export type NginxConfig = ReturnType<typeof loadNginxConfig>;
