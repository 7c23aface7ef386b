import type { z } from 'zod';
import { AppError } from '@vidgate/common/errors';

/** Validates a JSON body against a schema; failures name the field. */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new AppError('invalid_body', `${issue.path.join('.') || 'body'}: ${issue.message}`);
}
