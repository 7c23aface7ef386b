import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minioClient } from '@vidgate/common/minio-store';
import { assumeUploadSession, revokeUploadSessions } from '@vidgate/common/upload-sessions';
import { findTool } from '../../services/stack/src/tools.ts';
import { BUCKET, listKeys, rootClient, s3Outcome } from '../support/media-fixtures.ts';
import { testConfig } from '../support/test-stack.ts';
import { run } from '../support/run.ts';

// deploy/minio-init/init.sh, run the way the compose stack's minio-init
// container runs it (secrets through *_FILE), against the test stack's MinIO,
// gives each service user exactly the rights of deploy/minio-init/README.md.
// Same bucket and users as the test stack, so re-running it changes nothing.
type Right = 'read' | 'write' | 'delete';
type Area = 'uploads' | 'videos' | 'other';
const AREAS: Area[] = ['uploads', 'videos', 'other'];
const RIGHTS: Record<'nginx' | 'auth' | 'transcoder', { objects: Record<Area, Right[]>; list: boolean; multipart: boolean }> = {
  nginx: { objects: { uploads: ['read'], videos: ['read'], other: ['read'] }, list: false, multipart: false },
  auth: { objects: { uploads: ['delete'], videos: ['read', 'delete'], other: [] }, list: true, multipart: true },
  transcoder: { objects: { uploads: ['read', 'delete'], videos: ['read', 'write', 'delete'], other: [] }, list: true, multipart: false },
};
const USERS = Object.keys(RIGHTS) as (keyof typeof RIGHTS)[];
const OTHER_BUCKET = 'it-rights-elsewhere';
// Never uploads/<id>/source: that key would notify the test stack's transcoder.
const key = (area: Area, name: string) => `${area}/it-rights/${name}`;
const clients = Object.fromEntries(USERS.map((u) => [u, minioClient(testConfig.minio, testConfig.minio[u])])) as Record<keyof typeof RIGHTS, Client>;

async function readAll(client: Client, bucket: string, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.getObject(bucket, name)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  const secrets = await mkdtemp(join(tmpdir(), 'vidgate-minio-init-'));
  const secret = async (name: string, value: string) => {
    await writeFile(join(secrets, name), `${value}\n`);
    return join(secrets, name);
  };
  const { minio } = testConfig;
  const env = {
    PATH: process.env.PATH, MC: findTool('mc'),
    MINIO_ENDPOINT: minio.endpoint, MINIO_ROOT_USER: minio.root.accessKey, MINIO_ROOT_PASSWORD_FILE: await secret('root', minio.root.secretKey),
    VIDGATE_BUCKET: minio.bucket,
    VIDGATE_NGINX_S3_ACCESS_KEY: minio.nginx.accessKey, VIDGATE_NGINX_S3_SECRET_FILE: await secret('nginx', minio.nginx.secretKey),
    VIDGATE_AUTH_S3_ACCESS_KEY: minio.auth.accessKey, VIDGATE_AUTH_S3_SECRET_FILE: await secret('auth', minio.auth.secretKey),
    VIDGATE_TRANSCODER_S3_ACCESS_KEY: minio.transcoder.accessKey, VIDGATE_TRANSCODER_S3_SECRET_FILE: await secret('transcoder', minio.transcoder.secretKey),
  };
  const init = await run('sh', ['deploy/minio-init/init.sh'], { env });
  expect(init.code, init.stderr).toBe(0);
  for (const area of AREAS) await rootClient.putObject(BUCKET, key(area, 'fixture.bin'), Buffer.from(`fixture in ${area}`));
  await rootClient.makeBucket(OTHER_BUCKET, minio.region).catch(() => undefined);
  await rootClient.putObject(OTHER_BUCKET, 'fixture.bin', Buffer.from('elsewhere'));
});

afterAll(async () => {
  for (const area of AREAS) await rootClient.removeObjects(BUCKET, await listKeys(rootClient, BUCKET, `${area}/it-rights/`));
  await rootClient.removeObject(OTHER_BUCKET, 'fixture.bin').catch(() => undefined);
  await rootClient.removeBucket(OTHER_BUCKET).catch(() => undefined);
});

describe.each(USERS)("%s's MinIO user", (user) => {
  const client = () => clients[user];
  const expected = RIGHTS[user];

  it.each(AREAS)('has exactly its rights on %s/', async (area) => {
    const victim = key(area, `delete-me-by-${user}.bin`);
    await rootClient.putObject(BUCKET, victim, Buffer.from('to delete'));
    const seen: Right[] = [];
    if ((await s3Outcome(() => readAll(client(), BUCKET, key(area, 'fixture.bin')))) === 'allowed') seen.push('read');
    if ((await s3Outcome(() => client().putObject(BUCKET, key(area, `written-by-${user}.bin`), Buffer.from(user)))) === 'allowed') seen.push('write');
    if ((await s3Outcome(() => client().removeObject(BUCKET, victim))) === 'allowed') seen.push('delete');
    expect(seen).toEqual(expected.objects[area]);
    // What was refused really did not happen (S3 may answer a refused delete oddly, MinIO's own state decides).
    const stillThere = (await s3Outcome(() => rootClient.statObject(BUCKET, victim))) === 'allowed';
    expect(stillThere).toBe(!expected.objects[area].includes('delete'));
    expect(await readAll(rootClient, BUCKET, key(area, 'fixture.bin'))).toBe(`fixture in ${area}`);
  });

  it(`${expected.list ? 'can' : 'cannot'} list the bucket`, async () => {
    const result = await s3Outcome(() => listKeys(client(), BUCKET, 'videos/it-rights/'));
    expect(result).toBe(expected.list ? 'allowed' : 'AccessDenied');
  });

  it(`${expected.multipart ? 'can' : 'cannot'} start a multipart upload of a source`, async () => {
    // Started and aborted, never completed: no object, so no notification.
    const source = `uploads/it-rights-multipart-${user}/source`;
    const result = await s3Outcome(async () => {
      const id = await client().initiateNewMultipartUpload(BUCKET, source, {});
      await client().abortMultipartUpload(BUCKET, source, id);
    });
    expect(result).toBe(expected.multipart ? 'allowed' : 'AccessDenied');
  });

  it('cannot touch another bucket, create one, list buckets or change the bucket policy', async () => {
    expect(await s3Outcome(() => readAll(client(), OTHER_BUCKET, 'fixture.bin'))).toBe('AccessDenied');
    expect(await s3Outcome(() => client().putObject(OTHER_BUCKET, `by-${user}.bin`, Buffer.from(user)))).toBe('AccessDenied');
    expect(await s3Outcome(() => listKeys(client(), OTHER_BUCKET, ''))).toBe('AccessDenied');
    expect(await s3Outcome(() => client().makeBucket(`it-rights-new-${user}`, testConfig.minio.region))).toBe('AccessDenied');
    // MinIO answers ListBuckets with the buckets the user may use (or AccessDenied): never another one.
    const buckets = await client().listBuckets().then((list) => list.map((b) => b.name), () => [] as string[]);
    expect(buckets.filter((name) => name !== BUCKET)).toEqual([]);
    expect(await s3Outcome(() => client().setBucketPolicy(BUCKET, '{"Version":"2012-10-17","Statement":[]}'))).toBe('AccessDenied');
  });
});

describe("the auth service's one write under videos/", () => {
  it('is the captions owners upload (videos/<id>/captions/…), nothing else there, and never for an upload session', async () => {
    expect(await s3Outcome(() => clients.auth.putObject(BUCKET, 'videos/it-rights/captions/en.vtt', Buffer.from('WEBVTT\n')))).toBe('allowed');
    expect(await s3Outcome(() => clients.auth.putObject(BUCKET, 'videos/it-rights/hls/master.m3u8', Buffer.from('#EXTM3U\n')))).toBe('AccessDenied');
    expect(await s3Outcome(() => clients.auth.putObject(BUCKET, 'videos/it-rights/captions.vtt', Buffer.from('WEBVTT\n')))).toBe('AccessDenied');
    const session = minioClient(testConfig.minio, await assumeUploadSession(testConfig.minio, testConfig.minio.auth, { videoId: 'it-rights', objectKey: 'uploads/it-rights/source' }, 900));
    expect(await s3Outcome(() => session.putObject(BUCKET, 'videos/it-rights/captions/de.vtt', Buffer.from('WEBVTT\n')))).toBe('AccessDenied');
  });
});

describe('the bucket', () => {
  it('is private to anonymous requests', async () => {
    const res = await fetch(`${testConfig.minio.endpoint}/${BUCKET}/${key('videos', 'fixture.bin')}`);
    expect(res.status).toBe(403);
  });

  it('notifies the transcoder of uploaded sources only', async () => {
    const config = await rootClient.getBucketNotification(BUCKET);
    const queues = (config as unknown as { QueueConfiguration?: { Queue: string; Event: string[]; Filter?: unknown }[] }).QueueConfiguration ?? [];
    expect(queues).toHaveLength(1);
    expect(queues[0]!.Queue).toMatch(/^arn:minio:sqs:[a-z0-9-]*:VIDGATE:webhook$/);
    expect(queues[0]!.Event).toEqual(['s3:ObjectCreated:*']);
    expect(JSON.stringify(queues[0]!.Filter)).toMatch(/"prefix".*"uploads\/".*"suffix".*"\/source"/is);
  });
});

describe('one-purpose upload sessions (services/common/src/upload-sessions.ts)', () => {
  const own = 'uploads/it-sessions-own/source';
  const sessionClient = async (videoId: string, objectKey: string) =>
    minioClient(testConfig.minio, await assumeUploadSession(testConfig.minio, testConfig.minio.auth, { videoId, objectKey }, 900));
  afterAll(async () => {
    await rootClient.removeObject(BUCKET, own).catch(() => undefined);
  });

  it('write their own source and nothing else: no other source, no metadata, no reading', async () => {
    const session = await sessionClient('it-sessions-own', own);
    expect(await s3Outcome(() => session.putObject(BUCKET, 'uploads/it-sessions-other/source', Buffer.from('x')))).toBe('AccessDenied');
    expect(await s3Outcome(() => session.putObject(BUCKET, 'videos/it-rights/meta.json', Buffer.from('{}')))).toBe('AccessDenied');
    expect(await s3Outcome(() => session.putObject(BUCKET, 'uploads/it-sessions-own/source.extra', Buffer.from('x')))).toBe('AccessDenied');
    expect(await s3Outcome(() => readAll(session, BUCKET, key('videos', 'fixture.bin')))).toBe('AccessDenied');
    expect(await s3Outcome(() => session.removeObject(BUCKET, key('videos', 'fixture.bin')))).toBe('AccessDenied');
    expect(await s3Outcome(() => listKeys(session, BUCKET, 'videos/'))).toBe('AccessDenied');
    expect(await s3Outcome(() => session.putObject(BUCKET, own, Buffer.from('the source')))).toBe('allowed');
    expect(await readAll(rootClient, BUCKET, own)).toBe('the source');
  });

  it('stop working once revoked: by the transcoder, by the auth service itself, by nobody else', async () => {
    const victim = (name: string) => sessionClient(`it-sessions-${name}`, `uploads/it-sessions-${name}/source`);
    // Multipart starts make no object, so no notification; what a session may do shows in whether one starts.
    const canStart = async (name: string, session: Client) => s3Outcome(async () => {
      const id = await session.initiateNewMultipartUpload(BUCKET, `uploads/it-sessions-${name}/source`, {});
      await clients.auth.abortMultipartUpload(BUCKET, `uploads/it-sessions-${name}/source`, id);
    });
    const byTranscoder = await victim('t');
    const byAuth = await victim('a');
    expect(await canStart('t', byTranscoder)).toBe('allowed');
    await revokeUploadSessions(testConfig.minio, testConfig.minio.transcoder, testConfig.minio.auth.accessKey, 'it-sessions-t');
    expect(await canStart('t', byTranscoder)).toBe('InvalidAccessKeyId');
    await revokeUploadSessions(testConfig.minio, testConfig.minio.auth, testConfig.minio.auth.accessKey, 'it-sessions-a');
    expect(await canStart('a', byAuth)).toBe('InvalidAccessKeyId');

    const survivor = await victim('n');
    await expect(revokeUploadSessions(testConfig.minio, testConfig.minio.nginx, testConfig.minio.auth.accessKey, 'it-sessions-n')).rejects.toMatchObject({ code: 'storage_unavailable' });
    expect(await canStart('n', survivor)).toBe('allowed');
  });
});
