import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/run.ts';

// deploy/compose/reload.sh, the zero-downtime step of a key rotation, against a
// stand-in `docker` that records what it is asked and plays a stack: nginx shows
// a new config generation only after its SIGHUP (sent from inside the container,
// never by `docker kill`, which would switch its restart policy off), and an auth container is
// healthy again a moment after its restart.
const FAKE_DOCKER = `#!/bin/sh
state=$FAKE_STATE
echo "$*" >> "$state/calls"
case "$*" in
  "compose ps -q origin") printf '%s' "$ORIGINS" | tr ' ' '\\n' ;;
  "compose ps -q nginx") echo n1 ;;
  "compose ps -q auth") printf 'a1\\na2\\n' ;;
  "compose run --rm --no-deps nginx-config") ;;
  "exec "*" sh -c kill -HUP 1") touch "$state/hup-$2" ;;
  "exec "*" wget -q -O - http://127.0.0.1:8080/healthz")
    if [ -e "$state/hup-$2" ]; then echo '{"status":"ok","generation":"new"}'; else echo '{"status":"ok","generation":"old"}'; fi ;;
  "restart "*) echo 0 > "$state/polls-$2" ;;
  "inspect -f {{.State.Health.Status}} "*)
    n=$(cat "$state/polls-$4" 2>/dev/null || echo 9); echo $((n + 1)) > "$state/polls-$4"
    if [ "$n" -ge 2 ]; then echo healthy; else echo starting; fi ;;
  *) echo "unexpected: docker $*" >&2; exit 1 ;;
esac
`;

async function reloadWith(origins: string): Promise<{ code: number; calls: string[]; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vidgate-reload-'));
  await writeFile(join(dir, 'docker'), FAKE_DOCKER);
  await chmod(join(dir, 'docker'), 0o755);
  const result = await run('sh', ['deploy/compose/reload.sh'], { env: { PATH: `${dir}:${process.env.PATH}`, FAKE_STATE: dir, ORIGINS: origins }, timeoutMs: 60_000 });
  const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n').filter((c) => !c.endsWith('/healthz') && !c.startsWith('inspect '));
  return { ...result, calls };
}

describe('deploy/compose/reload.sh', () => {
  it('renders, reloads nginx gracefully, then restarts auth one replica at a time', async () => {
    const { code, calls, stderr, stdout } = await reloadWith('');
    expect(code, stderr).toBe(0);
    expect(calls).toEqual([
      'compose run --rm --no-deps nginx-config',
      'compose ps -q origin', 'compose ps -q nginx', 'exec n1 sh -c kill -HUP 1',
      'compose ps -q auth', 'restart a1', 'restart a2',
    ]);
    expect(stdout).toMatch(/nginx n1 reloaded \(generation new\)[\s\S]*auth a1 restarted and healthy[\s\S]*auth a2 restarted and healthy[\s\S]*done/);
  });

  it('reloads the origin replicas, not the balancer, in the scale-out layout', async () => {
    const { code, calls, stderr } = await reloadWith('o1 o2');
    expect(code, stderr).toBe(0);
    expect(calls.filter((c) => c.includes('kill'))).toEqual(['exec o1 sh -c kill -HUP 1', 'exec o2 sh -c kill -HUP 1']);
  });
});
