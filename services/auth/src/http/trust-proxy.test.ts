import { describe, expect, it } from 'vitest';
import { trustNginx } from './trust-proxy.ts';

describe('trustNginx', () => {
  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '172.18.0.5', '::ffff:172.18.0.5', '192.168.1.9', 'fd00::5'])('trusts the immediate peer %s (loopback, a private network)', (address) => {
    expect(trustNginx(address, 0)).toBe(true);
  });

  it.each(['198.51.100.7', '::ffff:198.51.100.7', '2001:db8::1', '172.32.0.1'])('does not trust a public peer %s', (address) => {
    expect(trustNginx(address, 0)).toBe(false);
  });

  it('trusts one hop only: an address a client wrote into X-Forwarded-For is never followed', () => {
    expect(trustNginx('10.0.0.2', 1)).toBe(false);
    expect(trustNginx('127.0.0.1', 1)).toBe(false);
  });
});
