import { beforeAll, describe, expect, it } from 'vitest';
import { existingCheckout, type Checkout } from '../support/docker/checkout.ts';
import { describeProject } from '../support/docker/compose-stack.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { inspect } from '../support/docker/faults.ts';
import { documentedSecrets, projectContainers, secretsOf, type ProjectContainer } from '../support/docker/least-privilege.ts';
import { SERVICE_READS } from '../support/containers.ts';
import { run } from '../support/run.ts';
import { COMPOSE_DIR, ORIGIN } from '../support/test-stack.ts';

// The one-host deployment as OPERATIONS.md leaves it: what runs, what each
// container holds, and what the configuration gate refuses.
let checkout: Checkout;
let containers: ProjectContainer[];

beforeAll(async () => {
  checkout = await existingCheckout(COMPOSE_DIR!, engineEnv());
  containers = await projectContainers(checkout);
});

describe('after `docker compose up -d --build --wait`', () => {
  it('runs every long-lived service healthy and every one-shot exited 0', async () => {
    const state = await describeProject(checkout);
    for (const line of state.split('\n')) expect(line).toMatch(/\trunning\thealthy\t|\texited\t\t0$/);
    expect(containers.map((c) => c.service).sort()).toEqual(['auth', 'collector', 'db-init', 'minio', 'minio-init', 'nginx', 'nginx-config', 'postgres', 'prometheus', 'transcoder']);
  });

  it('answers on the published port, as the last install step checks', async () => {
    const res = await fetch(`${ORIGIN}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});

describe('least privilege', () => {
  it('gives every container exactly the secrets OPERATIONS.md lists for it', async () => {
    const documented = await documentedSecrets();
    for (const container of containers) {
      expect(documented.has(container.service), `${container.service} is not in the table`).toBe(true);
      expect(await secretsOf(checkout, container), container.service).toEqual(documented.get(container.service));
    }
  });

  it('gives every Vidgate container only the settings its own process reads', async () => {
    for (const container of containers.filter((c) => SERVICE_READS[c.service])) {
      const env = JSON.parse(await inspect(checkout.env, container.id, '{{json .Config.Env}}')) as string[];
      const names = env.map((e) => e.split('=')[0]!).filter((n) => n.startsWith('VIDGATE_'));
      expect(names.length, container.service).toBeGreaterThan(0);
      for (const name of names) expect(SERVICE_READS[container.service], `${container.service}: ${name}`).toContain(name);
      // Secrets come as files, never as values in the environment.
      expect(env.filter((e) => /^VIDGATE_[A-Z_]*(SECRET|KEYS|TOKEN|PASSWORD)=/.test(e)), container.service).toEqual([]);
    }
  });

  it('holds the signing keys in nginx\'s rendered config and the auth service only, MinIO\'s root password in minio and minio-init only, the database superuser\'s in postgres and db-init only', async () => {
    const documented = await documentedSecrets();
    const here = new Set(containers.map((c) => c.service));
    const holders = (secret: string) => [...documented].filter(([service, secrets]) => here.has(service) && secrets.includes(secret)).map(([service]) => service).sort();
    expect(holders('signing_keys')).toEqual(['auth', 'nginx-config']);
    expect(holders('minio_root_password')).toEqual(['minio', 'minio-init']);
    expect(holders('db_admin_password')).toEqual(['db-init', 'postgres']);
    expect(holders('db_password')).toEqual(['auth', 'db-init', 'transcoder']);
    expect(documented.get('collector')).toEqual([]);
    expect(documented.get('nginx')).toEqual([]);
  });
});

describe('the images', () => {
  it.each(['auth', 'transcoder', 'collector'])('vidgate/%s runs as node with production dependencies only', async (service) => {
    const image = `vidgate/${service}:0.1.0`;
    expect(await inspect(checkout.env, image, '{{.Config.User}}')).toBe('node');
    const ls = await run('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'ls', image, 'node_modules'], { env: checkout.env });
    expect(ls.code, ls.stderr).toBe(0);
    const modules = ls.stdout.split('\n');
    expect(modules).toContain('tsx');
    for (const dev of ['vitest', 'typescript', 'playwright-core', 'supertest', 'yaml']) expect(modules, dev).not.toContain(dev);
  });
});

describe('the configuration gate', () => {
  it("refuses .env.example's CHANGE_ME secrets folder, naming a secret", async () => {
    const gate = await run('docker', ['compose', 'run', '--rm', '--no-deps', 'nginx-config'], {
      cwd: checkout.dir, env: { ...checkout.env, VIDGATE_SECRETS_DIR: './deploy/compose/secrets.example' }, timeoutMs: 120_000,
    });
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(/nginx-config: secret \w+ still holds its CHANGE_ME placeholder/);
  });
});
