import { ConfigError } from '@vidgate/common/config/env';
import { describe, expect, it } from 'vitest';
import { loadCollectorConfig } from './collector-config.ts';

const base = { VIDGATE_COLLECTOR_LOG: '/var/log/nginx/access.log', VIDGATE_COLLECTOR_STATE: '/var/lib/vidgate/collector.json' };

describe('loadCollectorConfig', () => {
  it('reads only its own variables, with their defaults', () => {
    expect(loadCollectorConfig({ ...base, VIDGATE_BUCKET: 'clips' })).toEqual({
      logLevel: 'info', bindHost: '127.0.0.1', bucket: 'clips', port: 8082,
      accessLog: base.VIDGATE_COLLECTOR_LOG, stateFile: base.VIDGATE_COLLECTOR_STATE, pollMs: 500,
    });
  });

  it.each([
    [{ VIDGATE_COLLECTOR_STATE: base.VIDGATE_COLLECTOR_STATE }, 'VIDGATE_COLLECTOR_LOG'],
    [{ VIDGATE_COLLECTOR_LOG: base.VIDGATE_COLLECTOR_LOG }, 'VIDGATE_COLLECTOR_STATE'],
    [{ ...base, VIDGATE_COLLECTOR_POLL_MS: '1e3' }, 'VIDGATE_COLLECTOR_POLL_MS'],
    [{ ...base, VIDGATE_COLLECTOR_POLL_MS: '5' }, 'VIDGATE_COLLECTOR_POLL_MS'],
    [{ ...base, VIDGATE_COLLECTOR_PORT: '80800' }, 'VIDGATE_COLLECTOR_PORT'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadCollectorConfig(env)).toThrow(ConfigError);
    expect(() => loadCollectorConfig(env)).toThrow(name);
  });
});
