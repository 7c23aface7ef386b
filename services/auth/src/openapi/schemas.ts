import type { ReferenceObject, SchemaObject } from 'openapi3-ts/oas31';
import type { AuthConfig } from '../auth-config.ts';
import { z } from 'zod';
import { MAX_SIGNED_KEY_LENGTH } from '../routes/sign.ts';
import { patchBody } from '../routes/videos.ts';
import { titleText } from '../videos/text-fields.ts';
import { ERROR_CODES } from '@vidgate/common/errors';
import { captionSchemas } from './caption-operations.ts';
import { VIDEO_ID } from '@vidgate/common/video';

/**
 * The JSON schemas of /v1's bodies, shared by the operations in
 * openapi-document.ts. Response objects are closed (additionalProperties:
 * false), so a field a route adds without documenting it fails the tests.
 */
export const ref = (name: keyof ReturnType<typeof schemas>): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

const string: SchemaObject = { type: 'string' };
const url: SchemaObject = { type: 'string', format: 'uri-reference' };
const instant: SchemaObject = { type: 'string', format: 'date-time' };
const positiveInteger: SchemaObject = { type: 'integer', minimum: 1 };

/** A closed object whose properties are all required unless listed as optional. */
function closed(properties: Record<string, SchemaObject | ReferenceObject>, optional: string[] = []): SchemaObject {
  return { type: 'object', properties, required: Object.keys(properties).filter((name) => !optional.includes(name)), additionalProperties: false };
}

export const videoIdSchema: SchemaObject = { type: 'string', pattern: VIDEO_ID.source };

/** A generated JSON Schema without its $schema line (the document's dialect is already 2020-12). */
const withoutDialect = ({ $schema: _dialect, ...schema }: Record<string, unknown>): SchemaObject => schema as SchemaObject;
/** What a route's own zod schema accepts, as JSON Schema: one definition of it. */
const fromZod = (schema: z.ZodType): SchemaObject => withoutDialect(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }));
const visibility: SchemaObject = { type: 'string', enum: ['public', 'private', 'premium'] };

const partUrl = closed({ partNumber: { type: 'integer', minimum: 1, maximum: 10_000 }, size: positiveInteger, url });

export const schemas = (config: AuthConfig) => ({
  Error: {
    type: 'object',
    description: 'Every error of the service: a code from one table (services/common/src/errors.ts) and a message; 5xx messages say nothing internal.',
    properties: {
      error: { type: 'string', enum: Object.keys(ERROR_CODES) },
      message: string,
      missing: { type: 'array', items: positiveInteger, description: 'conflict on complete: the part numbers not uploaded yet' },
    },
    required: ['error', 'message'],
  },
  SignRequest: {
    type: 'object',
    properties: {
      objectKey: { type: 'string', maxLength: MAX_SIGNED_KEY_LENGTH, pattern: '^[A-Za-z0-9._~+=,@-]+(/[A-Za-z0-9._~+=,@-]+)*$', description: 'no segment may be "." or ".." (object_key_invalid)' },
      ttl: { type: 'integer', minimum: 1, maximum: config.signing.maxTtl, description: 'seconds' },
    },
    required: ['objectKey'],
  },
  SignedUrl: closed({ url, expiresAt: instant, kid: string }),
  Rendition: {
    description: 'A variant of the master playlist, in its order: the video renditions, then (when the video has sound) the audio-only one, which has no size. bandwidth is bits per second, as the master\'s BANDWIDTH says.',
    oneOf: [
      closed({ kind: { const: 'video' }, name: string, width: positiveInteger, height: positiveInteger, bandwidth: positiveInteger }),
      closed({ kind: { const: 'audio' }, name: string, bandwidth: positiveInteger, audioBitrate: { ...positiveInteger, description: 'the AAC encoder\'s bit rate, bits per second' } }),
    ],
  },
  Playback: closed(
    {
      videoId: string, masterUrl: url, posterUrl: url,
      storyboardUrl: { ...url, description: 'when the video has seek thumbnails: a signed WebVTT storyboard (GET /v1/storyboards/{id}.vtt), valid as long as masterUrl' },
      expiresAt: instant, durationSeconds: { type: 'number', minimum: 0 }, renditions: { type: 'array', items: { $ref: '#/components/schemas/Rendition' } },
    },
    ['durationSeconds', 'storyboardUrl'],
  ),
  Video: closed(
    {
      id: string,
      title: string,
      description: string,
      owner: string,
      visibility,
      sharedWith: { ...closed({ users: { type: 'array', items: string }, groups: { type: 'array', items: string } }), description: 'only to the owner (or an admin)' },
      status: { type: 'string', enum: ['uploading', 'processing', 'ready', 'failed'] },
      progress: { type: 'number', minimum: 0, maximum: 1 },
      failureReason: { type: 'string', description: 'only to the owner (or an admin)' },
      durationSeconds: { type: 'number', minimum: 0, description: 'once ready' },
      renditions: { type: 'array', items: { $ref: '#/components/schemas/Rendition' }, description: 'once ready' },
      playbackUrl: { ...url, description: 'once ready' },
      posterUrl: { ...url, description: 'once ready: signed, valid as long as a playback\'s master playlist URL' },
      createdAt: string,
      updatedAt: string,
    },
    ['sharedWith', 'failureReason', 'durationSeconds', 'renditions', 'playbackUrl', 'posterUrl'],
  ),
  // Generated from the route's own zod schema: one definition of what PATCH accepts.
  VideoChanges: { ...fromZod(patchBody), description: 'at least one field; sharedWith replaces the lists it names' },
  VideoList: closed({ videos: { type: 'array', items: { $ref: '#/components/schemas/Video' } }, nextCursor: { type: 'string' } }, ['nextCursor']),
  CreateUploadRequest: {
    type: 'object',
    properties: {
      fileName: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]+$' },
      size: { type: 'integer', minimum: 1, maximum: config.uploads.maxBytes, description: 'bytes' },
      contentType: { type: 'string', enum: [...config.uploads.contentTypes] },
      title: fromZod(titleText),
      visibility: { ...visibility, default: 'private' },
    },
    required: ['fileName', 'size', 'contentType'],
  },
  SingleUpload: closed({
    kind: { const: 'single' },
    put: closed({ method: { const: 'PUT' }, url, headers: { type: 'object', description: 'to send with the PUT', properties: { 'Content-Type': string }, required: ['Content-Type'], additionalProperties: string } }),
    post: closed({ method: { const: 'POST' }, url, fields: { type: 'object', additionalProperties: string } }),
  }),
  MultipartUpload: closed(
    {
      kind: { const: 'multipart' },
      partSize: positiveInteger,
      partCount: positiveInteger,
      parts: { type: 'array', items: partUrl, maxItems: 100 },
      morePartsUrl: { ...url, description: 'when there are more than 100 parts' },
      uploadedPartsUrl: url,
      completeUrl: url,
      abortUrl: url,
    },
    ['morePartsUrl'],
  ),
  CreatedUpload: closed({
    videoId: videoIdSchema,
    status: { const: 'uploading' },
    statusUrl: url,
    expiresAt: instant,
    upload: { oneOf: [{ $ref: '#/components/schemas/SingleUpload' }, { $ref: '#/components/schemas/MultipartUpload' }] },
  }),
  PartUrls: closed({ partSize: positiveInteger, partCount: positiveInteger, expiresAt: instant, parts: { type: 'array', items: partUrl, maxItems: 100 } }),
  UploadedParts: closed({ parts: { type: 'array', items: closed({ partNumber: positiveInteger, etag: string, size: { type: 'integer', minimum: 0 } }) } }),
  CompleteUploadRequest: {
    type: 'object',
    description: 'parts, if given, must be exactly the parts storage holds; omit it to complete with those',
    properties: { parts: { type: 'array', items: { type: 'object', properties: { partNumber: { type: 'integer', minimum: 1, maximum: 10_000 }, etag: { type: 'string', minLength: 1 } }, required: ['partNumber', 'etag'] } } },
  },
  CompletedUpload: closed({ videoId: videoIdSchema, status: { const: 'uploading' }, statusUrl: url }),
  ...captionSchemas,
  DemoToken: closed({ token: string, sub: string, expiresIn: positiveInteger }),
  SignInConfig: closed({
    oidc: { oneOf: [{ type: 'null' }, closed({ issuer: { type: 'string', format: 'uri' }, clientId: string, scope: string })], description: 'the identity provider and the pages\' public client (authorization code + PKCE); null: none for the pages' },
    demoLogin: { type: 'boolean', description: 'POST /v1/demo/login exists (development only)' },
  }),
}) satisfies Record<string, SchemaObject>;
