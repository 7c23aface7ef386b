import { describe, expect, it } from 'vitest';
import { spliceText } from './splice-text.ts';
import { createUrlSigner } from './url-signer.ts';

const EXP = 4102444800;
const keys = new Map([['k1', 'key-0123456789abcdef0123456789abcdef']]);

describe.each(['hmac', 'md5'] as const)('createUrlSigner, %s mode', (mode) => {
  const signer = createUrlSigner({ mode, keys, activeKid: 'k1' });
  const paths = ['/media/videos/a/hls/720p/init.mp4', '/media/videos/a/hls/720p/segment_0.m4s', '/v1/hls/a/720p/index.m3u8'];
  // A playlist-like text: its spans are the URIs, the key URI twice, around non-ASCII bytes.
  const text = '#EXTM3U\n#EXT-X-MAP:URI="I"\n#EXT-X-KEY:URI="K",NAME="clé €"\nS\n#EXT-X-KEY:URI="K"\n';
  // Where each URI is: inside its quotes, and the segment line.
  const quoted = [...text.matchAll(/URI="([^"]*)"/g)].map((m) => m.index + 'URI="'.length);
  const segment = text.indexOf('\nS\n') + 1;
  const starts = [quoted[0]!, quoted[1]!, segment, quoted[2]!];
  const spans = { starts, ends: starts.map((start) => start + 1), indexes: [0, 2, 1, 2] };

  it('writes into a text the URLs signPath gives, every one valid for its path', () => {
    const out = signer.signInto(text, spans, paths, EXP);
    expect(out.equals(spliceText(text, spans, paths.map((path) => signer.signPath(path, EXP))))).toBe(true);
    const urls = [...out.toString().matchAll(/URI="([^"]+)"|^(\/[^\n]+)$/gm)].map((m) => m[1] ?? m[2]!);
    expect(urls.map((url) => url.split('?')[0])).toEqual([paths[0], paths[2], paths[1], paths[2]]);
    for (const url of urls) expect(signer.verify(url.split('?')[0]!, url.split('?')[1]!, EXP - 60)).toMatchObject({ ok: true });
    expect(out.toString()).toContain('NAME="clé €"');
  });
});
