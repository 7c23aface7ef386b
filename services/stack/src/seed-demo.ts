import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from './stack-config.ts';
import { minioClient } from '@vidgate/common/minio-store';
import { createPool } from '@vidgate/common/database/pool';
import { createVideoStore } from '@vidgate/common/video-store';
import { packageHls } from '@vidgate/transcoder/package-hls';
import type { Rendition } from '@vidgate/common/video';
import { publishHls, storedRenditions } from '@vidgate/transcoder/publish-hls';
import { generateTestVideo } from '@vidgate/transcoder/test-video';
import { REPO_ROOT } from './paths.ts';
import { CACHE_DIR } from './tools.ts';

export const DEMO_OBJECT_KEY = 'demo/welcome.txt';
const DEMO_VIDEO_ID = 'demo';
const DEMO_OWNER = 'demo-owner';
const DEMO_SECONDS = 12;
/**
 * The cached package is named after what made it: the transcoder's packaging
 * sources and the ffmpeg build. A change to either packages the demo again,
 * so tests never check an older transcoder's output.
 */
const PACKAGING_SOURCES = ['ffmpeg-args', 'finish-master', 'hls-command', 'ladder', 'package-hls', 'poster', 'storyboard', 'storyboard-plan', 'test-video'];
const DEMO_PACKAGE = resolve(CACHE_DIR, `demo-video-${packagingFingerprint()}`);
/** What the package holds (renditions, duration), written once it is complete. */
const DEMO_MANIFEST = `${DEMO_PACKAGE}.json`;

function packagingFingerprint(): string {
  const hash = createHash('sha256').update(String(DEMO_SECONDS));
  for (const name of PACKAGING_SOURCES) hash.update(readFileSync(resolve(REPO_ROOT, `services/transcoder/src/${name}.ts`)));
  hash.update(execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0]!);
  return hash.digest('hex').slice(0, 12);
}

interface DemoManifest {
  durationSeconds: number;
  renditions: Rendition[];
  files: string[];
}

type Progress = (message: string) => void;

/** Seeds a small object so a fresh stack has something to fetch with a signed URL. */
export async function seedDemoObject(config: Config): Promise<void> {
  const client = minioClient(config.minio, config.minio.root);
  const text = 'Welcome to Vidgate: these bytes came from a private MinIO bucket through nginx, behind a signed URL.\n';
  await client.putObject(config.minio.bucket, DEMO_OBJECT_KEY, Buffer.from(text), undefined, { 'Content-Type': 'text/plain; charset=utf-8' });
}

/** Generates and packages the demo clip once (test pattern + tone), cached between runs. */
async function demoPackage(say: Progress): Promise<DemoManifest> {
  if (existsSync(DEMO_MANIFEST)) return JSON.parse(await readFile(DEMO_MANIFEST, 'utf8')) as DemoManifest;
  const work = await mkdtemp(join(tmpdir(), 'vidgate-demo-'));
  try {
    const source = join(work, 'source.mp4');
    await generateTestVideo({ output: source, seconds: DEMO_SECONDS, width: 1280, height: 720 });
    say(`packaging the ${DEMO_SECONDS} s demo clip as an HLS ladder with ffmpeg (once; cached in ${DEMO_PACKAGE})`);
    let shown = 0;
    const result = await packageHls({
      input: source,
      outDir: join(work, 'hls'),
      onProgress: (f) => {
        if (f >= shown + 0.25) say(`  transcoding ${Math.round((shown = f) * 100)} %`);
      },
    });
    await rm(DEMO_PACKAGE, { recursive: true, force: true });
    await rename(join(work, 'hls'), DEMO_PACKAGE);
    const manifest = { durationSeconds: result.probe.durationSeconds, renditions: storedRenditions(result), files: result.files };
    await writeFile(DEMO_MANIFEST, JSON.stringify(manifest));
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Publishes the demo video (public, ready) into the bucket, as the transcoder would. */
export async function seedDemoVideo(config: Config, say: Progress): Promise<void> {
  const client = minioClient(config.minio, config.minio.root);
  const { renditions, durationSeconds, files } = await demoPackage(say);
  await publishHls({ client, bucket: config.minio.bucket, videoId: DEMO_VIDEO_ID, dir: DEMO_PACKAGE, files });
  const now = new Date().toISOString();
  const pool = createPool(config.database);
  try {
    // Written again on every start: the package may have been made anew.
    await createVideoStore(pool).put({
      id: DEMO_VIDEO_ID, owner: DEMO_OWNER, title: 'Vidgate demo: test pattern and tone', visibility: 'public', allowedUsers: [],
      status: 'ready', progress: 1, durationSeconds, renditions, hasStoryboard: files.includes('storyboard.vtt'), createdAt: now, updatedAt: now,
    });
  } finally {
    await pool.end();
  }
  say(`demo video "${DEMO_VIDEO_ID}" published: ${files.length} objects, ${renditions.map((r) => r.name).join(' / ')}`);
}
