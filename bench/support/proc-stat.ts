import { readFile } from 'node:fs/promises';

/**
 * The fields of /proc/<pid>/stat after the command name, so [0] is field 3
 * (state), [1] the parent's pid, [11]/[12] user/system ticks, [21] RSS pages;
 * undefined once the process is gone. The name may hold spaces and
 * parentheses, so the fields are read after its last ")".
 */
export async function procStat(pid: number | string): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
