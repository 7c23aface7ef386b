import { configOrExit } from '@vidgate/common/config/env';
import { createLogger } from '@vidgate/common/logger';
import { serve } from '@vidgate/common/serve';
import { createApp } from './app.ts';
import { createClassifier } from './classify.ts';
import { loadCollectorConfig } from './collector-config.ts';
import { createLineCounter } from './count-lines.ts';
import { createLogTailer } from './log-tailer.ts';
import { createOriginMetrics } from './origin-metrics.ts';

const config = configOrExit('vidgate collector', () => loadCollectorConfig());
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
// The position is saved after every batch; stopping only has to let the poll in flight finish.
serve(app, {
  name: 'collector', port: config.port, host: config.bindHost, logger,
  details: { accessLog: config.accessLog, stateFile: config.stateFile },
  beforeClose: () => tailer.stop(),
});
