import { Router } from 'express';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import type { AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import { isSafeSignedPath, MAX_KEY_LENGTH, objectKeyProblem } from '@vidgate/common/object-key';
import { nowSeconds, type UrlSigner } from '@vidgate/common/url-signer';
import { authenticate } from '../http/authenticate.ts';
import { requester } from '../http/audit-request.ts';
import { parseBody } from '../http/parse-body.ts';

const MEDIA = '/media/';
/** The longest key whose signed path (/media/<key>) the signer takes. */
export const MAX_SIGNED_KEY_LENGTH = MAX_KEY_LENGTH + 1 - MEDIA.length;

const body = z.object({
  objectKey: z.string(),
  ttl: z.number().int().positive().optional(),
});

/**
 * POST /v1/sign: an admin mints a signed media URL for any object key. Each URL
 * is in the audit trail (the key and expiry, never the signature) before it is
 * handed out: when the trail cannot be written, none is (503).
 */
export function signRoutes(config: AuthConfig, signer: UrlSigner, audit: AuditLog): Router {
  const router = Router();
  router.post('/v1/sign', authenticate(config.jwt, { role: 'admin' }), async (req, res) => {
    const { objectKey, ttl = config.signing.defaultTtl } = parseBody(body, req.body);
    const problem = objectKeyProblem(objectKey) ?? (isSafeSignedPath(MEDIA + objectKey) ? undefined : `is longer than ${MAX_SIGNED_KEY_LENGTH} characters`);
    if (problem) throw new AppError('object_key_invalid', `objectKey ${problem}`);
    if (ttl > config.signing.maxTtl) throw new AppError('ttl_invalid', `ttl must be at most ${config.signing.maxTtl} seconds`);
    const exp = nowSeconds() + ttl;
    const expiresAt = new Date(exp * 1000).toISOString();
    if (!(await audit.record({ ...requester(req), action: 'sign.minted', detail: { objectKey, ttl, expiresAt, kid: config.signing.activeKid } }))) {
      throw new AppError('database_unavailable', 'the audit trail cannot be written; no URL is minted without a record');
    }
    res.status(201).json({
      url: config.publicUrl + signer.signPath(MEDIA + objectKey, exp),
      expiresAt,
      kid: config.signing.activeKid,
    });
  });
  return router;
}
