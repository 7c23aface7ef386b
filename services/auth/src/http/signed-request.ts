import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from '@vidgate/common/errors';
import type { UrlSigner } from '@vidgate/common/url-signer';

/**
 * For the texts the auth service serves without a token (playlists,
 * storyboards): the signature of the URL is the grant. Throws the signing
 * scheme's error (403, 410) when the path and query do not carry a valid one.
 * A valid one may be used from any page (a player on another site fetches
 * cross-origin), as signed media may (minio-proxy.conf): the answer says so.
 */
export function assertSignedRequest(req: Request, res: Response, signer: UrlSigner, what: string): void {
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const verdict = signer.verify(req.path, query);
  if (!verdict.ok) throw new AppError(verdict.error, `this ${what} URL is not validly signed`);
  res.set('Access-Control-Allow-Origin', '*');
}

/** A weak ETag of a text as sent (one for every encoding of it): 162 bits of its SHA-256. */
export const weakEtag = (bytes: Buffer): string => `W/"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
