import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';
import { run } from '../support/run.ts';
import { BASE, exampleEnvFile, resolvedModel, type ComposeModel } from './compose-files.ts';

// Every nginx config the compose stack runs, rendered by `vidgate render-nginx`
// (through deploy/compose/nginx-config.sh, as the nginx-config container runs it)
// with the environment Compose gives that container, must pass `nginx -t`.
// Upstream names are looked up at request time (through Docker's DNS), so the
// local nginx checks the configs as rendered; only the containers' paths differ:
// the check renders with this test's folders as the mount point and points the
// certificate folder at this test's.
const CONTAINER_MOUNT = '/etc/nginx/vidgate';
let work: string;
let model: ComposeModel;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-nginx-configs-'));
  model = await resolvedModel([BASE], await exampleEnvFile());
  const made = await run('sh', ['deploy/compose/make-secrets.sh', join(work, 'secrets')]);
  expect(made.code, made.stderr).toBe(0);
  await mkdir(join(work, 'certs'));
  const cert = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(work, 'certs/tls.key'), '-out', join(work, 'certs/tls.crt')]);
  expect(cert.code, cert.stderr).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The nginx-config container's environment, with its secrets read from `secretsDir`. */
function containerEnv(secretsDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(model.services['nginx-config']!.environment ?? {})) {
    if (value !== null) env[name] = value.replace(/^\/run\/secrets\//, `${secretsDir}/`);
  }
  return env;
}

function renderForCompose(out: string, options: { tls?: boolean; secretsDir?: string; mount?: string } = {}) {
  const secretsDir = options.secretsDir ?? join(work, 'secrets');
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, ...containerEnv(secretsDir),
    VIDGATE_TLS: options.tls ? 'on' : 'off', VIDGATE_NGINX_OUT: out, VIDGATE_TLS_CERTS: join(work, 'certs'), VIDGATE_SECRETS_MOUNT: secretsDir,
  };
  const args = options.mount === undefined ? [] : ['--mount', options.mount, '--run-dir', join(out, 'run'), '--log-dir', join(out, 'logs')];
  return run('sh', ['deploy/compose/nginx-config.sh', ...args], { env });
}

/** The containers' certificate folder → this test's. */
function localize(text: string): { text: string; changed: number } {
  let changed = 0;
  const out = text.replace(/\/etc\/nginx\/certs\//g, () => (changed++, `${work}/certs/`));
  return { text: out, changed };
}

/** `nginx -t`; with no prefix, nginx's own, where Debian's modules-enabled finds its modules. */
async function nginxTest(conf: string, logDir: string, prefix?: string): Promise<void> {
  const result = await run('nginx', ['-t', '-q', ...(prefix ? ['-p', prefix] : []), '-c', conf, '-e', join(logDir, 'error.log')]);
  expect(result.code, `nginx -t ${conf}:\n${result.stderr}`).toBe(0);
}

async function renderedFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name).slice(dir.length), await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}

describe.each([{ tls: false }, { tls: true }])('the origin nginx, TLS $tls', ({ tls }) => {
  it('renders from the compose environment and passes nginx -t', async () => {
    const out = join(work, `origin-tls-${tls}`);
    await mkdir(join(out, 'run'), { recursive: true });
    await mkdir(join(out, 'logs'), { recursive: true });
    const rendered = await renderForCompose(out, { tls, mount: out });
    expect(rendered.code, rendered.stderr).toBe(0);
    const conf = join(out, 'conf/nginx.conf');
    const files = [conf, ...(await readdir(join(out, 'conf/extra'))).map((f) => join(out, 'conf/extra', f))];
    let changed = 0;
    for (const file of files) {
      const local = localize(await readFile(file, 'utf8'));
      changed += local.changed;
      await writeFile(file, local.text);
    }
    expect(changed).toBe(tls ? 2 : 0); // the certificate and key
    expect((await readdir(join(out, 'conf/extra'))).sort()).toEqual(tls ? ['tls.conf'] : []);
    await access(join(out, 'web/vendor/hls.min.js'));
    await access(join(out, 'njs/vidgate.js'));
    await nginxTest(conf, join(out, 'run'), join(out, 'run'));
  });

  it('is, but for the mount point, what the container renders', async () => {
    const inContainer = join(work, `container-tls-${tls}`);
    const checked = join(work, `checked-tls-${tls}`);
    for (const [out, mount] of [[inContainer, undefined], [checked, checked]] as const) {
      const rendered = await renderForCompose(out, { tls, mount });
      expect(rendered.code, rendered.stderr).toBe(0);
    }
    const normalize = (text: string, mount: string, runDir: string, logDir: string) =>
      text.replaceAll(runDir, '<run>').replaceAll(logDir, '<logs>').replaceAll(mount, '<mount>').replace(/"generation":"[^"]*"/, '"generation":"<n>"');
    const container = await renderedFiles(inContainer);
    const local = await renderedFiles(checked);
    expect([...local.keys()].sort()).toEqual([...container.keys()].sort());
    for (const [name, text] of container) {
      expect(normalize(local.get(name)!, checked, join(checked, 'run'), join(checked, 'logs')), name)
        .toBe(normalize(text, CONTAINER_MOUNT, '/var/cache/nginx', '/var/log/vidgate'));
    }
  });
});

describe('the scale-out entry (deploy/compose/nginx/lb.conf)', () => {
  it('passes nginx -t', async () => {
    // It loads Debian's libnginx-mod-stream from /etc/nginx/modules-enabled (bootstrap.sh --test installs it).
    const dir = join(work, 'lb');
    await mkdir(dir, { recursive: true });
    const conf = join(dir, 'lb.conf');
    await writeFile(conf, (await readFile(resolve(REPO_ROOT, 'deploy/compose/nginx/lb.conf'), 'utf8')).replace(/^pid .*$/m, `pid ${dir}/lb.pid;`));
    await nginxTest(conf, dir);
  });
});

describe('the configuration gate refuses to render', () => {
  it("with the example's CHANGE_ME secrets, naming one", async () => {
    const result = await renderForCompose(join(work, 'refused'), { secretsDir: resolve(REPO_ROOT, 'deploy/compose/secrets.example') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/secret \w+ still holds its CHANGE_ME placeholder/);
  });

  it('with a CHANGE_ME secret even when the gate does not see the secrets folder (its own loader refuses it)', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...containerEnv(resolve(REPO_ROOT, 'deploy/compose/secrets.example')), VIDGATE_NGINX_OUT: join(work, 'refused-2') };
    const result = await run('sh', ['deploy/compose/nginx-config.sh'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/VIDGATE_\w+ still holds a CHANGE_ME placeholder/);
  });

  it('with VIDGATE_TLS=on and no certificate', async () => {
    const env = { PATH: process.env.PATH, ...containerEnv(join(work, 'secrets')), VIDGATE_TLS: 'on', VIDGATE_TLS_CERTS: join(work, 'no-certs'), VIDGATE_NGINX_OUT: join(work, 'refused-3') };
    const result = await run('sh', ['deploy/compose/nginx-config.sh'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('VIDGATE_TLS=on but tls.crt is not in VIDGATE_TLS_DIR');
  });
});
