/**
 * One error type for every service, and one table of its codes: the services,
 * nginx (its error pages are rendered from this table, services/stack/src/nginx-errors.ts)
 * and the OpenAPI description all use these codes and no other. The HTTP layer
 * renders it as { "error": code, "message": ... }; 5xx messages stay generic.
 */
export const ERROR_CODES = {
  bad_request: 400,
  invalid_body: 400,
  object_key_invalid: 400,
  ttl_invalid: 400,
  upload_invalid: 400,
  caption_invalid: 400,
  token_missing: 401,
  token_invalid: 401,
  forbidden: 403,
  not_entitled: 403,
  signature_missing: 403,
  signature_invalid: 403,
  key_unknown: 403,
  query_not_allowed: 403,
  path_invalid: 403,
  upload_refused: 403,
  not_found: 404,
  video_not_found: 404,
  upload_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  video_not_ready: 409,
  signature_expired: 410,
  upload_expired: 410,
  length_required: 411,
  precondition_failed: 412,
  source_exists: 412,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  playlist_invalid: 422,
  media_invalid: 422,
  too_many_requests: 429,
  quota_exceeded: 429,
  request_header_too_large: 431,
  internal: 500,
  not_implemented: 501,
  storage_unavailable: 502,
  upstream_error: 502,
  transcode_failed: 502,
  not_ready: 503,
  unavailable: 503,
  database_unavailable: 503,
  storage_timeout: 504,
  upstream_timeout: 504,
  http_version_not_supported: 505,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds after which the same request may succeed: sent as Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

export function errorBody(err: AppError): { error: ErrorCode; message: string } & Record<string, unknown> {
  const message = err.status >= 500 ? 'the service could not complete the request' : err.message;
  return { error: err.code, message, ...(err.status < 500 ? err.details : undefined) };
}
