import { Router } from 'express';
import { z } from 'zod';
import type { AuthConfig } from '../auth-config.ts';
import { AUDIT_ACTIONS, type AuditLog } from '@vidgate/common/audit';
import { AppError } from '@vidgate/common/errors';
import { authenticate } from '../http/authenticate.ts';
import { requester } from '../http/audit-request.ts';

export const MAX_AUDIT_PAGE = 100;

const instant = z.iso.datetime({ offset: true });
export const auditQuery = z.object({
  actor: z.string().min(1).max(200).optional(),
  video: z.string().min(1).max(200).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.string().regex(/^[0-9]{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(MAX_AUDIT_PAGE)).default(50),
  cursor: z.string().regex(/^[1-9][0-9]{0,17}$/, 'is not a cursor this service gave').optional(),
}).strict();

/** GET /v1/audit: admins read the audit trail, newest first, a page at a time. Reading it is itself recorded. */
export function auditRoutes(deps: { config: AuthConfig; audit: AuditLog }): Router {
  const { config, audit } = deps;
  const router = Router();
  router.get('/v1/audit', authenticate(config.jwt, { role: 'admin' }), async (req, res) => {
    const query = auditQuery.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0]!;
      const problem = issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : issue.message;
      throw new AppError('bad_request', `${issue.path.join('.') || 'query'}: ${problem} (actor, video, action, from and to as ISO instants, limit 1..${MAX_AUDIT_PAGE}, cursor)`);
    }
    const { video, ...filters } = query.data;
    const page = await audit.query({ ...filters, videoId: video });
    await audit.record({ ...requester(req), action: 'audit.read', detail: { ...query.data, returned: page.events.length } });
    res.set('Cache-Control', 'private, no-store').json(page);
  });
  return router;
}
