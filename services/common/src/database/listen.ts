import pg from 'pg';
import type { DatabaseConfig } from '../config/sections.ts';
import type { Logger } from '../logger.ts';

export interface Listening {
  /** Resolves once the first LISTEN is in place (or the first attempt failed: it is retried). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface ListenOptions {
  logger?: Logger;
  /** How long to wait before connecting again after the connection broke. */
  retryMs?: number;
  applicationName?: string;
}

/**
 * LISTEN on one channel over a connection of its own (a pooled one would be
 * handed to other work and lose the LISTEN), calling `onNotify` for every
 * notification. A broken connection is opened again after `retryMs`, and
 * `onNotify` is then called once, since what was sent meanwhile is lost.
 */
export function listen(config: DatabaseConfig, channel: string, onNotify: (payload: string | undefined) => void, options: ListenOptions = {}): Listening {
  const { logger, retryMs = 2_000 } = options;
  let current: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let firstDone: () => void = () => {};
  const ready = new Promise<void>((resolve) => (firstDone = resolve));

  const retry = (client: pg.Client, err?: Error) => {
    if (client !== current || closed) return;
    current = undefined;
    client.end().catch(() => {});
    if (err) logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code }, channel }, 'LISTEN connection lost; connecting again');
    retryTimer = setTimeout(() => void connect(), retryMs);
  };

  const connect = async () => {
    retryTimer = undefined;
    const client = new pg.Client({
      host: config.host, port: config.port, database: config.database, user: config.user, password: config.password,
      connectionTimeoutMillis: 5_000, keepAlive: true, application_name: options.applicationName ?? 'vidgate-listen',
    });
    current = client;
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload);
    });
    client.on('error', (err) => retry(client, err));
    client.on('end', () => retry(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      retry(client, err as Error);
      firstDone();
      return;
    }
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    firstDone();
    onNotify(undefined);
  };

  void connect();
  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => {});
    },
  };
}
