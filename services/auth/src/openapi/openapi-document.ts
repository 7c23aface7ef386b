import type { OpenAPIObject, OperationObject, ParameterObject, PathsObject, ReferenceObject, ResponsesObject, SchemaObject } from 'openapi3-ts/oas31';
import type { AuthConfig } from '../auth-config.ts';
import { MAX_PAGE, VIEWS } from '../routes/videos.ts';
import { ref, schemas, videoIdSchema } from './schemas.ts';
import { auditPath } from './audit-operation.ts';
import { captionPaths } from './caption-operations.ts';

const bearer = [{ bearerAuth: [] }];
const json = (schema: SchemaObject | ReferenceObject) => ({ 'application/json': { schema } });
const ok = (description: string, schema: SchemaObject | ReferenceObject) => ({ description, content: json(schema) });
const error = (description: string) => ({ description, content: json(ref('Error')) });

/** Error responses by status; each operation lists those its code can produce. */
const ERRORS = {
  400: error('bad_request: a path parameter that does not decode'),
  401: error('token_missing or token_invalid'),
  403: error('forbidden, not_entitled'),
  404: error('not_found, video_not_found'),
  409: error('conflict, video_not_ready'),
  502: error('storage_unavailable: object storage failed'),
  503: error('database_unavailable: the database cannot answer now; unavailable: the identity provider\'s keys cannot be fetched now (both with Retry-After)'),
} as const;
type ErrorStatus = keyof typeof ERRORS;

/** JSON bodies: the parser's own failures come first (invalid_body, payload_too_large over 64 kB, unsupported_media_type). */
const BODY_ERRORS = {
  400: error('invalid_body (names the field), bad_request'),
  413: error('payload_too_large'),
  415: error('unsupported_media_type'),
} as const;

function responses(success: ResponsesObject, statuses: ErrorStatus[], extra: ResponsesObject = {}): ResponsesObject {
  return { ...success, ...Object.fromEntries(statuses.map((status) => [status, ERRORS[status]])), ...extra };
}

const pathParam = (name: string, schema: SchemaObject, description?: string): ParameterObject => ({ name, in: 'path', required: true, schema, ...(description ? { description } : {}) });
const videoId: ParameterObject = { ...pathParam('id', videoIdSchema, 'a video id'), example: 'demo' };

const SIGNATURE_PARAMS: Record<AuthConfig['signing']['mode'], string[]> = { hmac: ['exp', 'kid', 'sig'], md5: ['md5', 'expires', 'kid'] };

const hlsPlaylist = (signingMode: AuthConfig['signing']['mode']): OperationObject => ({
  operationId: 'getSignedPlaylist',
  summary: 'A stored playlist with every URI in it signed on its own; the signature of this URL is the capability',
  security: [],
  parameters: [
    videoId,
    { ...pathParam('rest', { type: 'string', minLength: 1 }, 'the playlist under the video, e.g. master.m3u8 or 720p/index.m3u8'), example: 'master.m3u8' },
    ...SIGNATURE_PARAMS[signingMode].map((name): ParameterObject => ({ name, in: 'query', required: true, schema: { type: 'string' } })),
  ],
  responses: {
    200: { description: 'the rewritten playlist (gzip when accepted)', content: { 'application/vnd.apple.mpegurl': { schema: { type: 'string' } } } },
    304: { description: 'unchanged since the ETag sent' },
    400: ERRORS[400],
    403: error('signature_missing, signature_invalid, key_unknown, query_not_allowed, path_invalid'),
    404: ERRORS[404],
    410: error('signature_expired'),
    502: ERRORS[502],
  },
});

const storyboard = (signingMode: AuthConfig['signing']['mode']): OperationObject => ({
  operationId: 'getSignedStoryboard',
  summary: 'The seek-thumbnail storyboard (WebVTT: each cue names a JPEG sheet and a tile, sheet URLs signed for /media/); the signature of this URL, from playback\'s storyboardUrl, is the capability',
  security: [],
  parameters: [videoId, ...SIGNATURE_PARAMS[signingMode].map((name): ParameterObject => ({ name, in: 'query', required: true, schema: { type: 'string' } }))],
  responses: {
    200: { description: 'the storyboard; private, revalidated with its ETag', content: { 'text/vtt': { schema: { type: 'string' } } } },
    304: { description: 'unchanged since the ETag sent' },
    400: ERRORS[400],
    403: error('signature_missing, signature_invalid, key_unknown, query_not_allowed, path_invalid'),
    404: error('video_not_found, not_found: the video has no storyboard'),
    410: error('signature_expired'),
    502: ERRORS[502],
    503: ERRORS[503],
  },
});

/** What a client does next with an upload it created (schemathesis follows these too). */
const UPLOAD_LINKS = Object.fromEntries(
  ['abortUpload', 'getPartUrls', 'getUploadedParts', 'completeUpload', 'getVideo'].map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/videoId' } }]),
);

const uploadOperation = (operationId: string, summary: string, success: ResponsesObject, extra: Partial<OperationObject> = {}): OperationObject => ({
  operationId,
  summary,
  security: bearer,
  parameters: [videoId],
  responses: responses(success, [400, 401, 404, 409, 502], { ...(extra.requestBody ? BODY_ERRORS : {}), 410: error('upload_expired: not completed in time; start a new upload') }),
  ...extra,
});

function paths(config: AuthConfig): PathsObject {
  return {
    '/v1/openapi.json': {
      get: { operationId: 'getOpenApi', summary: 'This document', security: [], responses: { 200: ok('OpenAPI 3.1', { type: 'object' }) } },
    },
    '/v1/sign': {
      post: {
        operationId: 'signMediaUrl',
        summary: 'An admin mints a signed /media/ URL for any object key',
        security: bearer,
        requestBody: { required: true, content: json(ref('SignRequest')) },
        responses: responses({ 201: ok('the signed URL', ref('SignedUrl')) }, [401, 403, 503], { ...BODY_ERRORS, 400: error('invalid_body, object_key_invalid, ttl_invalid, bad_request') }),
      },
    },
    '/v1/videos': {
      get: {
        operationId: 'listVideos',
        summary: "The caller's library, newest first, a page at a time: their own videos, those shared with them (by name or group; once ready), or for an admin all",
        security: bearer,
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 } },
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: 'nextCursor of the previous page' },
          { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['uploading', 'processing', 'ready', 'failed'] } },
          { name: 'view', in: 'query', required: false, schema: { type: 'string', enum: [...VIEWS], default: 'mine' } },
        ],
        responses: responses({ 200: ok('a page of videos; nextCursor when more follow', ref('VideoList')) }, [401, 502, 503], {
          400: error('bad_request: a limit, cursor, status or view that is not valid, or an unknown parameter'),
          403: error('forbidden: view=all needs the admin role'),
        }),
      },
    },
    '/v1/videos/{id}': {
      get: {
        operationId: 'getVideo',
        summary: 'A video the caller owns or may watch (others only once ready)',
        security: bearer,
        parameters: [videoId],
        responses: responses({ 200: ok('the video', ref('Video')) }, [400, 401, 403, 404, 502, 503]),
      },
      patch: {
        operationId: 'changeVideo',
        summary: 'The owner or an admin renames, describes, changes the visibility or the sharing of a video',
        security: bearer,
        parameters: [videoId],
        requestBody: { required: true, content: json(ref('VideoChanges')) },
        responses: responses({ 200: ok('the video as it now is', ref('Video')) }, [401, 404, 502, 503], { ...BODY_ERRORS, 403: error('forbidden: a viewer of the video who is not its owner or an admin; not_entitled') }),
      },
      delete: {
        operationId: 'deleteVideo',
        summary: 'The owner or an admin deletes a video: an upload in progress is ended, every object and the record removed; a video that is not there answers 204 too',
        security: bearer,
        parameters: [videoId],
        responses: responses({ 204: { description: 'deleted (or there was no such video); playback and playlists answer 404 at once, media within the edge cache bound' } }, [400, 401, 404, 502, 503], { 403: error('forbidden: a viewer of the video who is not its owner or an admin; not_entitled') }),
      },
    },
    '/v1/videos/{id}/playback': {
      get: {
        operationId: 'getPlayback',
        summary: 'Checks entitlement and returns a signed master playlist URL (anonymous for public videos where configured)',
        security: [...bearer, {}],
        parameters: [videoId],
        responses: responses({ 200: ok('signed URLs', ref('Playback')) }, [400, 401, 403, 404, 409, 502]),
      },
    },
    ...captionPaths,
    '/v1/hls/{id}/{rest}': { get: hlsPlaylist(config.signing.mode) },
    '/v1/storyboards/{id}.vtt': { get: storyboard(config.signing.mode) },
    '/v1/proxy/videos/{id}/{rest}': {
      get: {
        operationId: 'getProxied',
        summary: 'Legacy mode: a stored playlist or segment streamed through the service after the JWT and entitlement check',
        security: bearer,
        parameters: [
          videoId,
          { ...pathParam('rest', { type: 'string', minLength: 1 }, 'the object under the video, e.g. master.m3u8 or 720p/seg_000.ts'), example: 'master.m3u8' },
          { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: responses(
          { 200: { description: 'the object', content: { '*/*': { schema: {} } } }, 206: { description: 'the requested range', content: { '*/*': { schema: {} } } }, 304: { description: 'unchanged' } },
          [401, 403, 404, 502],
          { 400: error('object_key_invalid, bad_request'), 416: error('range_not_satisfiable') },
        ),
      },
    },
    '/v1/uploads': {
      post: {
        operationId: 'createUpload',
        summary: 'Starts a direct upload: presigned URLs for one PUT/POST, or for the parts of a multipart upload',
        security: bearer,
        requestBody: { required: true, content: json(ref('CreateUploadRequest')) },
        responses: responses({ 201: { ...ok('the upload', ref('CreatedUpload')), links: UPLOAD_LINKS } }, [401, 502], {
          ...BODY_ERRORS,
          429: { ...error('quota_exceeded: too many uploads open, or the daily bytes used'), headers: { 'Retry-After': { description: 'seconds until the quota has room', schema: { type: 'integer', minimum: 1 } } } },
        }),
      },
    },
    '/v1/uploads/{id}': {
      delete: uploadOperation('abortUpload', 'Cancels an open upload', { 204: { description: 'cancelled' } }),
    },
    '/v1/uploads/{id}/parts': {
      get: uploadOperation('getPartUrls', 'Presigned URLs for more parts of a multipart upload', { 200: ok('part URLs', ref('PartUrls')) }, {
        parameters: [videoId, ...['from', 'count'].map((name): ParameterObject => ({ name, in: 'query', required: false, schema: { type: 'integer', minimum: 1 } }))],
      }),
    },
    '/v1/uploads/{id}/parts/uploaded': {
      get: uploadOperation('getUploadedParts', 'The parts storage holds so far', { 200: ok('the parts', ref('UploadedParts')) }),
    },
    '/v1/uploads/{id}/complete': {
      post: uploadOperation('completeUpload', 'Completes a multipart upload with the parts storage holds', { 200: ok('completed; transcoding follows', ref('CompletedUpload')) }, {
        requestBody: { required: false, content: json(ref('CompleteUploadRequest')) },
      }),
    },
    '/v1/audit': auditPath,
    '/v1/auth/config': { get: { operationId: 'signInConfig', summary: 'How the pages sign in: the identity provider and its public client, or the demo login', security: [], responses: { 200: ok('how to sign in', ref('SignInConfig')) } } },
    ...(config.playback.demoLogin
      ? { '/v1/demo/login': { post: { operationId: 'demoLogin', summary: 'Development only: a short-lived user token for the player page', security: [], responses: { 200: ok('a token', ref('DemoToken')) } } } }
      : {}),
  };
}

/**
 * The OpenAPI 3.1 description of /v1, served at GET /v1/openapi.json: of this
 * deployment, so limits the code checks against the configuration (content
 * types, sizes, TTLs, which routes exist) are in the schemas too.
 */
export function openApiDocument(config: AuthConfig): OpenAPIObject {
  return {
    openapi: '3.1.0',
    info: { title: 'Vidgate API', version: '1', description: 'Signed playback, direct uploads and the legacy proxy of the Vidgate auth service.' },
    servers: [{ url: config.publicUrl }],
    paths: paths(config),
    components: {
      schemas: schemas(config),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 with the shared secret, or an access token of the identity provider (VIDGATE_OIDC_ISSUER), by the algorithm its header names' } },
    },
  };
}
