import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@vidgate/common/errors';
import { ERROR_CONTEXTS, errorJson, renderErrorBodies, renderErrorPages, renderJsonErrors, type ErrorContext } from './nginx-errors.ts';
import { NGINX_SRC, REPO_ROOT } from './paths.ts';

const known = (code: string) => Object.hasOwn(ERROR_CODES, code);
const statusOf = (code: string) => ERROR_CODES[code as keyof typeof ERROR_CODES];

describe("nginx's error pages", () => {
  const rendered = renderJsonErrors('/conf');
  const locations = [...rendered.matchAll(/location = \/_vidgate\/error\/(\w+) \{.*? return (\d+) '(.*)'; \}/g)];

  it('answer every code a context uses with that code\'s status and a JSON body of error and message', () => {
    const used = new Set((Object.keys(ERROR_CONTEXTS) as ErrorContext[]).flatMap((c) => [...renderErrorPages(c).matchAll(/ =\d+ \/_vidgate\/error\/(\w+);/g)].map((m) => m[1]!)));
    expect(locations.map((m) => m[1]).sort()).toEqual([...used].sort());
    for (const [, code, status, body] of locations) {
      expect(known(code!), code).toBe(true);
      expect(Number(status), code).toBe(statusOf(code!));
      const json = JSON.parse(body!.replace(/\\n$/, '')) as { error: string; message: string };
      expect(json.error).toBe(code);
      expect(json.message.length).toBeGreaterThan(10);
      expect(body).not.toMatch(/'|\$/); // inside nginx's single quotes, no variables
    }
  });

  it('cover every status nginx itself produces, in every context (a location with error_page inherits none)', () => {
    for (const context of Object.keys(ERROR_CONTEXTS) as ErrorContext[]) {
      const statuses = [...renderErrorPages(context).matchAll(/^error_page (\d+) /gm)].map((m) => Number(m[1]));
      expect(statuses, context).toEqual(expect.arrayContaining([400, 403, 404, 405, 408, 413, 414, 429, 494, 500, 502, 503, 504]));
    }
  });

  it('send Retry-After with 429, and the CORS headers a page needs to read a refusal', () => {
    const tooMany = locations.find((m) => m[1] === 'too_many_requests')![0];
    expect(tooMany).toContain('add_header Retry-After 1 always;');
    for (const [location] of locations) expect(location).toContain('add_header Access-Control-Allow-Origin $vidgate_cors_origin always;');
  });

  it('refuse to render a code without a message', () => {
    expect(() => errorJson('video_not_ready')).toThrow(/no nginx message/);
  });
});

describe('every error code nginx, njs and the legacy proxy answer with', () => {
  const sources = [
    ...readdirSync(resolve(NGINX_SRC, 'templates')).map((f) => resolve(NGINX_SRC, 'templates', f)),
    resolve(REPO_ROOT, 'deploy/compose/nginx/lb.conf'),
    resolve(REPO_ROOT, 'deploy/compose/nginx/tls.conf.template'),
    resolve(REPO_ROOT, 'services/auth/src/routes/legacy-proxy.ts'),
  ];

  const njsRefusals = [...readFileSync(resolve(NGINX_SRC, 'njs/vidgate.js'), 'utf8').matchAll(/(?:error = |return )'(\w+)';/g)].map((m) => m[1]!);
  const bodies = new Map([...renderErrorBodies().matchAll(/^ {4}(\w+) '(.*)';$/gm)].filter((m) => m[1] !== 'default').map((m) => [m[1]!, m[2]!]));

  it('is one of the services\' codes, with the same status, and its body comes from the table', () => {
    const found: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/'\{"error"/); // no hand-written body
      // A refusal: if (...) { ... set $vidgate_reject <code>; ... return <status> $vidgate_error_body; }
      for (const [, condition, block] of text.matchAll(/if \(([^)]*)\) \{([^}]*)\}/g)) {
        const status = /return (\d{3}) \$vidgate_error_body;/.exec(block!)?.[1];
        if (!status) continue;
        const code = /set \$vidgate_reject (\w+);/.exec(block!)?.[1] ?? /^\$vidgate_refusal = (\w+)$/.exec(condition!)?.[1];
        // if ($vidgate_refusal) { return 403 ... }: every njs refusal not answered by an earlier block.
        const codes = code ? [code] : njsRefusals.filter((c) => !text.includes(`$vidgate_refusal = ${c})`));
        expect(codes.length, `${file}: if (${condition})`).toBeGreaterThan(0);
        for (const c of codes) {
          found.push(c);
          expect({ file, code: c, status: Number(status), body: bodies.has(c) }).toEqual({ file, code: c, status: statusOf(c), body: true });
        }
      }
      for (const m of text.matchAll(/\[(\d{3}), '(\w+)'\]/g)) {
        found.push(m[2]!);
        expect({ file, code: m[2], status: Number(m[1]) }).toEqual({ file, code: m[2], status: statusOf(m[2]!) });
      }
    }
    expect(found.length).toBeGreaterThan(10);
  });

  it('in $vidgate_error_body is JSON of that code and its message, and internal for anything else', () => {
    expect(bodies.size).toBeGreaterThan(20);
    for (const [code, body] of bodies) expect(JSON.parse(body.replace(/\\n$/, '')), code).toEqual({ error: code, message: expect.any(String) });
    expect(renderErrorBodies()).toMatch(/^ {4}default '\{"error":"internal",/m);
  });

  it('in njs, deny(status, code) and the query checks use known codes with their statuses', () => {
    const njs = readFileSync(resolve(NGINX_SRC, 'njs/vidgate.js'), 'utf8');
    const denials = [...njs.matchAll(/deny\((\d{3}), '(\w+)'\)/g)];
    expect(denials.length).toBeGreaterThan(3);
    for (const [, status, code] of denials) expect({ code, status: Number(status) }).toEqual({ code, status: statusOf(code!) });
    for (const [, code] of njs.matchAll(/return '(\w+)';/g)) expect({ code, known: known(code!) }).toEqual({ code, known: true });
  });
});
