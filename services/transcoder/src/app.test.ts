import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@vidgate/common/logger';
import { createVideoStore } from '@vidgate/common/video-store';
import { someone, useJobsTable } from '../../../test/support/jobs-table.ts';
import { createUploadAcceptor } from './accept-upload.ts';
import { createApp } from './app.ts';
import { createJobStore } from './job-store.ts';
import { loadTranscoderConfig } from './transcoder-config.ts';
import { createTranscoderMetrics } from './transcoder-metrics.ts';

// MinIO's webhook on any worker: the job goes into the shared queue, once.
const jobsTable = useJobsTable();

const TOKEN = 'webhook-token-0123456789abcdefghijklmnop';
const config = loadTranscoderConfig({ VIDGATE_ENV: 'production', VIDGATE_TRANSCODER_S3_SECRET: 's3-secret-0123456789', VIDGATE_WEBHOOK_TOKEN: TOKEN, VIDGATE_DB_PASSWORD: 'db-password-0123456789' });
const event = (videoId: string) => ({
  Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: config.minio.bucket }, object: { key: `uploads/${videoId}/source`, eTag: '"e"' } } }],
});

function app() {
  const jobs = createJobStore(jobsTable().pool, { leaseSeconds: 30, maxAttempts: 3, perUser: 1 });
  const metrics = createTranscoderMetrics({ queue: () => jobs.stats(), slots: () => ({ total: 1, busy: 0, busySeconds: 0 }) });
  const sealed: string[] = [];
  const acceptUpload = createUploadAcceptor({ jobs, videos: createVideoStore(jobsTable().pool), sealUpload: async (id) => void sealed.push(id) });
  const express = createApp({ config, worker: { id: 'host:8083#abc', running: 0 }, acceptUpload, metrics, logger: createLogger({ name: 'app-test', level: 'silent' }) });
  return { express, sealed };
}

describe('the transcoder webhook', () => {
  it('seals the upload and queues its job once, however often MinIO sends the event; /metrics reads the queue', async () => {
    const { express, sealed } = app();
    const owner = someone('alice');
    const id = await jobsTable().video(owner);
    for (let i = 0; i < 2; i++) {
      const res = await request(express).post('/events/minio').set('Authorization', `Bearer ${TOKEN}`).send(event(id));
      expect(res.status).toBe(200);
    }
    expect(sealed).toEqual([id, id]);
    const { rows } = await jobsTable().pool.query('SELECT owner, state FROM transcode_jobs WHERE video_id = $1', [id]);
    expect(rows).toEqual([{ owner, state: 'queued' }]);
    const metrics = (await request(express).get('/metrics')).text;
    expect(metrics).toMatch(/^vidgate_upload_events_total\{result="queued"\} 1$/m);
    expect(metrics).toMatch(/^vidgate_upload_events_total\{result="duplicate"\} 1$/m);
    expect(metrics).toMatch(/^vidgate_transcode_queue_depth 1$/m);
    expect(metrics).toMatch(/^vidgate_transcode_oldest_waiting_seconds \d/m);
  });

  it('ignores an event for a video without a record, and refuses a wrong token', async () => {
    const { express } = app();
    const res = await request(express).post('/events/minio').set('Authorization', `Bearer ${TOKEN}`).send(event('no-such-video'));
    expect(res.status).toBe(200);
    expect((await request(express).get('/metrics')).text).toMatch(/^vidgate_upload_events_total\{result="unknown"\} 1$/m);
    const refused = await request(express).post('/events/minio').set('Authorization', 'Bearer wrong').send(event('x'));
    expect(refused.status).toBe(401);
    expect((await request(express).get('/healthz')).body).toMatchObject({ status: 'ok', worker: 'host:8083#abc', running: 0 });
  });
});
