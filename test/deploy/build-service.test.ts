import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';
import { TEST_ENV } from '../support/test-stack.ts';
import { dockerfileInstructions, run } from './compose-files.ts';

// The images are built by deploy/compose/build-service.sh and nothing else: each
// Dockerfile's build stage runs it, and so does this test, which then runs what
// it built the way the image does (the Dockerfile's CMD and HEALTHCHECK), with
// production dependencies only. No Docker engine is needed.
const SERVICES = [
  { workspace: 'auth', dockerfile: 'services/auth/Dockerfile', portVar: 'VIDGATE_AUTH_PORT' },
  { workspace: 'transcoder', dockerfile: 'services/transcoder/Dockerfile', portVar: 'VIDGATE_TRANSCODER_PORT' },
  { workspace: 'collector', dockerfile: 'services/collector/Dockerfile', portVar: 'VIDGATE_COLLECTOR_PORT' },
] as const;
const OPS = { workspace: 'stack', dockerfile: 'deploy/compose/ops.Dockerfile' } as const;
const DEV_ONLY = ['vitest', 'typescript', 'testcontainers', 'playwright-core', 'supertest', 'yaml', '@types/express'];
const BUILD = /^sh deploy\/compose\/build-service\.sh (\S+) \/app$/;

let work: string;
const built = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vidgate-build-'));
  await Promise.all([...SERVICES, OPS].map(async ({ workspace }) => {
    const out = join(work, workspace);
    const result = await run('sh', ['deploy/compose/build-service.sh', workspace, out], { timeoutMs: 240_000 });
    expect(result.code, result.stderr).toBe(0);
    built.set(workspace, out);
  }));
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Build stage and final stage of a Dockerfile. */
async function stages(dockerfile: string) {
  const all = await dockerfileInstructions(dockerfile);
  const froms = all.flatMap((i, n) => (i.keyword === 'FROM' ? [n] : []));
  const final = all.slice(froms[froms.length - 1]);
  const build = all.slice(froms[froms.length - 2], froms[froms.length - 1]);
  return { all, froms: froms.map((n) => all[n]!.args), build, final };
}

/** The exec-form array of a CMD or HEALTHCHECK CMD. */
const execForm = (args: string): string[] => JSON.parse(args.slice(args.indexOf('[')));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

describe.each([...SERVICES, OPS])('$dockerfile', ({ workspace, dockerfile }) => {
  it('is multi-stage from pinned images, builds with build-service.sh only, and runs as node', async () => {
    const { froms, build, final } = await stages(dockerfile);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.split(/\s+/)[0], from).toMatch(/:[^:/]+$/);
    for (const from of froms) expect(from, from).not.toMatch(/:latest\b/);
    const runs = build.filter((i) => i.keyword === 'RUN').map((i) => i.args.replace(/^--mount=\S+\s+/, ''));
    expect(runs).toEqual([`sh deploy/compose/build-service.sh ${workspace} /app`]);
    expect(runs[0]).toMatch(BUILD);
    expect(final.some((i) => i.keyword === 'COPY' && i.args === '--from=build /app /app')).toBe(true);
    expect(final.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['node']);
    expect(final.some((i) => i.keyword === 'HEALTHCHECK')).toBe(true);
  });

  it('gets production dependencies only, tsx included', async () => {
    const out = built.get(workspace)!;
    await access(join(out, 'node_modules/tsx/package.json'));
    for (const name of DEV_ONLY) await expect(access(join(out, 'node_modules', name)), name).rejects.toThrow();
    const manifest = JSON.parse(await readFile(join(out, `services/${workspace}/package.json`), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toContain('tsx');
  });
});

describe.each(SERVICES)('the built $workspace service', ({ workspace, dockerfile, portVar }) => {
  it("starts with the Dockerfile's CMD and passes its HEALTHCHECK", async () => {
    const { final } = await stages(dockerfile);
    const [command, ...args] = execForm(final.filter((i) => i.keyword === 'CMD').pop()!.args);
    const [probe, ...probeArgs] = execForm(final.find((i) => i.keyword === 'HEALTHCHECK')!.args);
    const port = String(await freePort());
    const accessLog = join(work, `${workspace}-access.log`);
    await writeFile(accessLog, '');
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...TEST_ENV, [portVar]: port,
      VIDGATE_TRANSCODER_WORK_DIR: join(work, `${workspace}-work`), VIDGATE_COLLECTOR_LOG: accessLog, VIDGATE_COLLECTOR_STATE: join(work, `${workspace}-state.json`),
    };
    const child = spawn(command!, args, { cwd: built.get(workspace)!, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const check = await run(probe!, probeArgs, { env, timeoutMs: 5_000 });
        if (check.code === 0) break;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${workspace} never passed its HEALTHCHECK (exit ${child.exitCode}):\n${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('the built ops image (stack)', () => {
  it('renders the nginx config, njs and pages, hls.js included', async () => {
    const out = join(work, 'rendered');
    const result = await run('node', ['services/stack/bin/vidgate.js', 'render-nginx', '--out', out], { cwd: built.get('stack')!, env: { PATH: process.env.PATH, ...TEST_ENV } });
    expect(result.code, result.stderr).toBe(0);
    for (const file of ['conf/nginx.conf', 'conf/secrets.conf', 'njs/vidgate.js', 'web/index.html', 'web/vendor/hls.min.js']) await access(join(out, file));
  });

  it('carries the MinIO init script', async () => {
    await access(join(built.get('stack')!, 'deploy/minio-init/init.sh'));
  });
});

describe('.dockerignore', () => {
  it('keeps every input of build-service.sh in the build context', async () => {
    const patterns = (await readFile(resolve(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const ignored = (path: string) => patterns.some((p) => {
      if (p.startsWith('**/')) return path.split('/').includes(p.slice(3));
      return path === p || path.startsWith(`${p}/`);
    });
    const inputs = ['package.json', 'package-lock.json', 'services/auth/src/server.ts', 'services/stack/bin/vidgate.js', 'nginx/templates/nginx.conf.template',
      'deploy/minio-init/init.sh', 'deploy/compose/build-service.sh', 'deploy/compose/nginx-config.sh', 'deploy/compose/nginx/tls.conf.template'];
    for (const input of inputs) expect(ignored(input), input).toBe(false);
    for (const secret of ['.env', 'secrets/jwt_secret', 'deploy/compose/tls/tls.key', 'node_modules/x', 'services/auth/node_modules/x']) expect(ignored(secret), secret).toBe(true);
  });
});
