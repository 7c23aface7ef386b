/**
 * One error type for every service, and one table of its codes. The HTTP layer
 * renders it as { "error": code, "message": ... }; 5xx messages stay generic.
 */
export const ERROR_CODES = {
  bad_request: 400,
  invalid_body: 400,
  object_key_invalid: 400,
  ttl_invalid: 400,
  token_missing: 401,
  token_invalid: 401,
  forbidden: 403,
  not_entitled: 403,
  signature_missing: 403,
  signature_invalid: 403,
  key_unknown: 403,
  query_not_allowed: 403,
  path_invalid: 403,
  not_found: 404,
  video_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  video_not_ready: 409,
  signature_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  playlist_invalid: 422,
  media_invalid: 422,
  internal: 500,
  storage_unavailable: 502,
  upstream_error: 502,
  transcode_failed: 502,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

export function errorBody(err: AppError): { error: ErrorCode; message: string } & Record<string, unknown> {
  const message = err.status >= 500 ? 'the service could not complete the request' : err.message;
  return { error: err.code, message, ...(err.status < 500 ? err.details : undefined) };
}
