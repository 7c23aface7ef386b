import type { Logger } from '@vidgate/common/logger';
import { revokeUploadSessions } from '@vidgate/common/upload-sessions';
import type { TranscoderConfig } from './transcoder-config.ts';
import type { TranscoderMetrics } from './transcoder-metrics.ts';

/**
 * Once MinIO reports an upload's source written, every URL handed out for that
 * upload is revoked: a POST form or part URL used again cannot replace the
 * source (a single PUT is refused anyway, by its signed If-None-Match: *).
 * A failure is logged and counted, never fatal: the job still runs, and the
 * sessions expire with the URLs.
 */
export function createUploadSealer(deps: { config: TranscoderConfig; metrics: TranscoderMetrics; logger: Logger }) {
  const { config, metrics, logger } = deps;
  return async function sealUpload(videoId: string): Promise<void> {
    try {
      await revokeUploadSessions(config.minio, config.minio.transcoder, config.minio.uploadSessionsParent, videoId);
      metrics.sealed.inc({ result: 'revoked' });
    } catch (err) {
      metrics.sealed.inc({ result: 'failed' });
      logger.warn({ videoId, err }, 'could not revoke the upload URLs of a completed upload');
    }
  };
}

export type UploadSealer = ReturnType<typeof createUploadSealer>;
