import { pino, type DestinationStream, type Logger } from 'pino';

const SIGNED_QUERY = /([?&](?:sig|md5|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|access_token)=)[^&\s"]*/gi;

/** Removes signatures, tokens and presigned credentials from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(SIGNED_QUERY, '$1[redacted]');
}

// pino's redact paths have no recursive wildcard ("*.x" is exactly one level
// deep), so each secret field is listed at every depth our log objects reach:
// { secretKey }, { auth: { secretKey } }, { req: { headers: { authorization } } },
// { config: { minio: { auth: { secretKey } } } }.
const SECRET_FIELDS = ['authorization', 'cookie', '["set-cookie"]', 'secret', 'secretKey', 'password', 'key', 'token'];
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) =>
  [0, 1, 2, 3].map((depth) => (field.startsWith('[') ? '*.'.repeat(depth).slice(0, -1) : '*.'.repeat(depth)) + field),
);

export interface LoggerOptions {
  name: string;
  level: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = { name: options.name, level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export type { Logger };
