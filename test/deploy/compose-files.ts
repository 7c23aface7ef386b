import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../services/stack/src/paths.ts';
import { engineEnv } from '../support/docker/engine.ts';
import { run, type Run } from '../support/run.ts';

/** Helpers for the static checks on docker-compose.yml and deploy/compose/ (no Docker engine needed). */
export const BASE = 'docker-compose.yml';
export const SCALE_OUT = 'deploy/compose/scale-out.yml';
export const TEST_OVERRIDE = 'deploy/compose/test.yml';


/** What an operator starts from: .env.example copied to .env, in a folder of its own. */
export async function exampleEnvFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vidgate-compose-'));
  const file = join(dir, '.env');
  await copyFile(resolve(REPO_ROOT, '.env.example'), file);
  return file;
}

/** `docker compose config`: Compose v2 (built by bootstrap.sh) merges and interpolates the files; no engine needed. */
export function composeConfig(files: string[], envFile: string, extra: string[] = []): Promise<Run> {
  // Only PATH, HOME and Compose's plugin folder: a VIDGATE_* or COMPOSE_* variable of the test runner must not leak into the result.
  const { PATH, HOME, DOCKER_CONFIG } = engineEnv();
  return run('docker', ['compose', '--env-file', envFile, ...files.flatMap((f) => ['-f', f]), 'config', ...extra], { env: { PATH, HOME, DOCKER_CONFIG } });
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: unknown[];
  networks?: Record<string, unknown>;
  network_mode?: string;
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  volumes?: unknown[];
  secrets?: unknown[];
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
}

/** The resolved model of the given files, as Compose itself merges and interpolates them. */
export async function resolvedModel(files: string[], envFile: string): Promise<ComposeModel> {
  const result = await composeConfig(files, envFile);
  if (result.code !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
  return parse(result.stdout) as ComposeModel;
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
export async function dockerfileInstructions(path: string): Promise<{ keyword: string; args: string }[]> {
  const text = await readFile(resolve(REPO_ROOT, path), 'utf8');
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}
