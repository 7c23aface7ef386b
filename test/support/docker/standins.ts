import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '../../../services/stack/src/paths.ts';
import { findTool } from '../../../services/stack/src/tools.ts';
import { run, runStreaming } from '../run.ts';

/**
 * Stand-ins for the official images no registry reachable here can give us,
 * built once and kept in the engine's image store: a Debian bookworm base made
 * with debootstrap, and on it the Dockerfiles of test/deploy/standins/ with
 * this machine's Node, the MinIO and mc the suite builds from source, and
 * Debian's nginx, Prometheus and PostgreSQL. test/deploy/standins.yml names
 * them for the compose files. Each image carries a fingerprint of what made it
 * and is rebuilt when that changes.
 */
const BASE = 'vidgate-standin/debian:bookworm';
const LABEL = 'org.vidgate.standin.fingerprint';
const DOCKERFILES = resolve(REPO_ROOT, 'test/deploy/standins');

interface Standin {
  name: string;
  tag: string;
  /** Files copied into the build context: name in the context → path on this machine. */
  files?: () => Record<string, string>;
}

const nodeFiles = () => ({
  node: process.execPath,
  npm: resolve(dirname(process.execPath), '../lib/node_modules/npm'),
  'ca-certificates.crt': '/etc/ssl/certs/ca-certificates.crt',
});

export const STANDINS: readonly Standin[] = [
  { name: 'node', tag: 'vidgate-standin/node:20-bookworm', files: nodeFiles },
  { name: 'nginx', tag: 'vidgate-standin/nginx:1.22-bookworm' },
  { name: 'minio', tag: 'vidgate-standin/minio:source-build', files: () => ({ minio: findTool('minio') }) },
  { name: 'mc', tag: 'vidgate-standin/mc:source-build', files: () => ({ mc: findTool('mc') }) },
  { name: 'prometheus', tag: 'vidgate-standin/prometheus:2.42-bookworm' },
  { name: 'postgres', tag: 'vidgate-standin/postgres:15-bookworm', files: () => ({ 'docker-entrypoint.sh': resolve(DOCKERFILES, 'postgres-entrypoint.sh') }) },
];

async function labelOf(env: NodeJS.ProcessEnv, tag: string): Promise<string | undefined> {
  const result = await run('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${LABEL}"}}`, tag], { env });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function fingerprint(standin: Standin, dockerfile: string): Promise<string> {
  const hash = createHash('sha256').update(dockerfile);
  for (const [name, path] of Object.entries(standin.files?.() ?? {})) {
    const info = await stat(path);
    hash.update(`${name}:${info.size}:${info.mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function ensureBase(env: NodeJS.ProcessEnv, say: (message: string) => void): Promise<void> {
  if ((await labelOf(env, BASE)) !== undefined) return;
  const root = await mkdtemp(join(tmpdir(), 'vidgate-debootstrap-'));
  try {
    say(`making the stand-ins' base ${BASE} with debootstrap (about a minute, once)`);
    const started = Date.now();
    const boot = await run('debootstrap', ['--variant=minbase', 'bookworm', root, 'http://deb.debian.org/debian'], { env: process.env, timeoutMs: 600_000 });
    if (boot.code !== 0) throw new Error(`debootstrap failed: ${boot.stderr.slice(-2000) || boot.stdout.slice(-2000)}`);
    // Downloaded packages and package lists are not part of the image.
    await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    const imported = await run('sh', ['-c', `tar -C "${root}" -c . | docker import --change 'LABEL ${LABEL}=debootstrap' - ${BASE}`], { env, timeoutMs: 300_000 });
    if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
    say(`${BASE} made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Builds whatever stand-in is missing or out of date; returns their tags. */
export async function ensureStandins(env: NodeJS.ProcessEnv, say: (message: string) => void): Promise<string[]> {
  await ensureBase(env, say);
  for (const standin of STANDINS) {
    const dockerfile = await readFile(join(DOCKERFILES, `${standin.name}.Dockerfile`), 'utf8');
    const print = await fingerprint(standin, dockerfile);
    if ((await labelOf(env, standin.tag)) === print) continue;
    const context = await mkdtemp(join(tmpdir(), `vidgate-standin-${standin.name}-`));
    try {
      await writeFile(join(context, 'Dockerfile'), dockerfile);
      for (const [name, path] of Object.entries(standin.files?.() ?? {})) await cp(path, join(context, name), { recursive: true, dereference: true });
      say(`building the stand-in ${standin.tag}`);
      const started = Date.now();
      const built = await runStreaming('docker', ['build', '--network', 'host', '--build-arg', `BASE=${BASE}`, '--label', `${LABEL}=${print}`, '--tag', standin.tag, context], {
        env, timeoutMs: 900_000, onLine: (line) => /^Step \d+\/\d+ : (RUN|COPY)/.test(line) && say(`  ${standin.name}: ${line.slice(0, 120)}`),
      });
      if (built.code !== 0) throw new Error(`building ${standin.tag} failed:\n${(built.stdout + built.stderr).slice(-3000)}`);
      say(`${standin.tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  }
  return STANDINS.map((s) => s.tag);
}
