import type { Server } from 'node:http';
import type { Logger } from './logger.ts';

interface Listener {
  listen(port: number, host: string, callback: (err?: Error) => void): Server;
}

/**
 * Listens, or exits the process when the port cannot be had (express 5 hands
 * the error to the callback instead of throwing), and stops gracefully on
 * SIGTERM/SIGINT: `beforeClose` first (e.g. stopping work in progress), then
 * the server, whose requests in flight finish, then `afterClose` (e.g. writing
 * what they left queued, closing the database).
 */
export function serve(app: Listener, options: { name: string; port: number; host: string; logger: Logger; details?: Record<string, unknown>; beforeClose?: () => Promise<void>; afterClose?: () => Promise<void> }): Server {
  const { logger } = options;
  const server = app.listen(options.port, options.host, (err) => {
    if (err) {
      logger.fatal({ err, port: options.port }, `${options.name} cannot listen`);
      process.exit(1);
    }
    logger.info({ port: options.port, host: options.host, pid: process.pid, ...options.details }, `${options.name} listening`);
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 70_000; // longer than nginx's upstream keepalive, so nginx closes first

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    await options.beforeClose?.();
    server.close(() => {
      void Promise.resolve(options.afterClose?.())
        .catch((err: unknown) => logger.error({ err }, 'shutting down'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
}
