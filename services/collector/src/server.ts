import { ConfigError } from '@vidgate/common/config';
import { createLogger } from '@vidgate/common/logger';
import { createApp } from './app.ts';
import { createClassifier } from './classify.ts';
import { loadCollectorConfig } from './collector-config.ts';
import { createLineCounter } from './count-lines.ts';
import { createLogTailer } from './log-tailer.ts';
import { createOriginMetrics } from './origin-metrics.ts';

let config;
try {
  config = loadCollectorConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`vidgate collector: ${err.message}`);
  process.exit(2);
}
const logger = createLogger({ name: 'collector', level: config.logLevel });
const metrics = createOriginMetrics();
const count = createLineCounter({ metrics, classify: createClassifier({ bucket: config.bucket }) });
const tailer = await createLogTailer({
  file: config.accessLog,
  stateFile: config.stateFile,
  pollMs: config.pollMs,
  onLines: count,
  onProgress: (status) => metrics.lag.set(status.lagBytes),
  onNotice: (message, detail) => logger.warn(detail, message),
  onError: (err) => logger.error({ err }, 'cannot follow the access log'),
}).catch((err: Error) => {
  logger.fatal({ err }, 'cannot use the state file');
  process.exit(2);
});
tailer.start();

const app = createApp({ registry: metrics.registry, tailStatus: tailer.status });
const server = app.listen(config.port, config.bindHost, () => {
  logger.info({ port: config.port, host: config.bindHost, accessLog: config.accessLog, stateFile: config.stateFile }, 'collector listening');
});
server.headersTimeout = 15_000;
server.requestTimeout = 30_000;

// The position is saved after every batch; stopping only has to let the poll in flight finish.
async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  setTimeout(() => process.exit(1), 10_000).unref();
  await tailer.stop();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
