/**
 * Transcode cost on this machine: a generated 720p clip (default 60 s) packaged
 * into the full HLS ladder (probe, poster, storyboard pass, one ffmpeg run for
 * the renditions and the audio-only variant), timed; printed as
 * seconds of work per minute of source.
 *
 *   node --import tsx bench/transcode.ts     (BENCH_SOURCE_SECONDS=60)
 */
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { packageHls } from '../services/transcoder/src/package-hls.ts';
import { generateTestVideo } from '../services/transcoder/src/test-video.ts';

const SECONDS = Number(process.env.BENCH_SOURCE_SECONDS ?? 60);
const work = await mkdtemp(join(tmpdir(), 'vidgate-bench-transcode-'));
try {
  console.log(`generating a ${SECONDS} s 1280x720 30 fps source (test pattern + tone)`);
  const source = join(work, 'source.mp4');
  await generateTestVideo({ output: source, seconds: SECONDS, width: 1280, height: 720 });
  console.log('packaging it as the HLS ladder');
  let shown = 0;
  const started = performance.now();
  const result = await packageHls({
    input: source,
    outDir: join(work, 'hls'),
    onProgress: (f) => {
      if (f - shown >= 0.1) process.stdout.write(`\r  ${Math.round((shown = f) * 100)} %`);
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write('\n');
  console.log(`\n${cpus().length} × ${cpus()[0]?.model.trim()}: ${SECONDS} s of 720p → ${result.renditions.map((r) => r.name).join(' / ')} in ${elapsed.toFixed(1)} s`);
  console.log(`= ${((elapsed / result.probe.durationSeconds) * 60).toFixed(1)} s of transcoding per minute of 720p source (${(result.probe.durationSeconds / elapsed).toFixed(2)}× real time)`);
} finally {
  await rm(work, { recursive: true, force: true });
}
