import type { ParameterObject, PathsObject, ResponsesObject, SchemaObject } from 'openapi3-ts/oas31';
import { VIDEO_ID } from '@vidgate/common/video';
import { MAX_CAPTION_BYTES } from '../captions/webvtt.ts';
import { MAX_CAPTIONS } from '../routes/captions.ts';

/** The caption routes in the OpenAPI document (services/auth/src/routes/captions.ts). */
const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const ok = (description: string, name: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } });
const bearer = [{ bearerAuth: [] }];

const videoId: ParameterObject = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: VIDEO_ID.source }, example: 'demo' };
const language: ParameterObject = {
  name: 'language', in: 'path', required: true, example: 'en',
  schema: { type: 'string', maxLength: 35, pattern: '^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$' },
  description: 'a BCP 47 language tag; stored in its canonical form (en-us → en-US)',
};

/** What every caption operation may answer besides its success. */
const ERRORS: ResponsesObject = {
  400: error('bad_request: a language that is not a BCP 47 tag, a label that is not valid, an unknown parameter, a path that does not decode'),
  401: error('token_missing or token_invalid'),
  403: error('forbidden: a viewer of the video who is not its owner or an admin; not_entitled'),
  404: error('video_not_found: no such video, or not one the caller may see'),
  502: error('storage_unavailable'),
  503: error('database_unavailable (with Retry-After)'),
};

export const captionSchemas = {
  Caption: {
    type: 'object', additionalProperties: false, required: ['language', 'label', 'updatedAt'],
    properties: { language: { type: 'string' }, label: { type: 'string' }, updatedAt: { type: 'string', format: 'date-time' } },
  },
  CaptionList: {
    type: 'object', additionalProperties: false, required: ['captions'],
    properties: { captions: { type: 'array', items: { $ref: '#/components/schemas/Caption' }, description: 'sorted by language' } },
  },
} satisfies Record<string, SchemaObject>;

export const captionPaths: PathsObject = {
  '/v1/videos/{id}/captions': {
    get: {
      operationId: 'listCaptions',
      summary: 'The owner or an admin lists the captions of a video',
      security: bearer,
      parameters: [videoId],
      responses: { 200: ok('the captions', 'CaptionList'), ...ERRORS },
    },
  },
  '/v1/videos/{id}/captions/{language}': {
    put: {
      operationId: 'putCaption',
      summary: 'The owner or an admin adds (or replaces) the WebVTT captions of a language of a ready video; the signed master playlist names them as a subtitles rendition',
      security: bearer,
      parameters: [
        videoId, language,
        { name: 'label', in: 'query', required: false, schema: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^"\\u0000-\\u001f\\u007f]+$' }, description: "what players show; default: the language's English name" },
      ],
      requestBody: { required: true, content: { 'text/vtt': { schema: { type: 'string', maxLength: MAX_CAPTION_BYTES } } }, description: `a WebVTT file, UTF-8, at most ${MAX_CAPTION_BYTES} bytes; cue times from the start of the video` },
      responses: {
        200: ok('replaced', 'Caption'),
        201: ok('added', 'Caption'),
        ...ERRORS,
        400: error('caption_invalid: not UTF-8, no WEBVTT signature, a cue without well-formed timings or ending before it starts, no cue; bad_request as for every caption operation'),
        409: error(`video_not_ready: captions are added once the video is ready; conflict: the video has captions in ${MAX_CAPTIONS} languages already`),
        413: error(`payload_too_large: over ${MAX_CAPTION_BYTES} bytes`),
        415: error('unsupported_media_type: not text/vtt, or a charset other than UTF-8'),
      },
    },
    delete: {
      operationId: 'deleteCaption',
      summary: 'The owner or an admin removes the captions of a language; 204 also when there were none',
      security: bearer,
      parameters: [videoId, language],
      responses: { 204: { description: 'removed (or there were none): the next master playlist no longer names them' }, ...ERRORS },
    },
  },
};
