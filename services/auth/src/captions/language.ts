import { AppError } from '@vidgate/common/errors';

/** Tags of letters, digits and hyphens only (what BCP 47 allows): they name objects and URLs as they are. */
const TAG = /^[A-Za-z0-9]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const MAX_TAG = 35;
const MAX_LABEL = 100;
const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * A caption's language: a well-formed BCP 47 tag in its canonical form
 * ("en-us" → "en-US", "iw" → "he"), so one language has one caption, one
 * object and one URL however the owner spells it.
 */
export function captionLanguage(raw: string): string {
  let tag: string | undefined;
  if (raw.length <= MAX_TAG && TAG.test(raw)) {
    try {
      tag = Intl.getCanonicalLocales(raw)[0];
    } catch {
      // Not BCP 47: refused below.
    }
  }
  if (tag === undefined || !TAG.test(tag)) throw new AppError('bad_request', `language: "${raw.slice(0, MAX_TAG)}" is not a BCP 47 language tag (e.g. en, pt-BR, zh-Hant)`);
  return tag;
}

/**
 * What players show for the caption: the owner's label, else the language's
 * English name. A quoted string in the master playlist: no double quotes,
 * line breaks or other control characters.
 */
export function captionLabel(raw: unknown, language: string): string {
  if (raw === undefined) return names.of(language) ?? language;
  if (typeof raw !== 'string') throw new AppError('bad_request', 'label: give it once');
  const label = raw.trim();
  if (label.length === 0 || label.length > MAX_LABEL || /["\u0000-\u001f\u007f]/.test(label)) {
    throw new AppError('bad_request', `label: 1 to ${MAX_LABEL} characters, no double quotes or control characters`);
  }
  return label;
}
