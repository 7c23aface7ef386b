import { z } from 'zod';

// The fields of nginx's log formats (nginx/templates/nginx.conf.template) that
// the counters use; the others (time, request_id, ...) are ignored. Two kinds of
// line share the access log: one per client request (`vidgate`), and one per
// read of MinIO by the edge cache (`vidgate_storage`, "log":"storage").
const request = z.object({
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  bytes_sent: z.number().int().nonnegative(),
  request_length: z.number().int().nonnegative(),
  request_time: z.number().nonnegative(),
  reject: z.string(),
  // Lines written before the edge cache have no cache field.
  cache: z.string().default(''),
});

const storageRead = z.object({
  log: z.literal('storage'),
  path: z.string(),
  cache: z.string(),
  // nginx lists one value per upstream tried ("0, 1049000"), " : " between internal redirects.
  upstream_bytes: z.string().regex(/^[0-9]+(?:(?:, | : )[0-9]+)*$/).transform((text) => text.split(/, | : /).reduce((sum, n) => sum + Number(n), 0)),
});

export type AccessLine = z.infer<typeof request>;
export type StorageLine = z.infer<typeof storageRead>;

/** One log line: a client request, a storage read, or undefined when it is neither. */
export function parseAccessLine(text: string): ({ type: 'request' } & AccessLine) | ({ type: 'storage' } & StorageLine) | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if ((value as { log?: unknown } | null)?.log === 'storage') {
    const parsed = storageRead.safeParse(value);
    return parsed.success ? { type: 'storage', ...parsed.data } : undefined;
  }
  const parsed = request.safeParse(value);
  return parsed.success ? { type: 'request', ...parsed.data } : undefined;
}
