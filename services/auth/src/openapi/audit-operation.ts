import type { ParameterObject, PathItemObject, SchemaObject } from 'openapi3-ts/oas31';
import { AUDIT_ACTIONS } from '@vidgate/common/audit';
import { MAX_AUDIT_PAGE } from '../routes/audit.ts';

/** GET /v1/audit in the OpenAPI document: its parameters, page and errors. */
const string: SchemaObject = { type: 'string' };
const hex: SchemaObject = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const auditEvent: SchemaObject = {
  type: 'object',
  description: 'One event; the database set its id, time and hashes (hash = sha256(prevHash || the event as canonical text), README: Audit trail)',
  properties: {
    id: { type: 'integer', minimum: 1 },
    at: { type: 'string', format: 'date-time' },
    action: { type: 'string', enum: [...AUDIT_ACTIONS] },
    actor: { ...string, description: 'a token\'s subject, "anonymous", "system:<service>" or the operator' },
    videoId: string,
    clientIp: string,
    userAgent: string,
    detail: { type: 'object', description: 'what the action adds: a reason code, an object key and expiry, sizes, key ids; never a token, signature or key' },
    prevHash: { ...hex, description: 'absent on the first event ever written' },
    hash: hex,
  },
  required: ['id', 'at', 'action', 'actor', 'detail', 'hash'],
  additionalProperties: false,
};

const query = (name: string, schema: SchemaObject, description?: string): ParameterObject => ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) });

export const auditPath: PathItemObject = {
  get: {
    operationId: 'readAuditTrail',
    summary: 'Admins read the audit trail, newest first, a page at a time (the read itself is recorded)',
    security: [{ bearerAuth: [] }],
    parameters: [
      query('actor', { type: 'string', minLength: 1, maxLength: 200 }, 'who acted: a user id, "anonymous", "system:auth"…'),
      query('video', { type: 'string', minLength: 1, maxLength: 200 }, 'a video id'),
      query('action', { type: 'string', enum: [...AUDIT_ACTIONS] }),
      query('from', { type: 'string', format: 'date-time' }, 'events at or after this instant'),
      query('to', { type: 'string', format: 'date-time' }, 'events before this instant'),
      query('limit', { type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, default: 50 }),
      query('cursor', { type: 'string', pattern: '^[1-9][0-9]{0,17}$' }, 'nextCursor of the previous page'),
    ],
    responses: {
      200: {
        description: 'a page of events; nextCursor when more follow',
        content: { 'application/json': { schema: { type: 'object', properties: { events: { type: 'array', items: auditEvent }, nextCursor: string }, required: ['events'], additionalProperties: false } } },
      },
      400: error('bad_request: a parameter that is not valid, or an unknown one'),
      401: error('token_missing or token_invalid'),
      403: error('forbidden: the admin role is needed'),
      503: error('database_unavailable'),
    },
  },
};
