import { Router } from 'express';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import { AppError } from '@vidgate/common/errors';
import { isSafeSignedPath, MAX_KEY_LENGTH, objectKeyProblem } from '@vidgate/common/object-key';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { authenticate } from '../http/authenticate.ts';
import { parseBody } from '../http/parse-body.ts';

const MEDIA = '/media/';
/** The longest key whose signed path (/media/<key>) the signer takes. */
export const MAX_SIGNED_KEY_LENGTH = MAX_KEY_LENGTH + 1 - MEDIA.length;

const body = z.object({
  objectKey: z.string(),
  ttl: z.number().int().positive().optional(),
});

/** POST /v1/sign: an admin mints a signed media URL for any object key. */
export function signRoutes(config: AuthConfig, signer: UrlSigner): Router {
  const router = Router();
  router.post('/v1/sign', authenticate(config.jwt, { role: 'admin' }), (req, res) => {
    const { objectKey, ttl = config.signing.defaultTtl } = parseBody(body, req.body);
    const problem = objectKeyProblem(objectKey) ?? (isSafeSignedPath(MEDIA + objectKey) ? undefined : `is longer than ${MAX_SIGNED_KEY_LENGTH} characters`);
    if (problem) throw new AppError('object_key_invalid', `objectKey ${problem}`);
    if (ttl > config.signing.maxTtl) throw new AppError('ttl_invalid', `ttl must be at most ${config.signing.maxTtl} seconds`);
    const exp = nowSeconds() + ttl;
    res.status(201).json({
      url: config.publicUrl + signer.signPath(MEDIA + objectKey, exp),
      expiresAt: new Date(exp * 1000).toISOString(),
      kid: config.signing.activeKid,
    });
  });
  return router;
}
