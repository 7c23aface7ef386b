import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/stack/src/stack-config.ts';
import { loadCollectorConfig } from '../../services/collector/src/collector-config.ts';
import { loadNginxConfig } from '../../services/stack/src/nginx-config.ts';
import { SERVICE_READS as READS } from '../support/containers.ts';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';
import { BASE, SCALE_OUT, composeConfig, dockerfileInstructions, exampleEnvFile, resolvedModel, type ComposeModel, type ComposeService } from './compose-files.ts';

// docker-compose.yml and the scale-out override, checked with a real Compose
// implementation's config check and against the rules of issue 6: pinned
// images, a health check on every long-running service, only nginx (and
// Grafana) published, MinIO internal, defaults and variables defined once.
const LAYOUTS = { base: [BASE], 'scale-out': [BASE, SCALE_OUT] } as const;
let envFile: string;
const models: Partial<Record<keyof typeof LAYOUTS, ComposeModel>> = {};

beforeAll(async () => {
  envFile = await exampleEnvFile();
  for (const [name, files] of Object.entries(LAYOUTS)) models[name as keyof typeof LAYOUTS] = await resolvedModel([...files], envFile);
});

const model = (layout: keyof typeof LAYOUTS): ComposeModel => models[layout]!;

/** The image's tag (or digest), or undefined when the reference has none. */
function tagOf(image: string): string | undefined {
  if (image.includes('@')) return image.split('@')[1];
  const last = image.split('/').pop()!;
  return last.includes(':') ? last.split(':')[1] : undefined;
}

/** The HEALTHCHECK of the Dockerfile's last stage: the image that runs. */
async function imageHealthcheck(service: ComposeService): Promise<string | undefined> {
  if (!service.build) return undefined;
  const instructions = await dockerfileInstructions(service.build.dockerfile ?? 'Dockerfile');
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  return instructions.slice(lastFrom).find((i) => i.keyword === 'HEALTHCHECK')?.args;
}

function isOneShot(name: string, m: ComposeModel): boolean {
  const awaited = Object.values(m.services).some((s) => s.depends_on?.[name]?.condition === 'service_completed_successfully');
  return m.services[name]!.restart === 'no' && awaited;
}

describe.each(Object.keys(LAYOUTS) as (keyof typeof LAYOUTS)[])('the %s layout', (layout) => {
  it('passes `docker-compose config -q` with .env.example as .env', async () => {
    const result = await composeConfig([...LAYOUTS[layout]], envFile, ['-q']);
    expect(result.code, result.stderr).toBe(0);
  });

  it('pins every image to a version tag, never latest', () => {
    for (const [name, service] of Object.entries(model(layout).services)) {
      const tag = tagOf(service.image ?? '');
      expect(tag, `${name}: ${service.image}`).toBeDefined();
      expect(tag, `${name}: ${service.image}`).not.toBe('latest');
    }
  });

  it('gives every long-running service a health check; the rest are one-shots others wait for', async () => {
    for (const [name, service] of Object.entries(model(layout).services)) {
      const fromImage = await imageHealthcheck(service);
      const checked = (service.healthcheck?.test && !service.healthcheck.disable) || (fromImage && !/^NONE\b/.test(fromImage));
      if (checked) {
        expect(service.restart, name).toBe('unless-stopped');
      } else {
        expect(isOneShot(name, model(layout)), `${name} has no health check and is not a one-shot`).toBe(true);
      }
    }
  });

  it('waits on health or completion only (or, for a network holder, on its start)', () => {
    for (const [name, service] of Object.entries(model(layout).services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const holder = service.network_mode === `service:${dependency}`;
        expect(['service_healthy', 'service_completed_successfully', ...(holder ? ['service_started'] : [])], `${name} → ${dependency}`).toContain(condition);
      }
    }
  });

  it('publishes only nginx and Grafana, and keeps MinIO on the internal network', () => {
    const m = model(layout);
    const published = Object.entries(m.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(published.sort()).toEqual(['grafana', 'nginx']);
    expect(m.networks?.backend?.internal).toBe(true);
    for (const [name, service] of Object.entries(m.services)) {
      if (!(service.image ?? '').includes('minio/minio')) continue;
      // A node is on the backend network itself, or inside the network of a holder that is.
      const holder = service.network_mode?.replace(/^service:/, '');
      expect(Object.keys((holder ? m.services[holder]! : service).networks ?? {}), name).toEqual(['backend']);
    }
  });
});

describe('the scale-out layout', () => {
  it('runs a 4-node MinIO with two drives each, and auth, origin and transcoder replicas', () => {
    const { services } = model('scale-out');
    const nodes = Object.entries(services).filter(([, s]) => (s.command ?? []).includes('server'));
    expect(nodes.map(([name]) => name).sort()).toEqual(['minio', 'minio2', 'minio3', 'minio4']);
    for (const [name, node] of nodes) {
      expect(node.command).toContain('http://minio{1...4}/data{1...2}');
      // Its address is held by a container of its own, answering as minioN and minio.
      const holder = services[node.network_mode!.replace(/^service:/, '')]!;
      expect(JSON.stringify(holder.networks), name).toMatch(new RegExp(`"aliases":\\["minio${name === 'minio' ? 1 : name.slice(-1)}","minio"\\]`));
    }
    expect((services.auth as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
    expect((services.origin as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
    expect(services.nginx!.command).toContain('/etc/nginx/vidgate-lb/lb.conf');
    // The transcoders share the queue in PostgreSQL; each empties its own work folder when it starts, so none shares one.
    expect((services.transcoder as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
    const [work] = services.transcoder!.volumes as { type: string; source?: string; target: string }[];
    expect({ ...work, source: work?.source ?? 'anonymous' }).toMatchObject({ type: 'volume', source: 'anonymous', target: '/var/lib/vidgate/transcoder' });
  });
});

describe('defaults and variables are defined once', () => {
  const namesIn = (text: string, pattern: RegExp) => new Set([...text.matchAll(pattern)].map((m) => m[1]!));

  it('documents in .env.example every variable the services read and every variable the compose files use', async () => {
    const example = await readFile(resolve(REPO_ROOT, '.env.example'), 'utf8');
    const read = Object.values(READS).flat().filter((name) => !name.endsWith('_FILE'));
    const composeText = (await Promise.all([BASE, SCALE_OUT].map((f) => readFile(resolve(REPO_ROOT, f), 'utf8')))).join('\n');
    const interpolated = namesIn(composeText, /\$\{([A-Z][A-Z0-9_]*)/g);
    for (const name of [...read, ...interpolated]) expect(example, `${name} is not in .env.example`).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each(Object.keys(READS))('gives %s only variables its own loader reads (least privilege; no typo goes unnoticed)', (name) => {
    const given = Object.keys(model('base').services[name]!.environment ?? {}).filter((v) => v.startsWith('VIDGATE_'));
    expect(given.length).toBeGreaterThan(0);
    for (const variable of given) expect(READS[name], `${name}: ${variable}`).toContain(variable);
  });

  it('states in .env.example the defaults the services really have', async () => {
    const example = await readFile(resolve(REPO_ROOT, '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^#(VIDGATE_[A-Z0-9_]+)=(\S*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    const secrets = { VIDGATE_SIGNING_KEYS: `k1:${'k'.repeat(40)}`, VIDGATE_JWT_SECRET: 'j'.repeat(40), VIDGATE_MINIO_ROOT_PASSWORD: 'root-password', VIDGATE_NGINX_S3_SECRET: 'nginx-secret',
      VIDGATE_AUTH_S3_SECRET: 'auth-secret', VIDGATE_TRANSCODER_S3_SECRET: 'transcoder-secret', VIDGATE_WEBHOOK_TOKEN: 'w'.repeat(40),
      VIDGATE_DB_PASSWORD: 'd'.repeat(20), VIDGATE_DB_ADMIN_PASSWORD: 'a'.repeat(20) };
    const base = { ...secrets, VIDGATE_ENV: 'production', VIDGATE_PUBLIC_URL: 'https://video.example.com', VIDGATE_COLLECTOR_LOG: '/log', VIDGATE_COLLECTOR_STATE: '/state' };
    const read = (env: Record<string, string>) => ({ ...loadConfig(env), collector: loadCollectorConfig(env), nginx: loadNginxConfig(env) });
    const composeOnly = /^VIDGATE_(VERSION|HTTPS?_PORT|TLS|TLS_DIR|GRAFANA_\w+|PROMETHEUS_RETENTION|\w+_REPLICAS)$/;
    const checked = documented.filter(([name, value]) => value !== '' && !composeOnly.test(name));
    expect(checked.length).toBeGreaterThan(25);
    for (const [name, value] of checked) expect(read({ ...base, [name]: value }), `${name}=${value}`).toEqual(read(base));
  });

  it("gives MinIO and minio-init the services' own defaults", () => {
    const defaults = loadConfig({}).minio;
    const init = model('base').services['minio-init']!.environment!;
    expect(init).toMatchObject({
      VIDGATE_BUCKET: defaults.bucket,
      MINIO_ROOT_USER: defaults.root.accessKey,
      VIDGATE_NGINX_S3_ACCESS_KEY: defaults.nginx.accessKey,
      VIDGATE_AUTH_S3_ACCESS_KEY: defaults.auth.accessKey,
      VIDGATE_TRANSCODER_S3_ACCESS_KEY: defaults.transcoder.accessKey,
    });
    expect(model('base').services.minio!.environment).toMatchObject({ MINIO_ROOT_USER: defaults.root.accessKey, MINIO_REGION: defaults.region });
  });
});
