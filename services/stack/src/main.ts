// `npm start`: the whole local stack in the foreground. Ctrl-C stops it;
// SIGHUP re-reads the configuration (e.g. a rotated VIDGATE_SIGNING_KEYS_FILE).
import { configOrExit } from '@vidgate/common/config/env';
import { loadConfig } from './stack-config.ts';
import { misspeltWarnings } from './misspelt-settings.ts';
import { createUrlSigner, nowSeconds } from '@vidgate/common/url-signer';
import { DEMO_OBJECT_KEY, seedDemoObject, seedDemoVideo } from './seed-demo.ts';
import { startStack } from './stack.ts';

const started = Date.now();
const say = (message: string) => console.log(`[vidgate +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

// Before the configuration is read: a misspelt name may be why it is refused.
for (const warning of misspeltWarnings(process.env)) say(warning);
const config = configOrExit('vidgate', () => loadConfig());
const stack = await startStack({
  config,
  env: process.env,
  progress: say,
  seed: async (cfg) => {
    say(`seeding the demo object ${DEMO_OBJECT_KEY} and the demo video`);
    await seedDemoObject(cfg);
    await seedDemoVideo(cfg, say);
  },
}).catch((err: Error) => {
  console.error(`vidgate: the stack did not start: ${err.message}\n(logs: ${config.dataDir}/logs)`);
  process.exit(1);
});

const signer = createUrlSigner(config.signing);
const example = config.publicUrl + signer.signPath(`/media/${DEMO_OBJECT_KEY}`, nowSeconds() + 3600);
say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`
  player          ${config.publicUrl}/
  upload          ${config.publicUrl}/upload.html
  origin          ${config.publicUrl}   (VIDGATE_PUBLIC_URL: every URL the API returns starts with it)
  signed URL      ${example}
                  (valid 1 h; try: curl -i '${example}')
  mint more       npx vidgate sign ${DEMO_OBJECT_KEY} --ttl 600
  logs            ${stack.paths.logs} and ${stack.paths.nginxLogs}

Ctrl-C stops everything.`);

let stopping = false;
async function shutdown(reason: string, code: number) {
  if (stopping) return;
  stopping = true;
  say(`${reason}: stopping nginx, the services and MinIO`);
  await stack.stop();
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGHUP', () => {
  say('SIGHUP: reloading configuration');
  try {
    const next = loadConfig();
    stack.reload(next, process.env).then(() => say(`reloaded; signing with key ${next.signing.activeKid}`), (err: Error) => say(`reload failed; nginx keeps serving the previous config: ${err.message}`));
  } catch (err) {
    say(`reload refused: ${(err as Error).message}`);
  }
});
void stack.crashed.then((what) => shutdown(`${what}; see ${stack.paths.logs}`, 1));
