import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, runStreaming } from './support/run.ts';
import { ORIGIN } from './support/test-stack.ts';
import { tokenFor } from './support/videos.ts';

// schemathesis fuzzes /v1 through nginx from the document the service serves:
// no request may end in a 5xx, and every response must have a documented
// status and match its documented schema. Bounded per operation, so the run
// stays within a few minutes on 2 cores; the seed makes a failure repeatable.
const MAX_EXAMPLES = 50;
const SEED = 12_345;

/**
 * Runs `st` (installed on first use) in a folder of its own, where it keeps its
 * crash cache. A failed run prints the whole report; a passing one only its
 * count and warnings. Either way without the report's framing ("=== 3 warnings
 * in 36s ==="): that is pytest's closing line, which CI would read as a run of
 * no test.
 */
async function schemathesis(args: string[]): Promise<number> {
  const install = await run('sh', ['test/support/schemathesis.sh'], { timeoutMs: 300_000 });
  expect(install.code, install.stderr).toBe(0);
  const cwd = await mkdtemp(join(tmpdir(), 'vidgate-schemathesis-'));
  const lines: string[] = [];
  const started = Date.now();
  const result = await runStreaming(install.stdout.trim(), args, { cwd, timeoutMs: 170_000, onLine: (line) => lines.push(line) }).finally(() => rm(cwd, { recursive: true, force: true }));
  const report = result.code === 0
    ? lines.filter((line) => /^\s*(⚠|\d+ generated)/.test(line)).map((line) => `  ${line.trim()}`)
    : lines.map((line) => line.replace(/^=+ (.*) =+$/, '--- $1 ---'));
  console.log(`[schemathesis] exit ${result.code} after ${Date.now() - started} ms\n${report.join('\n')}`);
  return result.code;
}

/** The options of every run: the three checks, bounded, repeatable, and never beyond the origin. */
const common = (token: string) => [
  'run', `${ORIGIN}/v1/openapi.json`,
  '--url', ORIGIN,
  '--checks', 'not_a_server_error,status_code_conformance,response_schema_conformance',
  '--header', `Authorization: Bearer ${token}`,
  '--max-examples', String(MAX_EXAMPLES),
  '--seed', String(SEED),
  '--workers', '2',
  '--max-redirects', '0',
  '--request-timeout', '10',
  '--generation-database', 'none',
  '--no-color',
];

describe('schemathesis against the stack', () => {
  it('speaks only to the local origin, which serves the document', async () => {
    expect(new URL(ORIGIN).hostname).toBe('127.0.0.1');
    const res = await fetch(`${ORIGIN}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: Record<string, object> };
    expect(document.openapi).toBe('3.1.0');
    console.log(`[schemathesis] the document lists ${Object.entries(document.paths).map(([path, item]) => `${Object.keys(item).join(',').toUpperCase()} ${path}`).join('; ')}`);
  });

  it('finds no 5xx and no response outside the OpenAPI document, as a user', async () => {
    expect(await schemathesis(common(tokenFor('schemathesis-user'))), 'schemathesis reported failures: its output is above').toBe(0);
  }, 240_000);

  it('nor as an admin, who alone may sign', async () => {
    const admin = tokenFor('schemathesis-admin', { role: 'admin' });
    expect(await schemathesis([...common(admin), '--include-path', '/v1/sign', '--phases', 'examples,coverage,fuzzing']), 'schemathesis reported failures: its output is above').toBe(0);
  }, 240_000);
});
