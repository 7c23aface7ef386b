import type { SigningKeys } from './config/sections.ts';
import { signIntoText, signQueries, signQuery, verify, type Verdict } from './signing.ts';
import { signQueryMd5, verifyMd5 } from './signing-md5.ts';
import { spliceText, type Spans } from './splice-text.ts';

/** Unix seconds, the unit of every signed URL's expiry. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Mints and checks URLs in whichever mode the deployment's nginx validates. */
export interface UrlSigner {
  /** Returns path + "?" + signed query; the path is absolute ("/media/..."). */
  signPath(path: string, exp: number): string;
  /** signPath for many paths with one expiry, in one batch (a playlist's URIs). */
  signPaths(paths: readonly string[], exp: number): string[];
  /** `text` as UTF-8 bytes with span i replaced by signPath(paths[spans.indexes[i]], exp): a playlist's URIs, in one batch. */
  signInto(text: string, spans: Spans, paths: readonly string[], exp: number): Buffer;
  verify(path: string, rawQuery: string, now?: number): Verdict;
}

export function createUrlSigner(signing: SigningKeys): UrlSigner {
  const key = signing.keys.get(signing.activeKid)!;
  const kid = signing.activeKid;
  const withQueries = (paths: readonly string[], queries: readonly string[]) => paths.map((path, i) => `${path}?${queries[i]}`);
  // What differs between the two schemes nginx can validate; the rest is the same.
  const scheme: Pick<UrlSigner, 'signPaths' | 'signInto'> & { sign: typeof signQuery; check: typeof verify } = signing.mode === 'md5'
    ? {
      sign: signQueryMd5,
      check: verifyMd5,
      signPaths: (paths, exp) => withQueries(paths, paths.map((path) => signQueryMd5({ path, kid, key, exp }))),
      signInto: (text, spans, paths, exp) => spliceText(text, spans, scheme.signPaths(paths, exp)),
    }
    : {
      sign: signQuery,
      check: verify,
      signPaths: (paths, exp) => withQueries(paths, signQueries({ paths, kid, key, exp })),
      signInto: (text, spans, paths, exp) => signIntoText({ text, spans, paths, kid, key, exp }),
    };
  return {
    signPath: (path, exp) => `${path}?${scheme.sign({ path, kid, key, exp })}`,
    signPaths: scheme.signPaths,
    signInto: scheme.signInto,
    verify: (path, rawQuery, now = nowSeconds()) => scheme.check({ path, rawQuery, keys: signing.keys, now }),
  };
}
