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
  const sign = signing.mode === 'md5' ? signQueryMd5 : signQuery;
  const check = signing.mode === 'md5' ? verifyMd5 : verify;
  const kid = signing.activeKid;
  const signMany = signing.mode === 'md5'
    ? (paths: readonly string[], exp: number) => paths.map((path) => signQueryMd5({ path, kid, key, exp }))
    : (paths: readonly string[], exp: number) => signQueries({ paths, kid, key, exp });
  const signPaths = (paths: readonly string[], exp: number) => {
    const queries = signMany(paths, exp);
    return paths.map((path, i) => `${path}?${queries[i]}`);
  };
  return {
    signPath: (path, exp) => `${path}?${sign({ path, kid, key, exp })}`,
    signPaths,
    signInto: signing.mode === 'md5'
      ? (text, spans, paths, exp) => spliceText(text, spans, signPaths(paths, exp))
      : (text, spans, paths, exp) => signIntoText({ text, spans, paths, kid, key, exp }),
    verify: (path, rawQuery, now = nowSeconds()) => check({ path, rawQuery, keys: signing.keys, now }),
  };
}
