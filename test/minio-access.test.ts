import { beforeAll, describe, expect, it } from 'vitest';
import { minioClient } from '@vidgate/common/minio-store';
import { BUCKET, getObject, listKeys, putObject, rootClient, s3Outcome } from './support/media-fixtures.ts';
import { testConfig } from './support/test-stack.ts';

// The bucket is private and each service's MinIO user can do only its job
// (deploy/minio-init): anyone reaching MinIO directly, or holding nginx's
// credentials, still cannot read unsigned, list, write or delete.
const MINIO = testConfig.minio.endpoint;
const KEY = 'it-minio/object.txt';
const CONTENT = Buffer.from('minio-access fixture\n');
const nginxUser = minioClient(testConfig.minio, testConfig.minio.nginx);
const authUser = minioClient(testConfig.minio, testConfig.minio.auth);
const PUBLIC_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${BUCKET}/*`] }],
});

async function expectUnchanged() {
  expect((await getObject(KEY)).equals(CONTENT)).toBe(true);
}

beforeAll(async () => {
  await putObject(KEY, CONTENT, 'text/plain');
});

describe('anonymous requests straight to MinIO', () => {
  const anonymous = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${MINIO}${path}`, { method, body, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };

  it.each([
    ['GET an object', 'GET', `/${BUCKET}/${KEY}`, undefined],
    ['HEAD an object', 'HEAD', `/${BUCKET}/${KEY}`, undefined],
    ['PUT an object', 'PUT', `/${BUCKET}/it-minio/anonymous.txt`, 'anonymous write'],
    ['overwrite an object', 'PUT', `/${BUCKET}/${KEY}`, 'anonymous overwrite'],
    ['DELETE an object', 'DELETE', `/${BUCKET}/${KEY}`, undefined],
    ['list the bucket (v2)', 'GET', `/${BUCKET}/?list-type=2`, undefined],
    ['list the bucket (v1)', 'GET', `/${BUCKET}/`, undefined],
    ['read the bucket policy', 'GET', `/${BUCKET}/?policy`, undefined],
    ['list all buckets', 'GET', '/', undefined],
  ])('%s → 403 AccessDenied', async (_name, method, path, body) => {
    const res = await anonymous(method, path, body);
    expect(res.status).toBe(403);
    if (method !== 'HEAD') expect(res.text).toContain('<Code>AccessDenied</Code>');
    expect(res.text).not.toContain(CONTENT.toString());
  });

  it('changed nothing', async () => {
    await expectUnchanged();
    expect(await s3Outcome(() => rootClient.statObject(BUCKET, 'it-minio/anonymous.txt'))).toBe('NotFound');
  });
});

describe("nginx's MinIO user (read-only)", () => {
  it('can read an object', async () => {
    expect((await getObject(KEY, nginxUser)).equals(CONTENT)).toBe(true);
  });

  it.each([
    ['write a new object', () => nginxUser.putObject(BUCKET, 'it-minio/by-nginx.txt', Buffer.from('x'))],
    ['overwrite an object', () => nginxUser.putObject(BUCKET, KEY, Buffer.from('overwritten by nginx'))],
    ['copy onto an object', () => nginxUser.copyObject(BUCKET, 'it-minio/copy.txt', `/${BUCKET}/${KEY}`)],
    ['delete an object', () => nginxUser.removeObject(BUCKET, KEY)],
    ['list objects', () => listKeys(nginxUser, BUCKET, 'it-minio/')],
    ['read the bucket policy', () => nginxUser.getBucketPolicy(BUCKET)],
    ['make the bucket public', () => nginxUser.setBucketPolicy(BUCKET, PUBLIC_POLICY)],
    ['start a multipart upload', () => nginxUser.initiateNewMultipartUpload(BUCKET, 'it-minio/multipart.bin', {})],
  ])('cannot %s (AccessDenied)', async (_name, work) => {
    expect(await s3Outcome(work)).toBe('AccessDenied');
  });

  it('cannot delete through a multi-object delete either', async () => {
    await nginxUser.removeObjects(BUCKET, [KEY]).catch(() => undefined); // S3 reports per-key errors in a 200
    await expectUnchanged();
  });

  it('changed nothing', async () => {
    await expectUnchanged();
    expect(await listKeys(rootClient, BUCKET, 'it-minio/')).toEqual([KEY]);
  });
});

// What the auth service's user may do with objects is tested area by area in deploy/minio-rights.test.ts.
describe("the auth service's MinIO user", () => {
  it('cannot make the bucket public or read its policy', async () => {
    expect(await s3Outcome(() => authUser.setBucketPolicy(BUCKET, PUBLIC_POLICY))).toBe('AccessDenied');
    expect(await s3Outcome(() => authUser.getBucketPolicy(BUCKET))).toBe('AccessDenied');
    const res = await fetch(`${MINIO}/${BUCKET}/${KEY}`);
    expect(res.status).toBe(403);
  });
});
