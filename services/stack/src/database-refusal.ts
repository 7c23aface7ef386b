/**
 * PostgreSQL refusing a login (SQLSTATE 28P01: user or password), said so that an operator
 * knows where to look: in development the cluster lives in VIDGATE_DATA_DIR
 * but the passwords generated for it in VIDGATE_DEV_SECRETS_DIR, so a data
 * folder reused with other secrets (or the reverse) can never log in.
 */
export function wrongPasswordHint(err: unknown): string | undefined {
  if ((err as { code?: unknown } | null)?.code !== '28P01') return undefined;
  return 'the user or the password is not one this PostgreSQL knows (or another server answers on this port): in development the cluster is kept in VIDGATE_DATA_DIR and its generated passwords in VIDGATE_DEV_SECRETS_DIR (.vidgate/secrets by default), and the two must stay together';
}
