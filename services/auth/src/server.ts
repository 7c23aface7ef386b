import { ConfigError, loadConfig } from '@vidgate/common/config';
import { createLogger } from '@vidgate/common/logger';
import { createMinioStore, minioClient } from '@vidgate/common/minio-store';
import { createApp } from './app.ts';
import { createMinioUploadStorage } from './uploads/upload-storage.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`vidgate auth: ${err.message}`);
  process.exit(2);
}
const logger = createLogger({ name: 'auth', level: config.logLevel });
const store = createMinioStore(minioClient(config.minio, config.minio.auth), config.minio.bucket);
const app = createApp(config, { store, uploads: createMinioUploadStorage(config), logger });

const server = app.listen(config.ports.auth, config.bindHost, () => {
  logger.info({ port: config.ports.auth, host: config.bindHost, signMode: config.signing.mode, kid: config.signing.activeKid }, 'auth service listening');
});
server.headersTimeout = 15_000;
server.requestTimeout = 30_000;
server.keepAliveTimeout = 70_000; // longer than nginx's upstream keepalive, so nginx closes first

function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 10_000).unref();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
