import { pino, type Logger } from 'pino';

const SIGNED_QUERY = /([?&](?:sig|md5|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|access_token)=)[^&\s"]*/gi;

/** Removes signatures, tokens and presigned credentials from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(SIGNED_QUERY, '$1[redacted]');
}

export function createLogger(options: { name: string; level: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.secret', '*.secretKey', '*.password', '*.key'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
