import { closest, distance } from 'fastest-levenshtein';
import { AUTH_SHAPE } from '@vidgate/auth/auth-config';
import { COLLECTOR_SHAPE } from '@vidgate/collector/collector-config';
import type { Env } from '@vidgate/common/config/env';
import { AUDIT, WEBHOOK } from '@vidgate/common/config/sections';
import { TRANSCODER_SHAPE } from '@vidgate/transcoder/transcoder-config';
import { NGINX_SHAPE } from './nginx-config.ts';
import { STACK_SHAPE } from './stack-config.ts';

/**
 * Every variable a process of the local stack or the CLI reads (the services'
 * shapes, and the folders the stack's tools and generated secrets live in),
 * each also in its NAME_FILE form.
 */
const KNOWN = [...new Set([
  ...[AUTH_SHAPE, TRANSCODER_SHAPE, COLLECTOR_SHAPE, NGINX_SHAPE, STACK_SHAPE, AUDIT, WEBHOOK].flatMap((shape) => Object.keys(shape)),
  'VIDGATE_DEV_SECRETS_DIR', 'VIDGATE_CACHE_DIR',
].flatMap((name) => [name, `${name}_FILE`]))];
const KNOWN_SET = new Set(KNOWN);

/**
 * VIDGATE_* variables no process reads that are one or two letters away from
 * one that is read: a typo, which would otherwise be ignored without a word
 * (each process reads only its own variables). Names further from any setting
 * (compose's, the tests') are not guesses worth making.
 */
export function misspeltSettings(env: Env): { name: string; meant: string }[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('VIDGATE_') && !KNOWN_SET.has(name))
    .map((name) => ({ name, meant: closest(name, KNOWN) }))
    .filter(({ name, meant }) => distance(name, meant) <= 2)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The warning lines for misspeltSettings, for npm start and the CLI. */
export const misspeltWarnings = (env: Env): string[] =>
  misspeltSettings(env).map(({ name, meant }) => `warning: ${name} is not a setting any Vidgate process reads; did you mean ${meant}?`);
