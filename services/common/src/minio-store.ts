import { Client, type BucketItemStat } from 'minio';
import type { Credentials, StorageConfig } from './config/sections.ts';
import { AppError } from './errors.ts';
import type { ObjectStore } from './object-store.ts';

export function minioClientOptions(minio: StorageConfig, credentials: Credentials & { sessionToken?: string }) {
  const url = new URL(minio.endpoint);
  return {
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    region: minio.region,
    accessKey: credentials.accessKey,
    secretKey: credentials.secretKey,
    sessionToken: credentials.sessionToken,
  };
}

export function minioClient(minio: StorageConfig, credentials: Credentials & { sessionToken?: string }): Client {
  return new Client(minioClientOptions(minio, credentials));
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound';
}

/** An object's metadata, or undefined when it does not exist; storage trouble is thrown as is. */
export function statIfExists(client: Client, bucket: string, key: string): Promise<BucketItemStat | undefined> {
  return client.statObject(bucket, key).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
}

/** Any storage failure becomes a 502 with a code; the cause stays in the logs. */
function unavailable(err: unknown): AppError {
  return new AppError('storage_unavailable', 'object storage is unavailable', { cause: String((err as Error).message ?? err) });
}

export function createMinioStore(client: Client, bucket: string, timeoutMs = 5_000): ObjectStore {
  const withTimeout = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
  /** An object's bytes, or undefined when it does not exist. */
  const read = async (open: () => Promise<AsyncIterable<unknown>>): Promise<Buffer | undefined> => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await withTimeout(open())) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw unavailable(err);
    }
  };
  return {
    async getText(key) {
      return (await read(() => client.getObject(bucket, key)))?.toString('utf8');
    },
    getHead: (key, length) => read(() => client.getPartialObject(bucket, key, 0, length)),
    async putText(key, text, contentType) {
      try {
        await withTimeout(client.putObject(bucket, key, Buffer.from(text), undefined, { 'Content-Type': contentType }));
      } catch (err) {
        throw unavailable(err);
      }
    },
    async listChildren(prefix) {
      try {
        const names: string[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, false)) {
          const name = (item.prefix ?? item.name ?? '').slice(prefix.length).replace(/\/$/, '');
          if (name) names.push(name);
        }
        return names;
      } catch (err) {
        throw unavailable(err);
      }
    },
    async removeAll(prefix) {
      try {
        const keys: string[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, true)) if (item.name) keys.push(item.name);
        // removeObjects sends batches of up to 1000 keys (S3's DeleteObjects).
        if (keys.length > 0) await client.removeObjects(bucket, keys);
        return keys.length;
      } catch (err) {
        throw unavailable(err);
      }
    },
    async ping() {
      try {
        if (!(await withTimeout(client.bucketExists(bucket)))) throw new Error(`bucket ${bucket} does not exist`);
      } catch (err) {
        throw unavailable(err);
      }
    },
  };
}
