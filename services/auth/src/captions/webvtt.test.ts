import { describe, expect, it } from 'vitest';
import { AppError } from '@vidgate/common/errors';
import { captionLabel, captionLanguage } from './language.ts';
import { parseCaptionFile, withTimestampMap } from './webvtt.ts';

const vtt = (text: string) => Buffer.from(text);
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return `${(err as AppError).code}: ${(err as AppError).message}`;
  }
  throw new Error('not refused');
};

describe('a WebVTT caption file', () => {
  it.each([
    ['two cues, an identifier, settings', 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500 align:start\nHello\n\n00:03.000 --> 00:04.000\nWorld\n', 2],
    ['a header text, CRLF, a BOM, notes and a style', '\uFEFFWEBVTT - a film\r\nKind: captions\r\n\r\nNOTE made by hand\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\n01:02:03.004 --> 01:02:04.000\r\nLate\r\n', 1],
    ['hours of three digits', 'WEBVTT\n\n100:00:00.000 --> 100:00:01.000\nlong\n', 1],
  ])('is accepted: %s', (_what, text, cues) => {
    const parsed = parseCaptionFile(vtt(text));
    expect(parsed).toEqual({ text, cues });
  });

  it.each([
    ['no signature', 'WEBVT\n\n00:00:01.000 --> 00:00:02.000\nx\n', 'line 1'],
    ['a signature run on', 'WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nx\n', 'line 1'],
    ['SRT, not WebVTT', '1\n00:00:01,000 --> 00:00:02,000\nx\n', 'line 1'],
    ['commas in the timings', 'WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n', 'line 3: malformed cue timings'],
    ['minutes over 59', 'WEBVTT\n\n00:60:01.000 --> 01:00:02.000\nx\n', 'line 3: malformed'],
    ['two digits of milliseconds', 'WEBVTT\n\n00:00:01.00 --> 00:00:02.000\nx\n', 'line 3: malformed'],
    ['an end before the start', 'WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n', 'line 3: a cue must end after it starts'],
    ['an end equal to the start', 'WEBVTT\n\n00:00:05.000 --> 00:00:05.000\nx\n', 'line 3: a cue must end after it starts'],
    ['a block without timings', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n\njust text\nmore\n', 'line 6: a cue needs a timing line'],
    ['an arrow in cue text', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na --> b\n', 'line 4: cue text must not contain'],
    ['a cue inside the header', 'WEBVTT\n00:00:01.000 --> 00:00:02.000\nx\n', 'line 2: the header must end'],
    ['no cue at all', 'WEBVTT\n\nNOTE nothing\n', 'at least one cue'],
    ['a NUL', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\u0000\n', 'NUL'],
  ])('is refused with caption_invalid: %s', (_what, text, message) => {
    const refused = refusal(() => parseCaptionFile(vtt(text)));
    expect(refused).toMatch(/^caption_invalid: /);
    expect(refused).toContain(message);
  });

  it('is refused when it is not UTF-8', () => {
    expect(refusal(() => parseCaptionFile(Buffer.concat([vtt('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n'), Buffer.from([0xff, 0xfe, 0x0a])])))).toBe('caption_invalid: a caption file must be UTF-8');
  });
});

describe('the timestamp mapping for HLS', () => {
  it('goes right after the signature, replacing one the file brought, keeping every other byte and the line ends', () => {
    const text = 'WEBVTT\r\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\r\nKind: captions\r\n\r\n00:00:02.000 --> 00:00:03.000\r\nX-TIMESTAMP-MAP=in a cue stays\r\n';
    expect(withTimestampMap(text, 126000)).toBe('WEBVTT\r\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\r\nKind: captions\r\n\r\n00:00:02.000 --> 00:00:03.000\r\nX-TIMESTAMP-MAP=in a cue stays\r\n');
    const plain = 'WEBVTT\n\n00:00:02.000 --> 00:00:03.000\nHi\n';
    const mapped = withTimestampMap(plain, 133200);
    expect(mapped).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:133200,LOCAL:00:00:00.000\n\n00:00:02.000 --> 00:00:03.000\nHi\n');
    expect(parseCaptionFile(Buffer.from(mapped)).cues).toBe(1);
  });
});

describe('a caption language and label', () => {
  it.each([['en', 'en'], ['en-us', 'en-US'], ['pt-BR', 'pt-BR'], ['zh-hant', 'zh-Hant'], ['iw', 'he'], ['sr-Latn-RS', 'sr-Latn-RS']])('%s is the tag %s', (raw, tag) => {
    expect(captionLanguage(raw)).toBe(tag);
  });

  it.each(['', 'english language', 'en_US', 'en-', '-en', 'x-private', '../en', 'en.vtt', 'a'.repeat(36), 'abcdefghi'])('%j is refused with bad_request', (raw) => {
    expect(refusal(() => captionLanguage(raw))).toMatch(/^bad_request: language: /);
  });

  it("defaults the label to the language's English name, and refuses one a playlist cannot quote", () => {
    expect(captionLabel(undefined, 'en')).toBe('English');
    expect(captionLabel(undefined, 'pt-BR')).toBe('Brazilian Portuguese');
    expect(captionLabel('  Deutsch (SDH) ', 'de')).toBe('Deutsch (SDH)');
    for (const bad of ['say "hi"', 'two\nlines', '', 'x'.repeat(101), ['a', 'b']]) expect(refusal(() => captionLabel(bad, 'en'))).toMatch(/^bad_request: label/);
  });
});
