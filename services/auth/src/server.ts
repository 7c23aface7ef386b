import { createAuditLog } from '@vidgate/common/audit';
import { configOrExit } from '@vidgate/common/config/env';
import { loadAuthConfig } from './auth-config.ts';
import { createLogger } from '@vidgate/common/logger';
import { createPool } from '@vidgate/common/database/pool';
import { createMinioStore, minioClient } from '@vidgate/common/minio-store';
import { createVideoStore } from '@vidgate/common/video-store';
import { serve } from '@vidgate/common/serve';
import { createApp } from './app.ts';
import { keyRingEvent } from './audit-key-ring.ts';
import { createMinioUploadStorage } from './uploads/upload-storage.ts';

const config = configOrExit('vidgate auth', () => loadAuthConfig());
const logger = createLogger({ name: 'auth', level: config.logLevel });
const store = createMinioStore(minioClient(config.minio, config.minio.auth), config.minio.bucket);
const pool = createPool(config.database, logger, 'vidgate-auth');
const audit = createAuditLog(pool, { logger });
const app = createApp(config, { store, videos: createVideoStore(pool), uploads: createMinioUploadStorage(config), logger, audit });
// A key rotation restarts this process (reload.sh, SIGHUP): the key ring goes into the trail when it differs from the last one there.
void audit.recordChange(keyRingEvent(config.signing));

serve(app, {
  name: 'auth service', port: config.port, host: config.bindHost, logger,
  details: { signMode: config.signing.mode, kid: config.signing.activeKid },
  // Requests in flight finish first; the audit events they queued are written before the pool closes.
  afterClose: async () => {
    await audit.flush();
    await pool.end();
  },
});
