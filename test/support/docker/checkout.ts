import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../../services/stack/src/paths.ts';
import { run, runStreaming, type Run } from '../run.ts';

/**
 * An operator's copy of Vidgate, set up the way deploy/OPERATIONS.md says:
 * a fresh checkout (the repository's files, as git would give them), `cp
 * .env.example .env`, `sh deploy/compose/make-secrets.sh ./secrets`, .env
 * edited, then plain `docker compose` commands run in its folder, so .env's
 * COMPOSE_FILE, COMPOSE_PROJECT_NAME and COMPOSE_PROFILES apply to every one of
 * them (reload.sh included), as they would for the operator.
 */
export interface Checkout {
  readonly dir: string;
  /** The engine's environment; commands run in the checkout's folder. */
  readonly env: NodeJS.ProcessEnv;
  /** .env as the operator left it. */
  readonly settings: Readonly<Record<string, string>>;
  /** `docker compose <args>` in the checkout. */
  compose(args: string[], timeoutMs?: number): Promise<Run>;
  /** A long `docker compose` command whose progress lines are shown. */
  composeShowing(args: string[], say: (line: string) => void, timeoutMs: number): Promise<Run>;
  /** Any program in the checkout's folder, with the engine's environment (sh deploy/compose/reload.sh …). */
  run(command: string, args: string[], timeoutMs?: number): Promise<Run>;
  /** A secret make-secrets.sh wrote. */
  secret(name: string): Promise<string>;
}

/** The files of the working tree that git tracks or would track (untracked but not ignored ones too), less those deleted from it. */
async function repositoryFiles(): Promise<string[]> {
  const list = async (args: string[]) => {
    const listed = await run('git', ['ls-files', ...args, '-z'], { cwd: REPO_ROOT });
    if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
    return listed.stdout.split('\0').filter(Boolean);
  };
  const deleted = new Set(await list(['--deleted']));
  return (await list(['--cached', '--others', '--exclude-standard'])).filter((file) => !deleted.has(file));
}

/** Sets KEY=value lines in an env file: replaces the line (commented out or not) that sets KEY, or appends one. */
function editEnv(text: string, values: Readonly<Record<string, string>>): string {
  let lines = text.split('\n');
  for (const [name, value] of Object.entries(values)) {
    const at = lines.findIndex((line) => new RegExp(`^#?${name}=`).test(line));
    if (at >= 0) lines[at] = `${name}=${value}`;
    else lines = [...lines, `${name}=${value}`];
  }
  return lines.join('\n');
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').flatMap((line) => {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    return m ? [[m[1]!, m[2]!]] : [];
  }));
}

function checkoutOf(dir: string, env: NodeJS.ProcessEnv, settings: Record<string, string>): Checkout {
  const inDir = (command: string, args: string[], timeoutMs = 120_000) => run(command, args, { cwd: dir, env, timeoutMs });
  return {
    dir,
    env,
    settings,
    compose: (args, timeoutMs) => inDir('docker', ['compose', ...args], timeoutMs),
    composeShowing: (args, say, timeoutMs) => runStreaming('docker', ['compose', '--progress', 'plain', ...args], { cwd: dir, env, timeoutMs, onLine: (line) => showProgress(line, say) }),
    run: inDir,
    secret: async (name) => (await readFile(join(dir, 'secrets', name), 'utf8')).trim(),
  };
}

/** BuildKit steps as they start, and containers as they change state: enough to see progress, not every log line. */
function showProgress(line: string, say: (line: string) => void): void {
  const step = /^#\d+ \[([^\]]+)\] (.*)$/.exec(line);
  if (step) return say(`  build ${step[1]}: ${step[2]!.slice(0, 100)}`);
  const container = /Container (\S+)\s+(Started|Healthy|Exited|Error|Created|Recreated|Stopped|Removed)\b/.exec(line);
  if (container) say(`  ${container[1]} ${container[2]!.toLowerCase()}`);
}

/**
 * Makes a fresh checkout in `dir` and follows OPERATIONS.md's install steps
 * up to (not including) `docker compose up`: .env from .env.example, secrets
 * from make-secrets.sh, then the given .env settings.
 */
export async function operatorCheckout(dir: string, env: NodeJS.ProcessEnv, settings: Readonly<Record<string, string>>): Promise<Checkout> {
  await rm(dir, { recursive: true, force: true });
  for (const file of await repositoryFiles()) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(REPO_ROOT, file), join(dir, file));
  }
  await copyFile(join(dir, '.env.example'), join(dir, '.env'));
  const secrets = await run('sh', ['deploy/compose/make-secrets.sh', './secrets'], { cwd: dir, env });
  if (secrets.code !== 0) throw new Error(`make-secrets.sh failed: ${secrets.stderr}`);
  const edited = editEnv(await readFile(join(dir, '.env'), 'utf8'), settings);
  await writeFile(join(dir, '.env'), edited);
  return checkoutOf(dir, env, parseEnv(edited));
}

/** A checkout operatorCheckout made earlier (in another process: the tests after the global setup). */
export async function existingCheckout(dir: string, env: NodeJS.ProcessEnv): Promise<Checkout> {
  return checkoutOf(dir, env, parseEnv(await readFile(join(dir, '.env'), 'utf8')));
}
