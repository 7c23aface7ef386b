import { Router } from 'express';
import type { OpenAPIObject } from 'openapi3-ts/oas31';

/** GET /v1/openapi.json: the description of /v1, built once at start-up. */
export function openApiRoutes(document: OpenAPIObject): Router {
  const router = Router();
  const body = JSON.stringify(document);
  router.get('/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('json').send(body);
  });
  return router;
}
