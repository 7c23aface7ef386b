import { spawnSync } from 'node:child_process';
import { chown } from 'node:fs/promises';

/** What an upload may ask of the transcoder, checked at probe time, and what ffprobe/ffmpeg may use. */
export interface MediaLimits {
  /** Displayed width × height. */
  maxPixels: number;
  maxFrameRate: number;
  maxDurationSeconds: number;
  /** Streams of any kind in the container. */
  maxStreams: number;
  /** Address space of each ffprobe/ffmpeg process (RLIMIT_AS). */
  memoryBytes: number;
  /** CPU seconds of each ffprobe/ffmpeg process (RLIMIT_CPU): a backstop behind the wall-clock timeout. */
  cpuSeconds: number;
}

/**
 * The user ffprobe and ffmpeg run as when the transcoder runs as root: an id no
 * account uses, so a compromised decoder shares no process or file with
 * anything else (nginx's workers run as nobody, 65534: they hold the signing
 * keys in memory and own the edge cache).
 */
const MEDIA_USER = { uid: 65_533, gid: 65_533 } as const;

/** The only PATH a media tool sees: system folders, never an npm .bin folder a checkout's parents may hold. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface Sandbox {
  limits: Pick<MediaLimits, 'memoryBytes' | 'cpuSeconds'>;
  /** Set when this process is root: the media tools then run as MEDIA_USER. */
  user?: { uid: number; gid: number };
}

export const sandboxFor = (limits: MediaLimits): Sandbox => ({ limits, ...(process.getuid?.() === 0 ? { user: MEDIA_USER } : {}) });

/** At start-up: the sandbox's user must reach the work folder, or every job would fail as "not a readable media file". */
export function sandboxProblem(workRoot: string, sandbox: Sandbox): string | undefined {
  if (!sandbox.user) return undefined;
  const check = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'vidgate-sandbox', workRoot], { ...sandbox.user, stdio: 'ignore', env: { PATH: SYSTEM_PATH } });
  return check.status === 0 ? undefined : `ffmpeg runs as uid ${sandbox.user.uid} (this process is root), which cannot reach ${workRoot}: set VIDGATE_TRANSCODER_WORK_DIR to a folder it can`;
}

/** Lets the sandbox's user write a folder the transcoder made (nothing to do when it is the same user). */
export async function handOver(dir: string, sandbox: Sandbox): Promise<void> {
  if (sandbox.user) await chown(dir, sandbox.user.uid, sandbox.user.gid);
}

/**
 * How to run `command` under the limits: /bin/sh sets them with ulimit and
 * execs, so the limits bind the media tool and nothing else; the command is
 * found on the system PATH only, and sees no other environment.
 */
export function sandboxedCommand(sandbox: Sandbox, command: string, args: readonly string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const { cpuSeconds, memoryBytes } = sandbox.limits;
  return {
    command: '/bin/sh',
    args: ['-c', 'ulimit -t "$1" && ulimit -v "$2" && shift 2 && exec "$@"', 'vidgate-sandbox', String(Math.ceil(cpuSeconds)), String(Math.floor(memoryBytes / 1024)), command, ...args],
    env: { PATH: SYSTEM_PATH, LC_ALL: 'C' },
  };
}
