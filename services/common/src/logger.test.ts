import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.ts';

/** A logger whose lines are kept in memory, parsed back as JSON. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ name: 'test', level: 'info', destination });
  return { logger, text: () => lines.join('\n'), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('redactUrl', () => {
  it.each([
    ['/media/demo/a.ts?exp=1700000000&kid=k1&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde', '/media/demo/a.ts?exp=1700000000&kid=k1&sig=[redacted]'],
    ['/media/demo/a.ts?md5=AbCdEfGhIjKlMnOpQrStUv&expires=1700000000&kid=k1', '/media/demo/a.ts?md5=[redacted]&expires=1700000000&kid=k1'],
    [
      '/bucket/videos/x.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef',
      '/bucket/videos/x.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=[redacted]',
    ],
    ['/v1/videos/abc/playback?token=eyJhbGciOi.eyJzdWIiOi.c2ln&lang=en', '/v1/videos/abc/playback?token=[redacted]&lang=en'],
    ['/x?access_token=secret-value', '/x?access_token=[redacted]'],
    ['/x?x-amz-signature=lower&SIG=upper', '/x?x-amz-signature=[redacted]&SIG=[redacted]'],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each(['/healthz', '/media/demo/a.ts', '/media/sig/token/md5.ts?exp=1&kid=k1', '/x?signal=1&tokens=2&designer=3'])('leaves %s alone', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});

describe('createLogger', () => {
  it('writes JSON lines with the name and level to the given destination', () => {
    const { logger, records } = capture();
    logger.info({ route: '/healthz' }, 'hello');
    logger.debug('below the level');
    expect(records()).toEqual([expect.objectContaining({ name: 'test', level: 30, route: '/healthz', msg: 'hello' })]);
  });

  it('never prints authorization or cookie headers, however they are nested', () => {
    const { logger, text } = capture();
    const headers = { authorization: 'Bearer eyJ.leaked-jwt.sig', cookie: 'session=leaked-cookie', 'set-cookie': ['sid=leaked-set-cookie'], host: 'media.example' };
    logger.info({ req: { method: 'GET', headers } }, 'request');
    logger.info({ headers }, 'headers');
    logger.info({ authorization: 'Bearer eyJ.leaked-top.sig' }, 'top level');
    logger.info({ res: { headers: { 'set-cookie': 'sid=leaked-res-cookie' } } }, 'response');
    expect(text()).not.toMatch(/leaked/);
    expect(text()).toContain('media.example');
  });

  it('never prints secretKey, secret, password, key or token fields, however they are nested', () => {
    const { logger, text } = capture();
    logger.info({ secretKey: 'leaked-1' }, 'top');
    logger.info({ auth: { accessKey: 'vidgate-auth', secretKey: 'leaked-2' } }, 'one level');
    logger.info({ config: { minio: { auth: { accessKey: 'vidgate-auth', secretKey: 'leaked-3' } }, jwt: { secret: 'leaked-4' } } }, 'deep');
    logger.info({ user: { password: 'leaked-5' }, signing: { key: 'leaked-6' }, token: 'leaked-7' }, 'misc');
    logger.child({ credentials: { secretKey: 'leaked-8' } }).info('child bindings');
    logger.error({ err: Object.assign(new Error('boom'), { secretKey: 'leaked-9' }) }, 'error');
    expect(text()).not.toMatch(/leaked/);
    expect(text()).toContain('vidgate-auth');
    expect(text()).toContain('[redacted]');
  });

  it('keeps fields that merely resemble secret ones', () => {
    const { logger, records } = capture();
    logger.info({ objectKey: 'demo/a.ts', accessKey: 'vidgate-auth', kid: 'k1' }, 'signed');
    expect(records()[0]).toMatchObject({ objectKey: 'demo/a.ts', accessKey: 'vidgate-auth', kid: 'k1' });
  });
});
