import { ERROR_CODES, type ErrorCode } from '@vidgate/common/errors';

/**
 * nginx's own error responses, rendered from the services' error table
 * (services/common/src/errors.ts): the same JSON shape, { "error", "message" },
 * the same codes with the same statuses, never cached (no-store).
 *
 * An error page is chosen per context, because what a status means depends on
 * who produced it: a 502 in front of the auth service is not MinIO's, and
 * MinIO's 403 to an upload means its presigned URL was refused. A location
 * that sets any error_page inherits none, so each context is a complete list.
 */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  bad_request: 'the request is malformed',
  forbidden: 'access to this path is forbidden',
  signature_missing: 'the URL carries no signature',
  signature_invalid: 'the signature does not match this URL',
  key_unknown: 'the signature names a key id the origin does not know',
  query_not_allowed: 'the query string carries parameters that are not allowed here',
  path_invalid: 'the path is not a valid object key',
  signature_expired: 'the signed URL has expired',
  unsupported_media_type: 'a form upload must be multipart/form-data',
  not_found: 'nothing here',
  method_not_allowed: 'this method is not allowed here',
  request_timeout: 'the request was not received in time',
  length_required: 'an upload needs a Content-Length',
  precondition_failed: 'a precondition of the request failed',
  payload_too_large: 'the request body is larger than allowed',
  uri_too_long: 'the request line is too long',
  range_not_satisfiable: 'the requested range is outside the object',
  too_many_requests: 'too many requests from this address; retry after the time in Retry-After',
  request_header_too_large: 'the request headers are too large',
  internal: 'the origin could not complete the request',
  not_implemented: 'the request uses a feature the origin does not support (e.g. a transfer coding)',
  http_version_not_supported: 'the HTTP version is not supported',
  storage_unavailable: 'object storage is unavailable',
  storage_timeout: 'object storage did not answer in time',
  upstream_error: 'a service behind the origin failed',
  upstream_timeout: 'a service behind the origin did not answer in time',
  unavailable: 'the origin is unavailable',
  upload_invalid: 'storage refused the upload: it does not match what was presigned (headers, size, type or form)',
  upload_refused: 'storage refused the upload: its URL is invalid, expired, or revoked because the upload completed or was cancelled',
  upload_not_found: 'no such multipart upload: it was completed or aborted',
  source_exists: 'the upload has completed already; its source cannot be replaced',
};

/** What nginx answers for each status it produces itself, unless a context says otherwise. */
const DEFAULTS = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  411: 'length_required',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  416: 'range_not_satisfiable',
  429: 'too_many_requests',
  494: 'request_header_too_large',
  500: 'internal',
  501: 'not_implemented',
  502: 'storage_unavailable',
  503: 'unavailable',
  504: 'storage_timeout',
  505: 'http_version_not_supported',
} as const satisfies Record<number, ErrorCode>;

type Pages = Partial<Record<number, ErrorCode>>;
export const ERROR_CONTEXTS = {
  /** Server level: static pages, refusals before any location. */
  default: {},
  /** /v1/: nginx's own errors in front of the auth service (its answers pass through untouched). */
  api: { 502: 'upstream_error', 504: 'upstream_timeout' },
  /** Upload routes: MinIO's answers to presigned requests, intercepted (they are XML and name the bucket). */
  upload: { 400: 'upload_invalid', 401: 'upload_refused', 403: 'upload_refused', 404: 'upload_not_found', 409: 'upload_invalid', 411: 'length_required', 412: 'source_exists', 416: 'upload_invalid', 500: 'storage_unavailable', 501: 'upload_invalid', 503: 'storage_unavailable' },
  /** /media/ after validation: MinIO's answers to the validated read, intercepted (a 400 is the client's: MinIO gets only requests nginx built). */
  media: { 401: 'upstream_error', 403: 'upstream_error', 405: 'upstream_error', 500: 'upstream_error', 501: 'upstream_error', 503: 'upstream_error' },
} as const satisfies Record<string, Pages>;
export type ErrorContext = keyof typeof ERROR_CONTEXTS;

const pagesOf = (context: ErrorContext): [number, ErrorCode][] =>
  Object.entries({ ...DEFAULTS, ...ERROR_CONTEXTS[context] } as Pages).map(([status, code]) => [Number(status), code!]);

/** The body nginx sends for `code`: valid JSON, and valid inside nginx's single quotes. */
export function errorJson(code: ErrorCode): string {
  const message = MESSAGES[code];
  if (!message) throw new Error(`no nginx message for error code ${code}`);
  return `${JSON.stringify({ error: code, message })}\n`;
}

const quoted = (code: ErrorCode) => `'${errorJson(code).replace(/\n$/, '\\n')}'`;

/** One internal location per code nginx can answer with: its status from the table, its JSON body. */
function errorLocations(): string {
  const codes = new Set((Object.keys(ERROR_CONTEXTS) as ErrorContext[]).flatMap((c) => pagesOf(c).map(([, code]) => code)));
  return [...codes]
    .sort()
    .map((code) => {
      // A browser reads a refused upload's answer only with the CORS headers; 429 says when to retry.
      // A 405 says what is allowed: the location that refused sets $vidgate_allow (empty: no header).
      const headers = ['Cache-Control no-store', 'Access-Control-Allow-Origin $vidgate_cors_origin', 'Vary Origin', ...(code === 'too_many_requests' ? ['Retry-After 1'] : []), ...(code === 'method_not_allowed' ? ['Allow $vidgate_allow'] : [])];
      const adds = headers.map((h) => `add_header ${h} always;`).join(' ');
      // No body limit here: an upload MinIO refused early redirects to its page with its body unread.
      return `location = /_vidgate/error/${code} { internal; client_max_body_size 0; types { } default_type application/json; ${adds} return ${ERROR_CODES[code]} ${quoted(code)}; }`;
    })
    .join('\n');
}

/** The error_page lines of a context (an include file per context). */
// "=status": nginx would answer some statuses (494) as 400 whatever the page says.
export const renderErrorPages = (context: ErrorContext) => `${pagesOf(context).map(([status, code]) => `error_page ${status} =${ERROR_CODES[code]} /_vidgate/error/${code};`).join('\n')}\n`;

/**
 * json-errors.conf, included in every server block: the error locations and the
 * server's default error pages. 400, 414 and 494 can happen before the URI is
 * parsed, when named locations cannot be used yet: hence URIs, for all.
 */
export const renderJsonErrors = (confDir: string) => `# Rendered from services/common/src/errors.ts by services/stack/src/nginx-errors.ts.\n${errorLocations()}\ninclude ${confDir}/error-pages-default.conf;\n`;

/**
 * error-bodies.conf, at http level: $vidgate_error_body is the body for the
 * code in $vidgate_reject, which the templates' refusals set (njs sets it in
 * hmac mode) before `return <status> $vidgate_error_body;`. The same bodies
 * as the error pages; the access log records the same code.
 */
export const renderErrorBodies = () =>
  `# Rendered from services/common/src/errors.ts by services/stack/src/nginx-errors.ts.\nmap $vidgate_reject $vidgate_error_body {\n    default ${quoted('internal')};\n${(Object.keys(MESSAGES) as ErrorCode[]).map((code) => `    ${code} ${quoted(code)};`).join('\n')}\n}\n`;
