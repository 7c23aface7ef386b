import { spawn } from 'node:child_process';

export interface PromtoolRun {
  code: number | null;
  out: string;
}

export function runPromtool(args: string[], options: { stdin?: string; cwd?: string } = {}): Promise<PromtoolRun> {
  return new Promise((done, fail) => {
    const child = spawn('promtool', args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, out }));
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * What `promtool check metrics` finds in a service's exposition, less prom-client's
 * own default gauges named *_total (not ours to rename). A parse error is a finding.
 */
export async function metricsProblems(service: string, exposition: string): Promise<string[]> {
  const run = await runPromtool(['check', 'metrics'], { stdin: exposition });
  const allowed = new RegExp(`^vidgate_${service}_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$`);
  const problems = run.out.split('\n').filter((l) => l.trim() !== '' && !allowed.test(l));
  return run.code === 0 || run.code === 3 ? problems : [`promtool exited ${run.code}`, ...problems];
}
