import { z } from 'zod';

// The fields of nginx's `log_format vidgate` (nginx/templates/nginx.conf.template)
// that the counters use; the others (time, request_id, ...) are ignored.
const schema = z.object({
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  bytes_sent: z.number().int().nonnegative(),
  request_length: z.number().int().nonnegative(),
  request_time: z.number().nonnegative(),
  reject: z.string(),
});

export type AccessLine = z.infer<typeof schema>;

/** One access log line, or undefined when it is not a JSON object of the expected shape. */
export function parseAccessLine(text: string): AccessLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
